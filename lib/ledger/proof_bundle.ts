/**
 * Offline inclusion proofs in the `c2sp.org/tlog-proof@v1` format: a header line, optional
 * `extra`, `index N`, one base64 hash per line (leaf's sibling first), a blank line, then the
 * checkpoint note verbatim. Also the strict checkpoint body parser (origin, size, root) that
 * proof verification needs. Signature checks on the checkpoint note are the caller's: open the
 * note with the trusted keys first, then pass its text here.
 *
 * @module
 */

import { fromBase64, toBase64 } from "./encoding.ts";
import { HASH_BYTES, leafHash } from "./merkle.ts";
import { type ProofVerdict, verifyInclusion } from "./merkle_verify.ts";

/**
 * First line of every bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProofBundle, PROOF_BUNDLE_HEADER } from "./proof_bundle.ts";
 * const text = formatProofBundle({ index: 0, proof: [], checkpoint: "log\n1\n" + "A".repeat(43) + "=\n" });
 * assert.equal(text.split("\n")[0], PROOF_BUNDLE_HEADER);
 * ```
 */
export const PROOF_BUNDLE_HEADER = "c2sp.org/tlog-proof@v1";
/**
 * Most proof lines a bundle may carry (tree sizes below 2^63).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProofBundle, MAX_PROOF_HASHES } from "./proof_bundle.ts";
 * const checkpoint = "log\n1\n" + "A".repeat(43) + "=\n";
 * const proof = Array.from({ length: MAX_PROOF_HASHES + 1 }, () => new Uint8Array(32));
 * assert.throws(() => formatProofBundle({ index: 0, proof, checkpoint }), RangeError);
 * ```
 */
export const MAX_PROOF_HASHES = 63;

/**
 * A parsed proof bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProofBundle, type ProofBundle } from "./proof_bundle.ts";
 * const bundle: ProofBundle = { index: 7, proof: [], checkpoint: "log\n8\n" + "A".repeat(43) + "=\n" };
 * assert.equal(formatProofBundle(bundle).split("\n")[1], "index 7");
 * ```
 */
export interface ProofBundle {
  /** 0-based index of the entry (the record's `seq`). */
  readonly index: number;
  /** Inclusion proof hashes, leaf's sibling first. */
  readonly proof: readonly Uint8Array[];
  /** The checkpoint note, verbatim (text, blank line, signature lines). */
  readonly checkpoint: string;
  /** Opaque, unauthenticated extra data (the `extra` line), when present. */
  readonly extra?: Uint8Array;
}

/**
 * A bundle or checkpoint body could not be parsed. `line` is 1-based within the parsed text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BundleSyntaxError, parseProofBundle } from "./proof_bundle.ts";
 * assert.equal(new BundleSyntaxError("bad index", 2).line, 2);
 * assert.throws(() => parseProofBundle("not a bundle\n"), BundleSyntaxError);
 * ```
 */
export class BundleSyntaxError extends SyntaxError {
  /** 1-based line number of the problem. */
  readonly line: number;
  /**
   * Builds the error.
   *
   * @param message What is wrong.
   * @param line 1-based line number.
   */
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = "BundleSyntaxError";
    this.line = line;
  }
}

/**
 * Strict standard base64 (RFC 4648 section 4, padded, canonical): throws `SyntaxError` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBase64Strict } from "./proof_bundle.ts";
 * assert.deepEqual(decodeBase64Strict("AAE="), new Uint8Array([0, 1]));
 * assert.throws(() => decodeBase64Strict("AAE"));
 * ```
 */
export function decodeBase64Strict(text: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch (err) {
    throw new SyntaxError(`not canonical padded standard base64: ${text.slice(0, 60)}`, {
      cause: err,
    });
  }
}

function parseDecimal(text: string, what: string, line: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) {
    throw new BundleSyntaxError(
      `${what} '${text.slice(0, 30)}' is not a decimal without leading zeros`,
      line,
    );
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new BundleSyntaxError(`${what} ${text} is beyond 2^53`, line);
  return n;
}

