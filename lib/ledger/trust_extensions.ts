/**
 * Optional trust file fields read by the proof, witness and key-compromise checks (issue 7),
 * next to the core fields that `trust.ts` parses (`v`, `origin`, `keys`):
 *
 * ```json
 * {
 *   "witnesses": [{ "vkey": "<name>+<8 hex>+<base64(0x04 || key)>", "comment": "..." }],
 *   "witness_quorum": 2,
 *   "compromised": [{ "kid": "<64 hex>", "after_seq": 41, "reason": "laptop stolen" }]
 * }
 * ```
 *
 * `witness_quorum` defaults to the number of witnesses listed (all must cosign). A key listed
 * in `compromised` may sign records up to and including `after_seq`; its later records are
 * rejected.
 *
 * @module
 */

import { parseJsonStrict } from "./canonical_json.ts";
import { parseTrustFile, type TrustFile, TrustFileError } from "./trust.ts";
import { parseWitnessPolicy, type WitnessKey } from "./witness.ts";
import { type CompromisedKey, parseCompromisedKeys } from "./compromised_keys.ts";

export type { CompromisedKey } from "./compromised_keys.ts";

/** The optional fields of a trust file. */
export interface TrustExtensions {
  /** Trusted witnesses (empty when none are configured). */
  readonly witnesses: readonly WitnessKey[];
  /** How many distinct witnesses must cosign a checkpoint (0 when none are configured). */
  readonly witnessQuorum: number;
  /** Keys marked compromised. */
  readonly compromised: readonly CompromisedKey[];
}

/**
 * Parses the optional fields from trust file text. Throws `TrustFileError` on malformed ones.
 *
 * @example
 * ```ts
 * import { parseTrustExtensions } from "./trust_extensions.ts";
 * const ext = parseTrustExtensions('{"v":1,"compromised":[{"kid":"' + "a".repeat(64) + '","after_seq":3}]}');
 * console.log(ext.compromised[0].afterSeq, ext.witnessQuorum); // 3 0
 * ```
 */
export function parseTrustExtensions(text: string): TrustExtensions {
  let raw: Record<string, unknown>;
  try {
    raw = parseJsonStrict(text) as Record<string, unknown>;
  } catch (err) {
    throw new TrustFileError(`trust file is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new TrustFileError("trust file must be a JSON object");
  }
  const policy = parseWitnessPolicy(raw.witnesses, raw.witness_quorum);
  if ("problem" in policy) throw new TrustFileError(policy.problem);
  const compromised = parseCompromisedKeys(raw.compromised);
  if ("problem" in compromised) throw new TrustFileError(compromised.problem);
  return {
    witnesses: policy.witnesses,
    witnessQuorum: policy.quorum,
    compromised: compromised.keys,
  };
}

/**
 * Reads a trust file once and parses both its core fields and the optional ones.
 *
 * @example
 * ```ts ignore
 * import { loadTrust } from "./trust_extensions.ts";
 * const { trust, extensions } = await loadTrust("trust.json");
 * console.log(trust.origin, extensions.witnessQuorum);
 * ```
 */
export async function loadTrust(
  path: string,
): Promise<{ trust: TrustFile; extensions: TrustExtensions }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new TrustFileError(`cannot read trust file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { trust: parseTrustFile(text), extensions: parseTrustExtensions(text) };
}
