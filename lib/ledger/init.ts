/**
 * Creating a ledger directory: the genesis record, the lock file, the first checkpoint and the
 * trust file text an auditor takes away.
 *
 * @module
 */

import { type Clock, rfc3339, systemClock } from "../base/clock.ts";
import { VERSION } from "../base/version.ts";
import { writeCheckpoint, type WrittenCheckpoint } from "./checkpoint_writer.ts";
import { toBase64, toHex } from "./encoding.ts";
import { syncDir } from "../base/durable_file.ts";
import type { SigningKey } from "./keys.ts";
import { LedgerError } from "./ledger_error.ts";
import { LEDGER_JSONL, LEDGER_LOCK } from "./ledger_files.ts";
import { GENESIS_PREV, signRecord } from "./record.ts";
import { checkBody } from "./record_types.ts";
import { isValidNoteKeyName, verifierKeyString } from "./signed_note.ts";
import { type TrustFile, trustFileText } from "./trust.ts";

/**
 * What `initLedger` created.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger, type InitResult } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const r: InitResult = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * assert.equal(r.trust.origin, r.origin);
 * assert.match(r.genesisLeaf, /^[0-9a-f]{64}$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface InitResult {
  /** The origin. */
  readonly origin: string;
  /** The genesis line. */
  readonly genesisLine: string;
  /** Hex leaf hash of the genesis line. */
  readonly genesisLeaf: string;
  /** The size-1 checkpoint written after genesis. */
  readonly checkpoint: WrittenCheckpoint;
  /** Trust for this ledger: the key, role both, from seq 0, open-ended. */
  readonly trust: TrustFile;
  /** `trust` as trust file text. */
  readonly trustText: string;
}

/**
 * Creates the ledger in `dir` (created if missing; refused when it already holds records).
 *
 * @param options `origin` unique log name such as `carbon-ops.example/host-01` (no spaces, no
 *   `+`), `key` the signing key, `clock` (default the system clock).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const r = await initLedger(dir, { origin: "example.org/host-01", key });
 * assert.equal(r.checkpoint.size, 1);
 * await assert.rejects(() => initLedger(dir, { origin: "example.org/host-01", key }));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function initLedger(
  dir: string,
  options: { origin: string; key: SigningKey; clock?: Clock },
): Promise<InitResult> {
  const { origin, key } = options;
  if (!isValidNoteKeyName(origin) || origin.length > 255) {
    throw new RangeError(
      `origin '${origin}' must be a unique log name without spaces or '+', e.g. carbon-ops.example/host-01`,
    );
  }
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${LEDGER_JSONL}`;
  const info = await Deno.stat(path).catch(() => null);
  if (info && info.size > 0) {
    throw new LedgerError("ALREADY_INITIALISED", `${path} already holds records`, {
      hint: "choose an empty directory",
    });
  }
  using lock = await Deno.open(`${dir}/${LEDGER_LOCK}`, {
    read: true,
    write: true,
    create: true,
    mode: 0o644,
  });
  await lock.lock(true);
  let genesis: ReturnType<typeof signRecord>;
  try {
    const again = await Deno.stat(path).catch(() => null);
    if (again && again.size > 0) {
      throw new LedgerError("ALREADY_INITIALISED", `${path} already holds records`, {
        hint: "choose an empty directory",
      });
    }
    const ts = rfc3339((options.clock ?? systemClock).nowMs());
    const body = {
      origin,
      created: ts,
      software: { name: "carbon-ops", version: VERSION },
      key: {
        kid: key.kid,
        spki: toBase64(key.spkiDer),
        verifier_key: verifierKeyString(origin, key.publicRaw),
      },
    };
    const problems = checkBody("genesis", body);
    if (problems.length) {
      throw new LedgerError("BODY_INVALID", `genesis body: ${problems.join("; ")}`);
    }
    const signed = signRecord({ seq: 0, ts, type: "genesis", body, prev: GENESIS_PREV }, key);
    genesis = signed;
    using out = await Deno.open(path, { append: true, create: true, mode: 0o644 });
    const bytes = new TextEncoder().encode(signed.line + "\n");
    let done = 0;
    while (done < bytes.length) done += await out.write(bytes.subarray(done));
    await out.syncData();
    await syncDir(dir);
  } finally {
    await lock.unlock();
  }
  const checkpoint = await writeCheckpoint(dir, key);
  const trust: TrustFile = { origin, keys: [{ key, role: "both", seqFrom: 0, seqTo: null }] };
  return {
    origin,
    genesisLine: genesis.line,
    genesisLeaf: toHex(genesis.leaf),
    checkpoint,
    trust,
    trustText: trustFileText(trust),
  };
}