/**
 * Writes a bundle. The checkpoint must be a complete signed note (ending in `\n`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProofBundle } from "./proof_bundle.ts";
 * const note = "log\n1\n" + "A".repeat(43) + "=\n\n— log AAAA\n";
 * assert.equal(formatProofBundle({ index: 0, proof: [], checkpoint: note }).split("\n")[1], "index 0");
 * ```
 */
export function formatProofBundle(bundle: ProofBundle): string {
  if (!Number.isSafeInteger(bundle.index) || bundle.index < 0) {
    throw new RangeError(`bundle index ${bundle.index} is not a non-negative safe integer`);
  }
  if (bundle.proof.length > MAX_PROOF_HASHES || bundle.proof.some((h) => h.length !== HASH_BYTES)) {
    throw new RangeError(
      `bundle proof must be at most ${MAX_PROOF_HASHES} hashes of ${HASH_BYTES} bytes`,
    );
  }
  if (!bundle.checkpoint.endsWith("\n")) {
    throw new RangeError("checkpoint note must end in a newline");
  }
  const lines = [PROOF_BUNDLE_HEADER];
  if (bundle.extra !== undefined) lines.push(`extra ${toBase64(bundle.extra)}`);
  lines.push(`index ${bundle.index}`, ...bundle.proof.map(toBase64), "");
  return lines.join("\n") + "\n" + bundle.checkpoint;
}

/**
 * Parses a bundle strictly: exact header, canonical decimal index, canonical base64 32-byte
 * hashes, at most 63 of them, a blank line, then a non-empty checkpoint note.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatProofBundle, parseProofBundle } from "./proof_bundle.ts";
 * const note = "log\n1\n" + "A".repeat(43) + "=\n\n— log AAAA\n";
 * const text = formatProofBundle({ index: 0, proof: [new Uint8Array(32)], checkpoint: note });
 * const bundle = parseProofBundle(text);
 * assert.equal(bundle.checkpoint, note);
 * assert.deepEqual(bundle.proof, [new Uint8Array(32)]);
 * ```
 */
export function parseProofBundle(text: string): ProofBundle {
  const lines = text.split("\n");
  if (lines[0] !== PROOF_BUNDLE_HEADER) {
    throw new BundleSyntaxError(`first line must be '${PROOF_BUNDLE_HEADER}'`, 1);
  }
  let i = 1;
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith("extra ")) {
    try {
      extra = decodeBase64Strict(lines[i].slice(6));
    } catch (err) {
      throw new BundleSyntaxError(`extra data: ${(err as Error).message}`, i + 1);
    }
    i++;
  }
  const indexLine = lines[i] ?? "";
  if (!indexLine.startsWith("index ")) throw new BundleSyntaxError("expected 'index N'", i + 1);
  const index = parseDecimal(indexLine.slice(6), "index", i + 1);
  i++;
  const proof: Uint8Array[] = [];
  for (; i < lines.length && lines[i] !== ""; i++) {
    if (proof.length === MAX_PROOF_HASHES) {
      throw new BundleSyntaxError(`more than ${MAX_PROOF_HASHES} proof hashes`, i + 1);
    }
    let h: Uint8Array;
    try {
      h = decodeBase64Strict(lines[i]);
    } catch (err) {
      throw new BundleSyntaxError(`proof hash: ${(err as Error).message}`, i + 1);
    }
    if (h.length !== HASH_BYTES) {
      throw new BundleSyntaxError(`proof hash is ${h.length} bytes, not ${HASH_BYTES}`, i + 1);
    }
    proof.push(h);
  }
  if (i >= lines.length) throw new BundleSyntaxError("missing blank line before the checkpoint", i);
  const checkpoint = lines.slice(i + 1).join("\n");
  if (checkpoint === "" || !checkpoint.endsWith("\n")) {
    throw new BundleSyntaxError("missing checkpoint note (it must end in a newline)", i + 2);
  }
  return extra === undefined ? { index, proof, checkpoint } : { index, proof, checkpoint, extra };
}

