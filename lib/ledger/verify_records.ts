/**
 * Record checks of the verifier that go beyond one line: the genesis record against the trust
 * file, and corrections against the records they supersede (a second streaming pass, run only
 * when the ledger has corrections).
 *
 * @module
 */

import { Decimal } from "./decimal.ts";
import { bytesEqual, fromBase64, fromHex, toHex } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import { MAX_RECORD_BYTES, readLines } from "./line_stream.ts";
import { leafHash } from "./merkle.ts";
import { decodeRecordLine, type LedgerRecord } from "./record.ts";
import { checkBody } from "./record_types.ts";
import type { TrustFile } from "./trust.ts";
import type { VerifyIssue } from "./verify_report.ts";

/**
 * Checks the genesis body: origin equal to the trust file's, `key` naming the signing key, and
 * the genesis schema. Reports ORIGIN_MISMATCH or GENESIS_INVALID through `fail`.
 *
 * @returns The origin named by the record (null when absent).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { decodeRecordLine } from "./record.ts";
 * import { checkGenesis } from "./verify_records.ts";
 * const dir = await Deno.makeTempDir();
 * const { genesisLine, trust } = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * const { record } = decodeRecordLine(new TextEncoder().encode(genesisLine));
 * const failures: string[] = [];
 * assert.equal(checkGenesis(record, trust, (code) => failures.push(code)), "example.org/host-01");
 * assert.equal(failures.length, 0);
 * checkGenesis(record, { ...trust, origin: "other" }, (code) => failures.push(code));
 * assert.deepEqual(failures, ["ORIGIN_MISMATCH"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function checkGenesis(
  record: LedgerRecord,
  trust: TrustFile,
  fail: (code: string, message: string) => void,
): string | null {
  const body = record.body as { origin?: unknown; key?: { kid?: unknown; spki?: unknown } };
  const origin = typeof body.origin === "string" ? body.origin : null;
  if (origin !== null && origin !== trust.origin) {
    fail("ORIGIN_MISMATCH", `ledger origin '${origin}' is not the trust file's '${trust.origin}'`);
  }
  try {
    const spki = fromBase64(String(body.key?.spki));
    if (body.key?.kid !== record.kid || !bytesEqual(sha256(spki), fromHex(record.kid))) {
      fail("GENESIS_INVALID", "the genesis key does not match the key that signed it");
    }
  } catch {
    fail("GENESIS_INVALID", "the genesis key is malformed");
  }
  const problems = checkBody("genesis", record.body);
  if (problems.length) fail("GENESIS_INVALID", problems.join("; "));
  return origin;
}

/**
 * A correction's claim on the record it supersedes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CorrectionClaim } from "./verify_records.ts";
 * const claim: CorrectionClaim = { by: 7, leaf: "0".repeat(64) };
 * assert.equal(claim.by, 7);
 * ```
 */
export interface CorrectionClaim {
  /** Seq of the correction record. */
  readonly by: number;
  /** The leaf hash it names. */
  readonly leaf: string;
}

/**
 * What superseding changes in the totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Decimal } from "./decimal.ts";
 * import type { CorrectionOutcome } from "./verify_records.ts";
 * const outcome: CorrectionOutcome = {
 *   superseded: 1,
 *   co2eDelta: Decimal.parse("-12.5"),
 *   energyDelta: Decimal.parse("-0.25"),
 *   emissionsDelta: -1,
 * };
 * assert.equal(outcome.co2eDelta.toString(), "-12.5");
 * ```
 */
export interface CorrectionOutcome {
  /** Records superseded by a matching correction. */
  readonly superseded: number;
  /** Change to the CO2e total (minus the superseded emissions). */
  readonly co2eDelta: Decimal;
  /** Change to the energy total. */
  readonly energyDelta: Decimal;
  /** Change to the number of emission records counted. */
  readonly emissionsDelta: number;
}

/**
 * Streams the ledger again up to byte `end` and checks each claimed target: the named leaf must
 * be that line's leaf, the record an emission or note, and the seq must exist.
 *
 * @param corrections Target seq -> claims on it.
 * @param sink `fail(code, message, correctionSeq)` for CORRECTION_TARGET errors, `warn` for
 *   SUPERSEDED_TWICE.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { checkCorrections } from "./verify_records.ts";
 * const dir = await Deno.makeTempDir();
 * const { genesisLeaf } = await initLedger(dir, { origin: "example.org/host-01", key: generateSigningKey() });
 * const path = `${dir}/ledger.jsonl`;
 * const extent = { end: (await Deno.stat(path)).size, entries: 1 };
 * const failures: string[] = [];
 * const sink = { fail: (code: string) => failures.push(code), warn: () => {} };
 * await checkCorrections(path, extent, new Map([[0, [{ by: 1, leaf: genesisLeaf }]]]), sink);
 * assert.deepEqual(failures, ["CORRECTION_TARGET"]); // a genesis record cannot be superseded
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkCorrections(
  path: string,
  extent: { end: number; entries: number },
  corrections: ReadonlyMap<number, readonly CorrectionClaim[]>,
  sink: {
    fail: (code: string, message: string, by: number) => void;
    warn: (w: VerifyIssue) => void;
  },
): Promise<CorrectionOutcome> {
  let superseded = 0;
  let co2eDelta = Decimal.ZERO;
  let energyDelta = Decimal.ZERO;
  let emissionsDelta = 0;
  const lines = readLines(path, { end: extent.end, maxLineBytes: MAX_RECORD_BYTES });
  for await (const line of lines) {
    const claims = corrections.get(line.index);
    if (!claims || !line.terminated) continue;
    const leaf = toHex(line.oversize?.leaf ?? leafHash(line.bytes));
    let record: LedgerRecord | null = null;
    try {
      // An oversize line (empty bytes) was reported as RECORD_TOO_LARGE by the first pass.
      if (!line.oversize) record = decodeRecordLine(line.bytes).record;
    } catch { /* already reported by the first pass */ }
    for (const c of claims) {
      if (c.leaf !== leaf) {
        sink.fail(
          "CORRECTION_TARGET",
          `supersedes seq ${line.index} with leaf ${c.leaf}, but that line's leaf is ${leaf}`,
          c.by,
        );
      } else if (record && record.type !== "emission" && record.type !== "note") {
        sink.fail("CORRECTION_TARGET", `supersedes a ${record.type} record`, c.by);
      }
    }
    if (claims.length > 1) {
      sink.warn({
        code: "SUPERSEDED_TWICE",
        message: `seq ${line.index} is superseded by ${claims.length} corrections`,
        seq: line.index,
        line: line.index + 1,
        offset: line.offset,
      });
    }
    if (!record || !claims.some((c) => c.leaf === leaf)) continue;
    if (record.type === "emission") {
      superseded++;
      try {
        co2eDelta = co2eDelta.add(
          Decimal.parse((record.body.result as { co2e_g: string }).co2e_g).negate(),
        );
        energyDelta = energyDelta.add(
          Decimal.parse((record.body.activity as { energy_kwh: string }).energy_kwh).negate(),
        );
        emissionsDelta--;
      } catch { /* invalid body, not counted in the totals either */ }
    } else if (record.type === "note") superseded++;
  }
  for (const [seq, claims] of corrections) {
    if (seq < extent.entries) continue;
    for (const c of claims) {
      sink.fail("CORRECTION_TARGET", `supersedes seq ${seq}, which does not exist`, c.by);
    }
  }
  return { superseded, co2eDelta, energyDelta, emissionsDelta };
}
