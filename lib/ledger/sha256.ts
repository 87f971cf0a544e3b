/**
 * THE SHA-256 entry point of the codebase: `sha256(...parts)`. Every caller imports it from here.
 *
 * Inputs up to 64 KiB (all the ledger's hot paths: record lines as Merkle leaves, Merkle nodes,
 * key ids) are hashed by a plain TypeScript SHA-256 (FIPS 180-4) written from the standard, which
 * allocates nothing per call but the 32-byte digest: `node:crypto` hash objects hold native
 * memory that is released only at major garbage collections, so hashing millions of ledger lines
 * through them made a streaming verifier's RSS grow with the ledger. On the ledger's inputs it is
 * also about as fast, as a node:crypto call pays for a hash object and a Buffer (measured side
 * by side, bench/sha256_bench.ts: about 0.5x node:crypto's time for a 65-byte Merkle node,
 * 0.8-1.0x for a 770-byte leaf, 1.2x for 1,200 bytes). Larger inputs, which are rare (quarantined
 * torn bytes), go to `node:crypto`, 5-7 times faster per byte at 64 KiB (same run); it is loaded
 * on the first such input, not at start-up. Tests check both paths against the FIPS examples and
 * each other.
 *
 * @module
 */

/** Inputs longer than this (bytes, all parts together) are hashed by `node:crypto`. */
const NATIVE_FROM_BYTES = 65_536;

/**
 * The first 32 bits of the fractional parts of `f(p)` for the first `n` primes, as signed 32-bit
 * integers (the bit patterns of FIPS 180-4's words; all arithmetic below is modulo 2^32 via `| 0`).
 */
function fractionBits(n: number, f: (p: number) => number): Int32Array {
  const out = new Int32Array(n);
  let found = 0;
  for (let p = 2; found < n; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (!prime) continue;
    const x = f(p);
    out[found++] = Math.floor((x - Math.floor(x)) * 2 ** 32) | 0;
  }
  return out;
}

/** Round constants K_0..K_63: cube roots of the first 64 primes (FIPS 180-4 section 4.2.2). */
const K = fractionBits(64, Math.cbrt);
/** Initial hash value H(0): square roots of the first 8 primes (section 5.3.3). */
const H0 = fractionBits(8, Math.sqrt);

/** The intermediate hash value H(i) (section 6.2.2). */
const H = new Int32Array(8);
/** The current message block M(i) as 16 big-endian words (section 5.2.1). */
const M = new Int32Array(16);
/** The last one or two blocks: the message's final bytes, then the padding (section 5.1.1). */
const TAIL = new Uint8Array(128);
const EMPTY = new Uint8Array(0);

/**
 * SHA-256 of the concatenation of `parts`, without copying them into one buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256 } from "./sha256.ts";
 * const hex = sha256(new TextEncoder().encode("abc")).toHex();
 * assert.equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
 * assert.equal(sha256(new Uint8Array([0x61]), new Uint8Array([0x62, 0x63])).toHex(), hex);
 * ```
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  if (total <= NATIVE_FROM_BYTES) return sha256Fips(parts, total);
  const stream = sha256Stream();
  for (const part of parts) stream.update(part);
  return stream.digest();
}

/**
 * An incremental SHA-256 for input that arrives in pieces and may be large (a torn or oversize
 * line hashed while it is skipped): `update` as often as needed, then `digest` once. It is
 * `node:crypto`'s, loaded on first use like `sha256`'s path for large inputs.
 */
export interface Sha256Stream {
  /** Adds bytes; returns the stream. */
  update(bytes: Uint8Array): Sha256Stream;
  /** The digest of everything added (call once). */
  digest(): Uint8Array;
}

/**
 * Starts an incremental SHA-256 (see `Sha256Stream`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256, sha256Stream } from "./sha256.ts";
 * const abc = new TextEncoder().encode("abc");
 * const digest = sha256Stream().update(abc.subarray(0, 1)).update(abc.subarray(1)).digest();
 * assert.deepEqual(digest, sha256(abc));
 * ```
 */
export function sha256Stream(): Sha256Stream {
  // Loaded here, on first use, not by a static import: importing node:crypto costs every command
  // that hashes anything about 40 ms of its cold start.
  const hash = process.getBuiltinModule("node:crypto").createHash("sha256");
  const stream: Sha256Stream = {
    update(bytes) {
      hash.update(bytes);
      return stream;
    },
    digest: () => new Uint8Array(hash.digest()),
  };
  return stream;
}