/**
 * The first three lines of a checkpoint note's text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CheckpointBody, parseCheckpointBody } from "./proof_bundle.ts";
 * const body: CheckpointBody = parseCheckpointBody("log\n1\n" + "A".repeat(43) + "=\next\n");
 * assert.deepEqual(body.extensions, ["ext"]);
 * ```
 */
export interface CheckpointBody {
  /** Log origin (line 1). */
  readonly origin: string;
  /** Tree size (line 2). */
  readonly size: number;
  /** RFC 6962 root hash (line 3). */
  readonly root: Uint8Array;
  /** Extension lines after the root, if any (without newlines). */
  readonly extensions: readonly string[];
}

/**
 * Parses checkpoint note text (`origin\nsize\nbase64 root\n[extensions]`), strictly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCheckpointBody } from "./proof_bundle.ts";
 * const body = parseCheckpointBody("example.org/log\n5\n" + "A".repeat(43) + "=\n");
 * assert.equal(body.origin, "example.org/log");
 * assert.equal(body.size, 5);
 * assert.deepEqual(body.root, new Uint8Array(32));
 * ```
 */
export function parseCheckpointBody(text: string): CheckpointBody {
  if (!text.endsWith("\n")) throw new BundleSyntaxError("checkpoint text must end in a newline", 1);
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) {
    throw new BundleSyntaxError("checkpoint needs origin, size and root lines", lines.length);
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  // deno-lint-ignore no-control-regex
  if (origin === "" || /[\u0000-\u001f\u007f]/.test(origin)) {
    throw new BundleSyntaxError("checkpoint origin is empty or has control characters", 1);
  }
  const size = parseDecimal(sizeText, "tree size", 2);
  let root: Uint8Array;
  try {
    root = decodeBase64Strict(rootText);
  } catch (err) {
    throw new BundleSyntaxError(`root hash: ${(err as Error).message}`, 3);
  }
  if (root.length !== HASH_BYTES) {
    throw new BundleSyntaxError(`root hash is ${root.length} bytes`, 3);
  }
  if (extensions.some((l) => l === "")) throw new BundleSyntaxError("empty extension line", 4);
  return { origin, size, root, extensions };
}

/**
 * Checks that `entry` (the record line without its newline) is at `bundle.index` in the tree
 * described by `checkpoint` (the already signature-verified checkpoint body), per RFC 9162.
 *
 * @param entry The exact record bytes that were logged.
 * @param input The parsed `bundle` and the trusted `checkpoint` body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf } from "./merkle.ts";
 * import { inclusionProof } from "./merkle_proofs.ts";
 * import { verifyBundleInclusion } from "./proof_bundle.ts";
 * const lines = ["a", "b", "c"].map((s) => new TextEncoder().encode(s));
 * const leaves = lines.map(leafHash);
 * const bundle = { index: 2, proof: inclusionProof(leaves, { index: 2 }), checkpoint: "" };
 * const checkpoint = { origin: "log", size: 3, root: rootOf(leaves), extensions: [] };
 * assert.equal(verifyBundleInclusion(lines[2], { bundle, checkpoint }).ok, true);
 * assert.equal(verifyBundleInclusion(lines[1], { bundle, checkpoint }).ok, false);
 * ```
 */
export function verifyBundleInclusion(
  entry: Uint8Array,
  input: { bundle: ProofBundle; checkpoint: CheckpointBody },
): ProofVerdict {
  const { bundle, checkpoint } = input;
  return verifyInclusion(leafHash(entry), {
    index: bundle.index,
    size: checkpoint.size,
    proof: bundle.proof,
    root: checkpoint.root,
  });
}
