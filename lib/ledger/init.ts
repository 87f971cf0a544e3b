/**
 * Creating a ledger directory: the genesis record, the lock file, the first checkpoint and the
 * trust file text an auditor takes away.
 *
 * The ledger is built in a hidden sibling directory (`.<name>.init-<pid>-<random>`, flocked while
 * it is built) and renamed into place in one step, so `DIR` holds a complete ledger or none: a
 * full disk or a crash never leaves a genesis without its checkpoint or trust file. Recovery:
 * - a failed build removes its sibling directory itself (after ENOSPC: "disk full while ...");
 * - a crashed build leaves the sibling unlocked, and the next `initLedger` next to it removes it
 *   (`removedLeftovers`), or reports the exact `rm -r` command when it cannot;
 * - a `DIR` left by older versions, which built in place, is recognised: a `ledger.jsonl` with no
 *   complete record is treated as absent and rebuilt; one holding only the genesis record, with
 *   no trust file at `trustPath`, is an interrupted init and is finished (same origin and key,
 *   `resumed`), or reported with the command that finishes it or starts over.
 *
 * @module
 */

import { permissionDeniedDetails } from "../base/permission_denied.ts";
import { shellQuote } from "../base/shell_quote.ts";
import { basename, dirname, isAbsolute, relative, resolve } from "node:path";
import { type Clock, rfc3339, systemClock } from "../base/clock.ts";
import { VERSION } from "../base/version.ts";
import { writeCheckpoint, type WrittenCheckpoint } from "./checkpoint_writer.ts";
import { writeFailed } from "./disk_full.ts";
import { toBase64, toHex } from "./encoding.ts";
import { replaceFileAtomic, syncDir, writeFileDurable } from "../base/durable_file.ts";
import type { SigningKey } from "./keys.ts";
import { LedgerError } from "./ledger_error.ts";
import {
  checkpointArchivePath,
  CHECKPOINTS_DIR,
  LEDGER_JSONL,
  LEDGER_LOCK,
} from "./ledger_files.ts";
import { leafHash } from "./merkle.ts";
import {
  decodeRecordLine,
  GENESIS_PREV,
  type LedgerRecord,
  signRecord,
  verifyRecordSignature,
} from "./record.ts";
import { checkBody } from "./record_types.ts";
import { isValidNoteKeyName, verifierKeyString } from "./signed_note.ts";
import { type TrustFile, trustFileText } from "./trust.ts";

/** Longest origin accepted, in UTF-16 code units. */
const MAX_ORIGIN_LENGTH = 255;

/**
 * Why `origin` cannot name a ledger, or `undefined` when it can: it must be a signed-note key
 * name (non-empty, no Unicode white space, no `+`) of at most 255 characters. The reason is
 * specific (which rule, where), for a usage error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originProblem } from "./init.ts";
 * assert.equal(originProblem("example.org/host-01"), undefined);
 * assert.match(originProblem("a".repeat(256)) ?? "", /256 characters long; at most 255/);
 * assert.match(originProblem("a b") ?? "", /white space at character 2/);
 * assert.match(originProblem("a+b") ?? "", /'\+' at character 2/);
 * assert.match(originProblem("") ?? "", /empty/);
 * ```
 */
export function originProblem(origin: string): string | undefined {
  if (origin.length === 0) {
    return "the origin is empty; name the ledger, e.g. carbon-ops.example/host-01";
  }
  if (origin.length > MAX_ORIGIN_LENGTH) {
    return `the origin is ${origin.length} characters long; at most ${MAX_ORIGIN_LENGTH} are ` +
      "allowed (it is a signed-note key name); choose a shorter name such as carbon-ops.example/host-01";
  }
  const space = origin.search(/\s/u);
  if (space >= 0) {
    return `the origin has white space at character ${space + 1}; signed-note key names ` +
      "cannot contain spaces: use '-' or '/' instead";
  }
  const plus = origin.indexOf("+");
  if (plus >= 0) {
    return `the origin has '+' at character ${plus + 1}; signed-note key names cannot ` +
      "contain '+' (it separates the name from the key id)";
  }
  if (!isValidNoteKeyName(origin)) return "the origin is not a valid signed-note key name";
  return undefined;
}

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
 * assert.equal(r.resumed, false);
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
  /** True when an init interrupted by an older version (genesis only, no trust file) was finished. */
  readonly resumed: boolean;
  /** Half-built sibling directories of crashed inits of the same directory that were removed. */
  readonly removedLeftovers: readonly string[];
}