/**
 * The allocation-free FIPS 180-4 implementation (exported only through `sha256`): `total` is the
 * length of the message, the concatenation of `parts`.
 *
 * The message is read as a stream of big-endian words straight from the parts (no copy), a word
 * that straddles two parts byte by byte; only the final partial block is copied, into `TAIL`,
 * where the padding is appended.
 */
function sha256Fips(parts: readonly Uint8Array[], total: number): Uint8Array {
  H.set(H0);
  let p = 0; // index of the current part
  let part = parts.length > 0 ? parts[0] : EMPTY;
  let at = 0; // offset of the next unread byte in `part`
  const blocks = Math.floor(total / 64); // the complete 64-byte blocks of the message
  for (let n = 0; n < blocks; n++) {
    for (let j = 0; j < 16; j++) {
      if (at + 4 <= part.length) {
        M[j] = (part[at] << 24) | (part[at + 1] << 16) | (part[at + 2] << 8) | part[at + 3];
        at += 4;
        continue;
      }
      let word = 0;
      for (let k = 0; k < 4; k++) {
        while (at === part.length) { // skip to the next part (empty parts included)
          part = parts[++p];
          at = 0;
        }
        word = (word << 8) | part[at++];
      }
      M[j] = word;
    }
    compress();
  }
  // Padding (section 5.1.1): the remaining bytes, 0x80, zeros, then the message length in bits
  // as a 64-bit big-endian integer, filling one block, or two when fewer than 9 bytes are left.
  const rest = total - blocks * 64;
  for (let k = 0; k < rest; k++) {
    while (at === part.length) {
      part = parts[++p];
      at = 0;
    }
    TAIL[k] = part[at++];
  }
  const end = rest < 56 ? 64 : 128;
  TAIL[rest] = 0x80;
  TAIL.fill(0, rest + 1, end - 8);
  const bits = total * 8;
  const high = Math.floor(bits / 2 ** 32);
  const low = bits >>> 0;
  TAIL[end - 8] = high >>> 24;
  TAIL[end - 7] = high >>> 16;
  TAIL[end - 6] = high >>> 8;
  TAIL[end - 5] = high;
  TAIL[end - 4] = low >>> 24;
  TAIL[end - 3] = low >>> 16;
  TAIL[end - 2] = low >>> 8;
  TAIL[end - 1] = low;
  for (let i = 0; i < end; i += 64) {
    for (let j = 0; j < 16; j++) {
      const b = i + j * 4;
      M[j] = (TAIL[b] << 24) | (TAIL[b + 1] << 16) | (TAIL[b + 2] << 8) | TAIL[b + 3];
    }
    compress();
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const x = H[i];
    out[i * 4] = x >>> 24;
    out[i * 4 + 1] = x >>> 16;
    out[i * 4 + 2] = x >>> 8;
    out[i * 4 + 3] = x;
  }
  return out;
}

/**
 * One step of the hash computation (FIPS 180-4 section 6.2.2, steps 1-4): compresses the block in
 * `M` into `H`. Every value lives in a local variable (V8 keeps them in registers or on the stack):
 *
 * - The message schedule W_0..W_63 is kept as a rolling window of 16 words `w0`..`w15`: during
 *   rounds t..t+15 (t = 0, 16, 32, 48) slot `w{j}` holds W_(t+j). Before rounds 16..63 the slots
 *   are advanced in order j = 0..15 by W_t = σ1(W_t-2) + W_t-7 + σ0(W_t-15) + W_t-16 (section
 *   6.2.2 step 1). While slot j is advanced, a slot i < j already holds W_(t+i) and a slot i >= j
 *   still holds W_(t+i-16), so W_(t+j-16) is slot j, W_(t+j-15) slot j+1, W_(t+j-7) slot j+9 and
 *   W_(t+j-2) slot j+14, all mod 16. The comment above each update names the words.
 * - The 16 rounds are unrolled. Instead of moving h = g, g = f, ..., a = T1 + T2 every round, the
 *   variable names rotate: each round computes T1 into the variable playing h, adds it to the
 *   variable playing d (the new e), and adds T2 to it (the new a), so the variable playing h in
 *   one round plays a in the next. The roles are listed before each round; after 8 rounds they are
 *   back in place.
 * - Σ0, Σ1, σ0, σ1 (section 4.1.2) are written out with ROTR^n(x) = (x >>> n | x << 32 - n);
 *   Ch(e, f, g) = (e & f) ^ (~e & g) is computed as g ^ (e & (f ^ g)) and
 *   Maj(a, b, c) = (a & b) ^ (a & c) ^ (b & c) as (a & b) | (c & (a | b)), equal bit by bit.
 *   Helper functions for them were measured slower: V8 does not inline that many calls.
 */
