/**
 * Validation of Ed25519 point encodings (public keys and the R half of signatures), so that the
 * ledger fails closed on keys and signatures that node:crypto (OpenSSL) would accept.
 *
 * Why: OpenSSL verifies with the cofactorless equation `[S]B = R + [k]A` and accepts any public
 * key A that decodes. If A has small order (one of the 8 torsion points, e.g. the identity
 * `01 00..00`), `[k]A` takes at most 8 values whatever the message, so a constant signature
 * (`R = identity, S = 0` for the identity key) verifies for every message: anyone can sign as
 * that key. A small-order R in a signature is likewise the tool of such forgeries and of
 * key-substitution tricks. libsodium's `crypto_sign_verify_detached` refuses both, and so do we.
 *
 * The checks (sources: RFC 8032 section 5.1.3 "Decoding"; libsodium
 * `crypto_core/ed25519/ref10/ed25519_ref10.c` `ge25519_is_canonical` and
 * `ge25519_has_small_order`, used by `crypto_sign/ed25519/ref10/open.c`):
 *
 * 1. canonical encoding: the 255-bit y (the encoding with its top bit cleared) is below
 *    p = 2^255 - 19, and the sign bit of x is not set when x = 0 (RFC 8032 5.1.3 steps 1 and 4);
 * 2. the point is on the curve: x^2 = (y^2 - 1) / (d y^2 + 1) has a root (RFC 8032 5.1.3 step 3);
 * 3. not small order: [8]P is not the identity. We decode the point and double it three times
 *    in extended coordinates (RFC 8032 5.1.4) with BigInt arithmetic, instead of libsodium's
 *    table of the 7 y values of small-order points: the cofactor test needs no table to trust,
 *    and the tests check it against libsodium's table (all 8 torsion points, their sign-bit
 *    variants and their non-canonical encodings y + p).
 *
 * Public keys get all three checks once, when they are built (`keys.ts`). The R half of every
 * signature gets libsodium's cheaper pair (`signatureRProblem`): y < p, and y not in the table of
 * small-order y values, compared as bytes, because decoding R on every verification would double
 * its cost.
 *
 * Mixed-order points (a prime-order point plus a torsion component) are accepted, as libsodium
 * does: they are not small order, and nobody can sign for them without the discrete log.
 *
 * @module
 */

// The field prime p = 2^255 - 19 and the curve constant d = -121665/121666 (RFC 8032 5.1).
const P = 2n ** 255n - 19n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
// sqrt(-1) = 2^((p-1)/4) mod p (RFC 8032 5.1.3 step 3).
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;

/**
 * Why a 32-byte string is not an acceptable Ed25519 point encoding.
 *
 * - `LENGTH`: not 32 bytes.
 * - `NON_CANONICAL`: y >= p, or the x sign bit set for x = 0 (another point's alias).
 * - `NOT_ON_CURVE`: no x satisfies the curve equation for this y.
 * - `SMALL_ORDER`: one of the 8 torsion points (order 1, 2, 4 or 8).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ed25519PointProblem, type Ed25519PointProblem } from "./ed25519_point.ts";
 * const identity = new Uint8Array(32);
 * identity[0] = 1;
 * const problem: Ed25519PointProblem | null = ed25519PointProblem(identity);
 * assert.equal(problem, "SMALL_ORDER");
 * ```
 */
export type Ed25519PointProblem = "LENGTH" | "NON_CANONICAL" | "NOT_ON_CURVE" | "SMALL_ORDER";

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function powMod(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

/** The little-endian 255-bit y and the x sign bit of an encoding (RFC 8032 5.1.3 step 1). */
function splitEncoding(encoding: Uint8Array): { y: bigint; sign: number } {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? encoding[i] & 0x7f : encoding[i]);
  return { y, sign: encoding[31] >> 7 };
}

