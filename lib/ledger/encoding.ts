/**
 * Byte encodings used by the ledger formats: UTF-8, hex, base64, base64url, on the built-in
 * `Uint8Array` base64/hex methods, with strict rejection of anything non-canonical. SHA-256 is
 * `sha256` in `sha256.ts`.
 *
 * @module
 */

const utf8 = new TextEncoder();

/**
 * UTF-8 bytes of a string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Bytes } from "./encoding.ts";
 * assert.deepEqual(utf8Bytes("€"), new Uint8Array([0xe2, 0x82, 0xac]));
 * ```
 */
export function utf8Bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

/**
 * Lowercase hex of bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toHex } from "./encoding.ts";
 * assert.equal(toHex(new Uint8Array([0, 255])), "00ff");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return bytes.toHex();
}

/**
 * Bytes of a hex string (even length, 0-9a-f, either case); throws `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromHex } from "./encoding.ts";
 * assert.deepEqual(fromHex("00ff"), new Uint8Array([0, 255]));
 * ```
 */
export function fromHex(text: string): Uint8Array {
  try {
    return Uint8Array.fromHex(text);
  } catch (err) {
    throw new RangeError(`not a hex string: '${text.slice(0, 20)}'`, { cause: err });
  }
}

/**
 * Standard base64 with padding (RFC 4648 section 4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toBase64 } from "./encoding.ts";
 * assert.equal(toBase64(new Uint8Array([1, 2, 3, 4])), "AQIDBA==");
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/**
 * Decodes strict standard base64 (padding required, no whitespace); throws `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromBase64 } from "./encoding.ts";
 * assert.deepEqual(fromBase64("AQIDBA=="), new Uint8Array([1, 2, 3, 4]));
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new RangeError("not canonical padded base64");
  }
  // The pattern has refused whitespace (which the built-in skips); "strict" refuses the rest.
  try {
    return Uint8Array.fromBase64(text, { lastChunkHandling: "strict" });
  } catch (err) {
    throw new RangeError("not canonical padded base64 (non-zero padding bits)", { cause: err });
  }
}

/**
 * base64url without padding (RFC 4648 section 5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toBase64Url } from "./encoding.ts";
 * assert.equal(toBase64Url(new Uint8Array([251, 255])), "-_8");
 * ```
 */
export function toBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Decodes strict unpadded base64url; throws `RangeError` on padding, other alphabets or
 * non-canonical trailing bits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromBase64Url } from "./encoding.ts";
 * assert.deepEqual(fromBase64Url("-_8"), new Uint8Array([251, 255]));
 * ```
 */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new RangeError("not unpadded base64url");
  }
  // "strict" needs the padding the text omits; with it, it refuses non-zero trailing bits.
  const padded = text + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    return Uint8Array.fromBase64(padded, { alphabet: "base64url", lastChunkHandling: "strict" });
  } catch (err) {
    throw new RangeError("not canonical base64url (non-zero trailing bits)", { cause: err });
  }
}

/**
 * True when two byte arrays are equal (not constant-time; for public data only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytesEqual } from "./encoding.ts";
 * assert.equal(bytesEqual(new Uint8Array([1]), new Uint8Array([1])), true);
 * assert.equal(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 2])), false);
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