/**
 * Creates the ledger in `dir`: a new directory, or an existing empty one (whose mode and owner the
 * ledger directory keeps). Refused (`LedgerError` ALREADY_INITIALISED) when `dir` holds records or
 * other files; WRITE_FAILED ("disk full while ...") when a file cannot be written, after removing
 * everything this call created, so the same call succeeds once space is freed.
 *
 * @param options `origin` unique log name such as `carbon-ops.example/host-01` (no spaces, no
 *   `+`), `key` the signing key, `clock` (default the system clock), `trustPath` where to write
 *   the trust file too (never overwritten; an identical file is accepted): inside `dir` it is
 *   written before the ledger becomes visible, elsewhere just before. With `trustPath`, a `dir`
 *   holding only a genesis record of this origin and key and no file at `trustPath` is taken as
 *   an interrupted init and finished.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const r = await initLedger(dir, { origin: "example.org/host-01", key, trustPath: `${dir}/trust.json` });
 * assert.equal(r.checkpoint.size, 1);
 * assert.equal(await Deno.readTextFile(`${dir}/trust.json`), r.trustText);
 * await assert.rejects(() => initLedger(dir, { origin: "example.org/host-01", key }));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function initLedger(
  dir: string,
  options: { origin: string; key: SigningKey; clock?: Clock; trustPath?: string },
): Promise<InitResult> {
  const { origin, key } = options;
  const problem = originProblem(origin);
  if (problem !== undefined) throw new RangeError(problem);
  const target = resolve(dir);
  const parent = dirname(target);
  const trust: TrustFile = { origin, keys: [{ key, role: "both", seqFrom: 0, seqTo: null }] };
  const trustText = trustFileText(trust);
  const trustPath = options.trustPath;
  const trustRel = trustPath === undefined ? null : insideRelative(target, resolve(trustPath));
  if (trustPath !== undefined) await checkTrustTarget(trustPath, trustText);
  const again = `run the same 'carbon-ops ledger init ${shellQuote(dir)}' command again`;
  try {
    await Deno.mkdir(parent, { recursive: true });
  } catch (err) {
    throw writeFailed(`creating ${parent}`, err, `fix that, then ${again}`);
  }
  // The ledger is built beside its final place, so this user must be able to list and write the
  // parent directory: say whose it is and what to do, not a bare "os error 13".
  const removedLeftovers = await removeStaleBuilds(parent, basename(target)).catch((err) => {
    if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
    const { reason, nextStep } = permissionDeniedDetails(parent);
    throw new LedgerError(
      "WRITE_FAILED",
      `cannot create the ledger in ${parent}: ${reason}`,
      { hint: `${nextStep}; then ${again}`, cause: err },
    );
  });
  const found = await inspectTarget(target, dir);
  if (found.kind === "genesis-only") {
    return await resume(dir, found.record, found.line, {
      origin,
      key,
      trust,
      trustText,
      trustPath,
      removedLeftovers,
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
  const genesis = signRecord({ seq: 0, ts, type: "genesis", body, prev: GENESIS_PREV }, key);

  const staging = `${parent}/.${basename(target)}.init-${Deno.pid}-${
    crypto.randomUUID().slice(0, 8)
  }`;
  const hint =
    `nothing was created at ${dir} (the half-built copy was removed); free space, then ${again}`;
  let step = `creating ${staging}`;
  let checkpoint: WrittenCheckpoint;
  try {
    await Deno.mkdir(staging);
    // Held until the build ends (or the process dies): tells a later init this build is alive.
    using guard = await Deno.open(staging, { read: true });
    await guard.lock(true);
    try {
      step = `writing the genesis record to ${staging}/${LEDGER_JSONL}`;
      await writeFileDurable(`${staging}/${LEDGER_JSONL}`, genesis.line + "\n", {
        mode: 0o644,
        createNew: true,
      });
      step = `writing the first checkpoint in ${staging}/${CHECKPOINTS_DIR}`;
      const cp = await writeCheckpoint(staging, key);
      checkpoint = { ...cp, archivePath: checkpointArchivePath(dir, cp.size) };
      if (trustRel !== null) {
        step = `writing the trust file ${staging}/${trustRel}`;
        await Deno.mkdir(dirname(`${staging}/${trustRel}`), { recursive: true });
        await writeFileDurable(`${staging}/${trustRel}`, trustText, {
          mode: 0o644,
          createNew: true,
        });
        await syncDir(dirname(`${staging}/${trustRel}`));
      }
      step = `syncing ${staging}`;
      await syncDir(staging);
      if (trustPath !== undefined && trustRel === null) {
        step = `writing the trust file ${trustPath}`;
        await writeTrustFile(trustPath, trustText);
      }
      if (found.kind === "empty") {
        step = `giving ${staging} the mode and owner of ${dir}`;
        await Deno.chmod(staging, found.info.mode! & 0o7777);
        const mine = await Deno.stat(staging);
        if (mine.uid !== found.info.uid || mine.gid !== found.info.gid) {
          await Deno.chown(staging, found.info.uid, found.info.gid);
        }
      }
      step = `moving the new ledger from ${staging} into place at ${dir}`;
      await Deno.rename(staging, target);
    } finally {
      await guard.unlock().catch(() => {});
    }
  } catch (err) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    throw await buildFailure(err, step, hint, dir, target);
  }
  await syncDir(parent);
  return {
    origin,
    genesisLine: genesis.line,
    genesisLeaf: toHex(genesis.leaf),
    checkpoint,
    trust,
    trustText,
    resumed: false,
    removedLeftovers,
  };
}

/** The error a failed build reports (the staging copy is already removed). */
async function buildFailure(
  err: unknown,
  step: string,
  hint: string,
  dir: string,
  target: string,
): Promise<Error> {
  if (err instanceof LedgerError && err.code !== "WRITE_FAILED") return err;
  const cause = err instanceof LedgerError ? err.cause : err;
  if (step.startsWith("moving")) {
    const now = await listDir(target).catch(() => null);
    if (now !== null && now.length > 0) {
      return new LedgerError(
        "ALREADY_INITIALISED",
        `${dir} was filled while the ledger was built`,
        {
          hint: "another 'ledger init' or program wrote there; inspect it, nothing was changed",
          cause,
        },
      );
    }
    if ((cause as { code?: unknown }).code === "EBUSY") {
      return writeFailed(step, cause, `${dir} is a mount point; initialise a directory inside it`);
    }
  }
  return writeFailed(step, cause, hint);
}