/** RFC 8032 5.1.3 steps 2-4: x from y and the sign bit, or the problem. */
function recoverX(y: bigint, sign: number): bigint | "NOT_ON_CURVE" | "NON_CANONICAL" {
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v % P) * v % P;
  const v7 = (v3 * v3 % P) * v % P;
  let x = (u * v3 % P) * powMod(u * v7, (P - 5n) / 8n) % P;
  const vx2 = (v * x % P) * x % P;
  if (vx2 === u) {
    // x is a root
  } else if (vx2 === mod(-u)) {
    x = x * SQRT_M1 % P;
  } else {
    return "NOT_ON_CURVE";
  }
  if (x === 0n && sign === 1) return "NON_CANONICAL";
  if (Number(x & 1n) !== sign) x = P - x;
  return x;
}

/** [8](x, y) is the identity: three doublings in extended coordinates (RFC 8032 5.1.4, a = -1). */
function timesCofactorIsIdentity(x: bigint, y: bigint): boolean {
  let X = x;
  let Y = y;
  let Z = 1n;
  for (let i = 0; i < 3; i++) {
    const A = X * X % P;
    const B = Y * Y % P;
    const C = 2n * Z * Z % P;
    const H = (A + B) % P;
    const XY = (X + Y) % P;
    const E = mod(H - XY * XY);
    const G = mod(A - B);
    const F = (C + G) % P;
    X = E * F % P;
    Y = G * H % P;
    Z = F * G % P;
  }
  // The identity is (0 : Z : Z).
  return X === 0n && Y === Z;
}

/**
 * Checks an Ed25519 point encoding: 32 bytes, canonical, on the curve and not of small order
 * (see the module documentation for the rules and their sources). Takes tens of microseconds
 * (BigInt field arithmetic); public keys are checked once when they are built.
 *
 * @returns `null` when the encoding is acceptable, else the problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ed25519PointProblem } from "./ed25519_point.ts";
 * import { generateSigningKey } from "./keys.ts";
 * assert.equal(ed25519PointProblem(generateSigningKey().publicRaw), null);
 * assert.equal(ed25519PointProblem(new Uint8Array(32)), "SMALL_ORDER"); // y = 0: order 4
 * assert.equal(ed25519PointProblem(new Uint8Array(32).fill(0xff)), "NON_CANONICAL"); // y >= p
 * assert.equal(ed25519PointProblem(new Uint8Array(31)), "LENGTH");
 * ```
 */
export function ed25519PointProblem(encoding: Uint8Array): Ed25519PointProblem | null {
  if (encoding.length !== 32) return "LENGTH";
  const { y, sign } = splitEncoding(encoding);
  if (y >= P) return "NON_CANONICAL";
  const x = recoverX(y, sign);
  if (typeof x === "string") return x;
  return timesCofactorIsIdentity(x, y) ? "SMALL_ORDER" : null;
}

/**
 * What is wrong with `raw` as an Ed25519 public key and what to do, or `null` when it is
 * acceptable (see `ed25519PointProblem`).
 *
 * @param raw The 32-byte public key encoding.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ed25519PublicKeyProblem } from "./ed25519_point.ts";
 * import { generateSigningKey } from "./keys.ts";
 * assert.equal(ed25519PublicKeyProblem(generateSigningKey().publicRaw), null);
 * const identity = new Uint8Array(32);
 * identity[0] = 1;
 * assert.equal(
 *   ed25519PublicKeyProblem(identity),
 *   "public key is a small-order point: it verifies forged signatures; " +
 *     "generate a new key with 'carbon-ops keys generate'",
 * );
 * ```
 */