function compress(): void {
  let w0 = M[0], w1 = M[1], w2 = M[2], w3 = M[3], w4 = M[4], w5 = M[5], w6 = M[6], w7 = M[7];
  let w8 = M[8], w9 = M[9], w10 = M[10], w11 = M[11], w12 = M[12], w13 = M[13], w14 = M[14];
  let w15 = M[15];
  let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  let x = 0; // Σ1(e), Σ0(a) or σ0 of the round
  let y = 0; // σ1
  for (let t = 0; t < 64; t += 16) {
    if (t > 0) {
      // W[t + 0] = σ1(W[t - 2]) + W[t - 7] + σ0(W[t - 15]) + W[t - 16]
      x = (w1 >>> 7 | w1 << 25) ^ (w1 >>> 18 | w1 << 14) ^ (w1 >>> 3);
      y = (w14 >>> 17 | w14 << 15) ^ (w14 >>> 19 | w14 << 13) ^ (w14 >>> 10);
      w0 = (y + w9 + x + w0) | 0;
      // W[t + 1] = σ1(W[t - 1]) + W[t - 6] + σ0(W[t - 14]) + W[t - 15]
      x = (w2 >>> 7 | w2 << 25) ^ (w2 >>> 18 | w2 << 14) ^ (w2 >>> 3);
      y = (w15 >>> 17 | w15 << 15) ^ (w15 >>> 19 | w15 << 13) ^ (w15 >>> 10);
      w1 = (y + w10 + x + w1) | 0;
      // W[t + 2] = σ1(W[t + 0]) + W[t - 5] + σ0(W[t - 13]) + W[t - 14]
      x = (w3 >>> 7 | w3 << 25) ^ (w3 >>> 18 | w3 << 14) ^ (w3 >>> 3);
      y = (w0 >>> 17 | w0 << 15) ^ (w0 >>> 19 | w0 << 13) ^ (w0 >>> 10);
      w2 = (y + w11 + x + w2) | 0;
      // W[t + 3] = σ1(W[t + 1]) + W[t - 4] + σ0(W[t - 12]) + W[t - 13]
      x = (w4 >>> 7 | w4 << 25) ^ (w4 >>> 18 | w4 << 14) ^ (w4 >>> 3);
      y = (w1 >>> 17 | w1 << 15) ^ (w1 >>> 19 | w1 << 13) ^ (w1 >>> 10);
      w3 = (y + w12 + x + w3) | 0;
      // W[t + 4] = σ1(W[t + 2]) + W[t - 3] + σ0(W[t - 11]) + W[t - 12]
      x = (w5 >>> 7 | w5 << 25) ^ (w5 >>> 18 | w5 << 14) ^ (w5 >>> 3);
      y = (w2 >>> 17 | w2 << 15) ^ (w2 >>> 19 | w2 << 13) ^ (w2 >>> 10);
      w4 = (y + w13 + x + w4) | 0;
      // W[t + 5] = σ1(W[t + 3]) + W[t - 2] + σ0(W[t - 10]) + W[t - 11]
      x = (w6 >>> 7 | w6 << 25) ^ (w6 >>> 18 | w6 << 14) ^ (w6 >>> 3);
      y = (w3 >>> 17 | w3 << 15) ^ (w3 >>> 19 | w3 << 13) ^ (w3 >>> 10);
      w5 = (y + w14 + x + w5) | 0;
      // W[t + 6] = σ1(W[t + 4]) + W[t - 1] + σ0(W[t - 9]) + W[t - 10]
      x = (w7 >>> 7 | w7 << 25) ^ (w7 >>> 18 | w7 << 14) ^ (w7 >>> 3);
      y = (w4 >>> 17 | w4 << 15) ^ (w4 >>> 19 | w4 << 13) ^ (w4 >>> 10);
      w6 = (y + w15 + x + w6) | 0;
      // W[t + 7] = σ1(W[t + 5]) + W[t + 0] + σ0(W[t - 8]) + W[t - 9]
      x = (w8 >>> 7 | w8 << 25) ^ (w8 >>> 18 | w8 << 14) ^ (w8 >>> 3);
      y = (w5 >>> 17 | w5 << 15) ^ (w5 >>> 19 | w5 << 13) ^ (w5 >>> 10);
      w7 = (y + w0 + x + w7) | 0;
      // W[t + 8] = σ1(W[t + 6]) + W[t + 1] + σ0(W[t - 7]) + W[t - 8]
      x = (w9 >>> 7 | w9 << 25) ^ (w9 >>> 18 | w9 << 14) ^ (w9 >>> 3);
      y = (w6 >>> 17 | w6 << 15) ^ (w6 >>> 19 | w6 << 13) ^ (w6 >>> 10);
      w8 = (y + w1 + x + w8) | 0;
      // W[t + 9] = σ1(W[t + 7]) + W[t + 2] + σ0(W[t - 6]) + W[t - 7]
      x = (w10 >>> 7 | w10 << 25) ^ (w10 >>> 18 | w10 << 14) ^ (w10 >>> 3);
      y = (w7 >>> 17 | w7 << 15) ^ (w7 >>> 19 | w7 << 13) ^ (w7 >>> 10);
      w9 = (y + w2 + x + w9) | 0;
      // W[t + 10] = σ1(W[t + 8]) + W[t + 3] + σ0(W[t - 5]) + W[t - 6]
      x = (w11 >>> 7 | w11 << 25) ^ (w11 >>> 18 | w11 << 14) ^ (w11 >>> 3);
      y = (w8 >>> 17 | w8 << 15) ^ (w8 >>> 19 | w8 << 13) ^ (w8 >>> 10);
      w10 = (y + w3 + x + w10) | 0;
      // W[t + 11] = σ1(W[t + 9]) + W[t + 4] + σ0(W[t - 4]) + W[t - 5]
      x = (w12 >>> 7 | w12 << 25) ^ (w12 >>> 18 | w12 << 14) ^ (w12 >>> 3);
      y = (w9 >>> 17 | w9 << 15) ^ (w9 >>> 19 | w9 << 13) ^ (w9 >>> 10);
      w11 = (y + w4 + x + w11) | 0;
      // W[t + 12] = σ1(W[t + 10]) + W[t + 5] + σ0(W[t - 3]) + W[t - 4]
      x = (w13 >>> 7 | w13 << 25) ^ (w13 >>> 18 | w13 << 14) ^ (w13 >>> 3);
      y = (w10 >>> 17 | w10 << 15) ^ (w10 >>> 19 | w10 << 13) ^ (w10 >>> 10);
      w12 = (y + w5 + x + w12) | 0;
      // W[t + 13] = σ1(W[t + 11]) + W[t + 6] + σ0(W[t - 2]) + W[t - 3]
      x = (w14 >>> 7 | w14 << 25) ^ (w14 >>> 18 | w14 << 14) ^ (w14 >>> 3);
      y = (w11 >>> 17 | w11 << 15) ^ (w11 >>> 19 | w11 << 13) ^ (w11 >>> 10);
      w13 = (y + w6 + x + w13) | 0;
      // W[t + 14] = σ1(W[t + 12]) + W[t + 7] + σ0(W[t - 1]) + W[t - 2]
      x = (w15 >>> 7 | w15 << 25) ^ (w15 >>> 18 | w15 << 14) ^ (w15 >>> 3);
      y = (w12 >>> 17 | w12 << 15) ^ (w12 >>> 19 | w12 << 13) ^ (w12 >>> 10);
      w14 = (y + w7 + x + w14) | 0;
      // W[t + 15] = σ1(W[t + 13]) + W[t + 8] + σ0(W[t + 0]) + W[t - 1]
      x = (w0 >>> 7 | w0 << 25) ^ (w0 >>> 18 | w0 << 14) ^ (w0 >>> 3);
      y = (w13 >>> 17 | w13 << 15) ^ (w13 >>> 19 | w13 << 13) ^ (w13 >>> 10);
      w15 = (y + w8 + x + w15) | 0;
    }
    // t + 0: (a..h) = (a, b, c, d, e, f, g, h)
    x = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
    h = (h + x + (g ^ (e & (f ^ g))) + K[t + 0] + w0) | 0;
    d = (d + h) | 0;
    x = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
    h = (h + x + ((a & b) | (c & (a | b)))) | 0;
    // t + 1: (a..h) = (h, a, b, c, d, e, f, g)
    x = (d >>> 6 | d << 26) ^ (d >>> 11 | d << 21) ^ (d >>> 25 | d << 7);
    g = (g + x + (f ^ (d & (e ^ f))) + K[t + 1] + w1) | 0;
    c = (c + g) | 0;
    x = (h >>> 2 | h << 30) ^ (h >>> 13 | h << 19) ^ (h >>> 22 | h << 10);
    g = (g + x + ((h & a) | (b & (h | a)))) | 0;
    // t + 2: (a..h) = (g, h, a, b, c, d, e, f)
    x = (c >>> 6 | c << 26) ^ (c >>> 11 | c << 21) ^ (c >>> 25 | c << 7);
    f = (f + x + (e ^ (c & (d ^ e))) + K[t + 2] + w2) | 0;
    b = (b + f) | 0;
    x = (g >>> 2 | g << 30) ^ (g >>> 13 | g << 19) ^ (g >>> 22 | g << 10);
    f = (f + x + ((g & h) | (a & (g | h)))) | 0;
    // t + 3: (a..h) = (f, g, h, a, b, c, d, e)
    x = (b >>> 6 | b << 26) ^ (b >>> 11 | b << 21) ^ (b >>> 25 | b << 7);
    e = (e + x + (d ^ (b & (c ^ d))) + K[t + 3] + w3) | 0;
    a = (a + e) | 0;
    x = (f >>> 2 | f << 30) ^ (f >>> 13 | f << 19) ^ (f >>> 22 | f << 10);
    e = (e + x + ((f & g) | (h & (f | g)))) | 0;
    // t + 4: (a..h) = (e, f, g, h, a, b, c, d)
    x = (a >>> 6 | a << 26) ^ (a >>> 11 | a << 21) ^ (a >>> 25 | a << 7);
    d = (d + x + (c ^ (a & (b ^ c))) + K[t + 4] + w4) | 0;
    h = (h + d) | 0;
    x = (e >>> 2 | e << 30) ^ (e >>> 13 | e << 19) ^ (e >>> 22 | e << 10);
    d = (d + x + ((e & f) | (g & (e | f)))) | 0;
    // t + 5: (a..h) = (d, e, f, g, h, a, b, c)
    x = (h >>> 6 | h << 26) ^ (h >>> 11 | h << 21) ^ (h >>> 25 | h << 7);
    c = (c + x + (b ^ (h & (a ^ b))) + K[t + 5] + w5) | 0;
    g = (g + c) | 0;
    x = (d >>> 2 | d << 30) ^ (d >>> 13 | d << 19) ^ (d >>> 22 | d << 10);
    c = (c + x + ((d & e) | (f & (d | e)))) | 0;
    // t + 6: (a..h) = (c, d, e, f, g, h, a, b)
    x = (g >>> 6 | g << 26) ^ (g >>> 11 | g << 21) ^ (g >>> 25 | g << 7);
    b = (b + x + (a ^ (g & (h ^ a))) + K[t + 6] + w6) | 0;
    f = (f + b) | 0;
    x = (c >>> 2 | c << 30) ^ (c >>> 13 | c << 19) ^ (c >>> 22 | c << 10);
    b = (b + x + ((c & d) | (e & (c | d)))) | 0;
    // t + 7: (a..h) = (b, c, d, e, f, g, h, a)
    x = (f >>> 6 | f << 26) ^ (f >>> 11 | f << 21) ^ (f >>> 25 | f << 7);
    a = (a + x + (h ^ (f & (g ^ h))) + K[t + 7] + w7) | 0;
    e = (e + a) | 0;
    x = (b >>> 2 | b << 30) ^ (b >>> 13 | b << 19) ^ (b >>> 22 | b << 10);
    a = (a + x + ((b & c) | (d & (b | c)))) | 0;
    // t + 8: (a..h) = (a, b, c, d, e, f, g, h)
    x = (e >>> 6 | e << 26) ^ (e >>> 11 | e << 21) ^ (e >>> 25 | e << 7);
    h = (h + x + (g ^ (e & (f ^ g))) + K[t + 8] + w8) | 0;
    d = (d + h) | 0;
    x = (a >>> 2 | a << 30) ^ (a >>> 13 | a << 19) ^ (a >>> 22 | a << 10);
    h = (h + x + ((a & b) | (c & (a | b)))) | 0;
    // t + 9: (a..h) = (h, a, b, c, d, e, f, g)
    x = (d >>> 6 | d << 26) ^ (d >>> 11 | d << 21) ^ (d >>> 25 | d << 7);
    g = (g + x + (f ^ (d & (e ^ f))) + K[t + 9] + w9) | 0;
    c = (c + g) | 0;
    x = (h >>> 2 | h << 30) ^ (h >>> 13 | h << 19) ^ (h >>> 22 | h << 10);
    g = (g + x + ((h & a) | (b & (h | a)))) | 0;
    // t + 10: (a..h) = (g, h, a, b, c, d, e, f)
    x = (c >>> 6 | c << 26) ^ (c >>> 11 | c << 21) ^ (c >>> 25 | c << 7);
    f = (f + x + (e ^ (c & (d ^ e))) + K[t + 10] + w10) | 0;
    b = (b + f) | 0;
    x = (g >>> 2 | g << 30) ^ (g >>> 13 | g << 19) ^ (g >>> 22 | g << 10);
    f = (f + x + ((g & h) | (a & (g | h)))) | 0;
    // t + 11: (a..h) = (f, g, h, a, b, c, d, e)
    x = (b >>> 6 | b << 26) ^ (b >>> 11 | b << 21) ^ (b >>> 25 | b << 7);
    e = (e + x + (d ^ (b & (c ^ d))) + K[t + 11] + w11) | 0;
    a = (a + e) | 0;
    x = (f >>> 2 | f << 30) ^ (f >>> 13 | f << 19) ^ (f >>> 22 | f << 10);
    e = (e + x + ((f & g) | (h & (f | g)))) | 0;
    // t + 12: (a..h) = (e, f, g, h, a, b, c, d)
    x = (a >>> 6 | a << 26) ^ (a >>> 11 | a << 21) ^ (a >>> 25 | a << 7);
    d = (d + x + (c ^ (a & (b ^ c))) + K[t + 12] + w12) | 0;
    h = (h + d) | 0;
    x = (e >>> 2 | e << 30) ^ (e >>> 13 | e << 19) ^ (e >>> 22 | e << 10);
    d = (d + x + ((e & f) | (g & (e | f)))) | 0;
    // t + 13: (a..h) = (d, e, f, g, h, a, b, c)
    x = (h >>> 6 | h << 26) ^ (h >>> 11 | h << 21) ^ (h >>> 25 | h << 7);
    c = (c + x + (b ^ (h & (a ^ b))) + K[t + 13] + w13) | 0;
    g = (g + c) | 0;
    x = (d >>> 2 | d << 30) ^ (d >>> 13 | d << 19) ^ (d >>> 22 | d << 10);
    c = (c + x + ((d & e) | (f & (d | e)))) | 0;
    // t + 14: (a..h) = (c, d, e, f, g, h, a, b)
    x = (g >>> 6 | g << 26) ^ (g >>> 11 | g << 21) ^ (g >>> 25 | g << 7);
    b = (b + x + (a ^ (g & (h ^ a))) + K[t + 14] + w14) | 0;
    f = (f + b) | 0;
    x = (c >>> 2 | c << 30) ^ (c >>> 13 | c << 19) ^ (c >>> 22 | c << 10);
    b = (b + x + ((c & d) | (e & (c | d)))) | 0;
    // t + 15: (a..h) = (b, c, d, e, f, g, h, a)
    x = (f >>> 6 | f << 26) ^ (f >>> 11 | f << 21) ^ (f >>> 25 | f << 7);
    a = (a + x + (h ^ (f & (g ^ h))) + K[t + 15] + w15) | 0;
    e = (e + a) | 0;
    x = (b >>> 2 | b << 30) ^ (b >>> 13 | b << 19) ^ (b >>> 22 | b << 10);
    a = (a + x + ((b & c) | (d & (b | c)))) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}