type Found =
  | { kind: "absent" }
  | { kind: "empty"; info: Deno.FileInfo }
  | { kind: "genesis-only"; record: LedgerRecord; line: string };

const INIT_ARTEFACTS = new Set([LEDGER_JSONL, LEDGER_LOCK, CHECKPOINTS_DIR]);
const TEMP_FILE = /\.tmp-\d+-[0-9a-f]{8}$/;

/** What `target` holds; removes a leftover of an older version's init without a complete record. */
async function inspectTarget(target: string, dir: string): Promise<Found> {
  const info = await Deno.lstat(target).catch((err) => {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  });
  if (info === null) return { kind: "absent" };
  if (!info.isDirectory) {
    throw new LedgerError("ALREADY_INITIALISED", `${dir} exists and is not a directory`, {
      hint: "choose a new or empty directory",
    });
  }
  const names = await listDir(target);
  if (names.length === 0) return { kind: "empty", info };
  const path = `${dir}/${LEDGER_JSONL}`;
  if (!names.includes(LEDGER_JSONL)) {
    throw new LedgerError(
      "ALREADY_INITIALISED",
      `${dir} is not empty (it holds ${names.slice(0, 5).join(", ")}) and holds no ledger`,
      { hint: "'ledger init' needs a new or empty directory: choose another or move those away" },
    );
  }
  const already = new LedgerError("ALREADY_INITIALISED", `${path} already holds records`, {
    hint: "choose an empty directory",
  });
  const size = (await Deno.stat(`${target}/${LEDGER_JSONL}`)).size;
  if (size > 65536) throw already;
  const bytes = await Deno.readFile(`${target}/${LEDGER_JSONL}`);
  const firstNl = bytes.indexOf(0x0a);
  if (firstNl < 0) {
    // No complete record: an older version's init ran out of space or crashed while writing the
    // genesis. Nothing was acknowledged; remove its files (only those) and build afresh.
    const checkpoints = names.includes(CHECKPOINTS_DIR)
      ? await listDir(`${target}/${CHECKPOINTS_DIR}`)
      : [];
    if (
      !names.every((n) => INIT_ARTEFACTS.has(n)) || !checkpoints.every((n) => TEMP_FILE.test(n))
    ) {
      throw new LedgerError(
        "ALREADY_INITIALISED",
        `${path} holds no complete record, next to other files (${names.join(", ")})`,
        { hint: "inspect the directory; 'ledger init' needs a new or empty directory" },
      );
    }
    for (const name of names) await Deno.remove(`${target}/${name}`, { recursive: true });
    await syncDir(target);
    return { kind: "empty", info };
  }
  if (firstNl !== bytes.length - 1) throw already;
  try {
    const { record, text } = decodeRecordLine(bytes.subarray(0, firstNl));
    if (record.type !== "genesis") throw already;
    return { kind: "genesis-only", record, line: text };
  } catch (err) {
    if (err === already) throw err;
    throw new LedgerError("ALREADY_INITIALISED", `${path} holds a line that is not a record`, {
      hint: "run 'carbon-ops ledger verify'; 'ledger init' needs a new or empty directory",
      cause: err,
    });
  }
}