export function ed25519PublicKeyProblem(raw: Uint8Array): string | null {
  const problem = ed25519PointProblem(raw);
  if (problem === null) return null;
  const fix = "generate a new key with 'carbon-ops keys generate'";
  switch (problem) {
    case "LENGTH":
      return `an Ed25519 public key is 32 bytes, got ${raw.length}`;
    case "NON_CANONICAL":
      return "public key is a non-canonical encoding of an Ed25519 point (y >= p, or the sign " +
        `bit set for x = 0): another encoding names the same point, so it is refused; ${fix}`;
    case "NOT_ON_CURVE":
      return "public key is not a point on the Ed25519 curve; check that it was copied whole, " +
        `or ${fix}`;
    case "SMALL_ORDER":
      return `public key is a small-order point: it verifies forged signatures; ${fix}`;
  }
}

/**
 * Throws a `RangeError` saying what is wrong and what to do when `raw` is not an acceptable
 * Ed25519 public key (see `ed25519PublicKeyProblem`). Every constructor of a verifying key in
 * `keys.ts` calls it.
 *
 * @param raw The 32-byte public key encoding.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertEd25519PublicKey } from "./ed25519_point.ts";
 * import { generateSigningKey } from "./keys.ts";
 * assertEd25519PublicKey(generateSigningKey().publicRaw);
 * const identity = new Uint8Array(32);
 * identity[0] = 1;
 * assert.throws(() => assertEd25519PublicKey(identity), /small-order point: it verifies forged/);
 * ```
 */
export function assertEd25519PublicKey(raw: Uint8Array): void {
  const problem = ed25519PublicKeyProblem(raw);
  if (problem !== null) throw new RangeError(problem);
}

// The y coordinates of the 8 small-order points, as libsodium's `ge25519_has_small_order`
// blocklist lists them (its non-canonical entries p and p + 1 are caught by the y < p check):
// 0 (order 4, x = +-sqrt(-1)), 1 (the identity), p - 1 (order 2), and the two order-8 values.
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  0n,
  1n,
  P - 1n,
  2707385501144840649318225287225658788936804267575313519463743609750303402022n,
  55188659117513257062467267217118295137698188065244968500265048394206261417927n,
].map((y) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  return out;
});

/** y >= p = 2^255 - 19, on the bytes: bytes 1..30 and the low 7 bits of byte 31 all ones, byte 0 >= 0xed. */
function yIsNonCanonical(encoding: Uint8Array): boolean {
  if ((encoding[31] & 0x7f) !== 0x7f) return false;
  for (let i = 30; i > 0; i--) if (encoding[i] !== 0xff) return false;
  return encoding[0] >= 0xed;
}

/**
 * The check on the R half (bytes 0..31) of a signature, as libsodium's
 * `crypto_sign_verify_detached` makes it: R must be canonical (y < p) and must not be one of the
 * small-order points (its y, sign bit ignored, is not in libsodium's blocklist). A byte compare
 * costs well under a microsecond, where decoding R would double the cost of a verification; an R
 * off the curve never verifies anyway (OpenSSL compares R byte for byte with the point it
 * computes).
 *
 * @returns `null` when R is acceptable, else the problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signatureRProblem } from "./ed25519_point.ts";
 * import { generateSigningKey, signBytes } from "./keys.ts";
 * const sig = signBytes(generateSigningKey(), new Uint8Array([1]));
 * assert.equal(signatureRProblem(sig.subarray(0, 32)), null);
 * const identity = new Uint8Array(32);
 * identity[0] = 1;
 * assert.equal(signatureRProblem(identity), "SMALL_ORDER");
 * ```
 */
export function signatureRProblem(
  r: Uint8Array,
): "LENGTH" | "NON_CANONICAL" | "SMALL_ORDER" | null {
  if (r.length !== 32) return "LENGTH";
  if (yIsNonCanonical(r)) return "NON_CANONICAL";
  for (const y of SMALL_ORDER_Y) {
    let diff = (r[31] & 0x7f) ^ y[31];
    for (let i = 0; i < 31 && diff === 0; i++) diff |= r[i] ^ y[i];
    if (diff === 0) return "SMALL_ORDER";
  }
  return null;
}
