/**
 * Trust-file side of key rotation and compromise: the updated trust file after a rotation, and
 * which trusted checkpoints still anchor the records signed before a key was compromised.
 *
 * @module
 */

import { parseJsonStrict } from "./strict_json.ts";
import { parseTrustFile, TrustFileError } from "./trust.ts";
import type { CompromisedKey } from "./compromised_keys.ts";

/**
 * Trust file text after a rotation at `seq`: every entry of the old key ends at `seq`, and the
 * new key is added with the old key's role from `seq + 1`. Other fields (witnesses,
 * compromised keys, comments) are kept. Throws `TrustFileError` when the old key is not in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, publicKeyPem } from "./keys.ts";
 * import { rotatedTrustText } from "./rotation_trust.ts";
 * import { parseTrustFile, trustFileText } from "./trust.ts";
 * const oldKey = generateSigningKey();
 * const newKey = generateSigningKey();
 * const before = trustFileText({ origin: "o", keys: [{ key: oldKey, role: "both", seqFrom: 0, seqTo: null }] });
 * const text = rotatedTrustText(before, {
 *   oldKid: oldKey.kid,
 *   newKid: newKey.kid,
 *   newPublicKeyPem: publicKeyPem(newKey),
 *   seq: 41,
 * });
 * const keys = parseTrustFile(text).keys;
 * assert.deepEqual(keys.map((k) => [k.seqFrom, k.seqTo]), [[0, 41], [42, null]]);
 * ```
 */
export function rotatedTrustText(
  trustText: string,
  rotation: { oldKid: string; newKid: string; newPublicKeyPem: string; seq: number },
): string {
  parseTrustFile(trustText);
  const raw = parseJsonStrict(trustText) as
    & { keys: Record<string, unknown>[] }
    & Record<string, unknown>;
  const olds = raw.keys.filter((k) => k.kid === rotation.oldKid);
  if (olds.length === 0) {
    throw new TrustFileError(`the trust file does not list the old key ${rotation.oldKid}`);
  }
  for (const k of olds) {
    const to = k.seq_to as number | null | undefined;
    k.seq_to = to === null || to === undefined ? rotation.seq : Math.min(to, rotation.seq);
  }
  if (!raw.keys.some((k) => k.kid === rotation.newKid)) {
    raw.keys.push({
      kid: rotation.newKid,
      public_key: rotation.newPublicKeyPem,
      role: olds[0].role,
      seq_from: rotation.seq + 1,
      seq_to: null,
      comment: `rotated in by the key_rotation record at seq ${rotation.seq}`,
    });
  }
  const text = JSON.stringify(raw, null, 2) + "\n";
  parseTrustFile(text);
  return text;
}

/**
 * For each compromised key, which trusted checkpoint still anchors the records before the
 * compromise: a checkpoint of size N consistent with the ledger pins records 0..N-1 against a
 * rewrite with the stolen key (if it was obtained before the compromise, which only its holder
 * knows); records between the largest anchor and `afterSeq` rest on that key's signatures
 * alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compromiseAnchors } from "./rotation_trust.ts";
 * const c = [{ kid: "a".repeat(64), afterSeq: 9, reason: "" }];
 * const [anchor] = compromiseAnchors(c, [{ source: "cp", size: 5, status: "consistent" }]);
 * assert.equal(anchor.anchoredUpTo, 4);
 * assert.match(anchor.message, /records 5\.\.9 rest on signatures alone$/);
 * ```
 */
export function compromiseAnchors(
  compromised: readonly CompromisedKey[],
  checkpoints: readonly { source: string; size: number | null; status: string }[],
): { kid: string; anchoredUpTo: number; message: string }[] {
  const good = checkpoints.filter((c) => c.status === "consistent" && c.size !== null) as {
    source: string;
    size: number;
  }[];
  return compromised.map((c) => {
    const best = [...good].sort((a, b) => b.size - a.size)[0];
    const short = `${c.kid.slice(0, 16)}…`;
    const head = `key ${short} compromised after seq ${c.afterSeq}`;
    if (c.afterSeq < 0) {
      return { kid: c.kid, anchoredUpTo: -1, message: `${head}: none of its records is trusted` };
    }
    if (!best) {
      return {
        kid: c.kid,
        anchoredUpTo: -1,
        message:
          `${head}: no trusted checkpoint anchors the records before it; records 0..${c.afterSeq} rest on signatures alone`,
      };
    }
    const upTo = Math.min(best.size - 1, c.afterSeq);
    const rest = upTo < c.afterSeq
      ? `; records ${upTo + 1}..${c.afterSeq} rest on signatures alone`
      : "";
    return {
      kid: c.kid,
      anchoredUpTo: upTo,
      message:
        `${head}: records 0..${upTo} are anchored by checkpoint ${best.source} (size ${best.size}), ` +
        `provided you obtained it before the compromise${rest}`,
    };
  });
}