/** Finishes an init an older version left at the genesis record (no checkpoint or trust file). */
async function resume(
  dir: string,
  record: LedgerRecord,
  line: string,
  ctx: {
    origin: string;
    key: SigningKey;
    trust: TrustFile;
    trustText: string;
    trustPath: string | undefined;
    removedLeftovers: readonly string[];
  },
): Promise<InitResult> {
  const path = `${dir}/${LEDGER_JSONL}`;
  const trustExists = ctx.trustPath !== undefined &&
    await Deno.lstat(ctx.trustPath).then(() => true, () => false);
  if (ctx.trustPath === undefined || trustExists) {
    throw new LedgerError("ALREADY_INITIALISED", `${path} already holds records`, {
      hint: "choose an empty directory",
    });
  }
  const body = record.body as { origin?: unknown; key?: { kid?: unknown } };
  const theirs = { origin: String(body.origin), kid: String(body.key?.kid) };
  if (
    theirs.origin !== ctx.origin || theirs.kid !== ctx.key.kid || record.kid !== ctx.key.kid ||
    !verifyRecordSignature(line, record, ctx.key)
  ) {
    throw new LedgerError(
      "ALREADY_INITIALISED",
      `${dir} holds only the genesis record of an interrupted 'ledger init' (origin ${theirs.origin}, key kid ${theirs.kid}) and no trust file at ${ctx.trustPath}`,
      {
        hint:
          `finish it with: carbon-ops ledger init ${shellQuote(dir)} --origin ${
            shellQuote(theirs.origin)
          } --key KEYFILE-OF-THAT-KID --trust-out ${shellQuote(ctx.trustPath)}; ` +
          `or, if no 'ledger init' of it ever succeeded, start over with: rm -r -- ${
            shellQuote(dir)
          }`,
      },
    );
  }
  const hint = `free space, then run the same 'carbon-ops ledger init ${
    shellQuote(dir)
  }' command again: it finishes the init`;
  let cp: WrittenCheckpoint;
  try {
    cp = await writeCheckpoint(dir, ctx.key);
  } catch (err) {
    if (err instanceof LedgerError && err.code !== "WRITE_FAILED") throw err;
    throw writeFailed(
      `writing the first checkpoint of ${dir}`,
      err instanceof LedgerError ? err.cause : err,
      hint,
    );
  }
  try {
    await writeTrustFile(ctx.trustPath, ctx.trustText);
  } catch (err) {
    throw err instanceof LedgerError ? err : writeFailed(`writing ${ctx.trustPath}`, err, hint);
  }
  return {
    origin: ctx.origin,
    genesisLine: line,
    genesisLeaf: toHex(leafHash(new TextEncoder().encode(line))),
    checkpoint: cp,
    trust: ctx.trust,
    trustText: ctx.trustText,
    resumed: true,
    removedLeftovers: ctx.removedLeftovers,
  };
}

/**
 * Removes `.<base>.init-<pid>-<random>` siblings whose builder died (their flock is free); a
 * build still running keeps its lock and is left alone.
 */
async function removeStaleBuilds(parent: string, base: string): Promise<string[]> {
  const pattern = new RegExp(`^\\.${escapeRegExp(base)}\\.init-\\d+-[0-9a-f]{8}$`);
  const removed: string[] = [];
  for await (const entry of Deno.readDir(parent)) {
    if (!entry.isDirectory || !pattern.test(entry.name)) continue;
    const path = `${parent}/${entry.name}`;
    try {
      using held = await Deno.open(path, { read: true });
      if (!await held.tryLock(true)) continue;
      await Deno.remove(path, { recursive: true });
      removed.push(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw writeFailed(
        `removing ${path}, the half-built copy of an interrupted 'ledger init'`,
        err,
        `remove it with: rm -r -- ${shellQuote(path)}; then run 'carbon-ops ledger init' again`,
      );
    }
  }
  if (removed.length > 0) await syncDir(parent);
  return removed;
}

/** Refuses a trust file path that holds something other than (a prefix of) `text`. */
async function checkTrustTarget(path: string, text: string): Promise<void> {
  const info = await Deno.lstat(path).catch(() => null);
  if (info === null) return;
  const existing = info.isFile ? await Deno.readTextFile(path).catch(() => null) : null;
  if (existing === null || !text.startsWith(existing)) {
    throw new LedgerError("ALREADY_INITIALISED", `${path} already exists`, {
      hint: "choose another --trust-out (a trust file is never overwritten)",
    });
  }
}

/**
 * Writes the trust file atomically unless it already holds `text`; an empty or partial leftover
 * (a prefix of `text`, from an older version's interrupted write) is replaced.
 */
async function writeTrustFile(path: string, text: string): Promise<void> {
  await checkTrustTarget(path, text);
  const existing = await Deno.readTextFile(path).catch(() => null);
  if (existing === text) return;
  await replaceFileAtomic(path, text, { mode: 0o644 });
}

/** `child` relative to `dir` when it lies inside it, else null. */
function insideRelative(dir: string, child: string): string | null {
  const rel = relative(dir, child);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? null : rel;
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
