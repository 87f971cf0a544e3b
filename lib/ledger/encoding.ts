/**
 * Byte encodings and hashing used by the ledger formats: hex, base64, base64url, SHA-256.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

const utf8 = new TextEncoder();

/**
 * UTF-8 bytes of a string.
 *
 * @example
 * ```ts
 * import { utf8Bytes } from "./encoding.ts";
 * console.log(utf8Bytes("€").length); // 3
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
 * import { toHex } from "./encoding.ts";
 * console.log(toHex(new Uint8Array([0, 255]))); // "00ff"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Bytes of a hex string (even length, 0-9a-f, either case); throws `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import { fromHex } from "./encoding.ts";
 * console.log(fromHex("00ff")); // Uint8Array [0, 255]
 * ```
 */
export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw new RangeError(`not a hex string: '${text.slice(0, 20)}'`);
  }
  return new Uint8Array(Buffer.from(text, "hex"));
}

/**
 * Standard base64 with padding (RFC 4648 section 4).
 *
 * @example
 * ```ts
 * import { toBase64 } from "./encoding.ts";
 * console.log(toBase64(new Uint8Array([1, 2, 3, 4]))); // "AQIDBA=="
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes strict standard base64 (padding required, no whitespace); throws `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import { fromBase64 } from "./encoding.ts";
 * console.log(fromBase64("AQIDBA==").length); // 4
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new RangeError("not canonical padded base64");
  }
  const bytes = new Uint8Array(Buffer.from(text, "base64"));
  if (toBase64(bytes) !== text) {
    throw new RangeError("not canonical padded base64 (non-zero padding bits)");
  }
  return bytes;
}

/**
 * base64url without padding (RFC 4648 section 5).
 *
 * @example
 * ```ts
 * import { toBase64Url } from "./encoding.ts";
 * console.log(toBase64Url(new Uint8Array([251, 255]))); // "-_8"
 * ```
 */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/**
 * Decodes strict unpadded base64url; throws `RangeError` on padding, other alphabets or
 * non-canonical trailing bits.
 *
 * @example
 * ```ts
 * import { fromBase64Url } from "./encoding.ts";
 * console.log(fromBase64Url("-_8")); // Uint8Array [251, 255]
 * ```
 */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new RangeError("not unpadded base64url");
  }
  const bytes = new Uint8Array(Buffer.from(text, "base64url"));
  if (toBase64Url(bytes) !== text) {
    throw new RangeError("not canonical base64url (non-zero trailing bits)");
  }
  return bytes;
}

/**
 * SHA-256 of the concatenation of `parts`.
 *
 * @example
 * ```ts
 * import { sha256, toHex } from "./encoding.ts";
 * console.log(toHex(sha256(new Uint8Array()))); // e3b0c442...
 * ```
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * True when two byte arrays are equal (not constant-time; for public data only).
 *
 * @example
 * ```ts
 * import { bytesEqual } from "./encoding.ts";
 * console.log(bytesEqual(new Uint8Array([1]), new Uint8Array([1]))); // true
 * ```
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
