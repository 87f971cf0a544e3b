/**
 * Ed25519 keys for records and checkpoints: generation, PKCS#8 / SPKI PEM files that OpenSSL 3
 * reads, key ids (SHA-256 of the SPKI DER), signing and strict verification.
 *
 * Every verifying key is built by `fromPublicObject`, which refuses non-canonical, off-curve and
 * small-order public keys (`ed25519_point.ts`): node:crypto accepts the identity point as a key,
 * and then the constant signature R = identity, S = 0 verifies every message. `verifyBytes`
 * refuses a small-order or non-canonical R and S >= L, as libsodium does.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { toHex } from "./encoding.ts";
import { sha256 } from "./sha256.ts";
import { assertEd25519PublicKey, signatureRProblem } from "./ed25519_point.ts";

let nodeCryptoModule: typeof import("node:crypto") | undefined;

/**
 * `node:crypto`, loaded on the first key operation rather than by a static import: the commands
 * that only read the ledger (totals, export, report) import this module through the record
 * types, and loading `node:crypto` costs a cold start about 35 ms (docs/architecture.md).
 */
function nodeCrypto(): typeof import("node:crypto") {
  return nodeCryptoModule ??= process.getBuiltinModule("node:crypto");
}

/** DER bytes as the `Buffer` node:crypto's key parsers take (a view, not a copy). */
function asBuffer(der: Uint8Array): import("node:buffer").Buffer {
  return process.getBuiltinModule("node:buffer").Buffer.from(
    der.buffer,
    der.byteOffset,
    der.byteLength,
  );
}

/**
 * A public key as the ledger uses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, type VerifyingKey } from "./keys.ts";
 * const pub: VerifyingKey = generateSigningKey();
 * assert.equal(pub.publicRaw.length, 32);
 * ```
 */
export interface VerifyingKey {
  /** Lowercase hex SHA-256 of the SPKI DER (the record `kid`). */
  readonly kid: string;
  /** SubjectPublicKeyInfo DER. */
  readonly spkiDer: Uint8Array;
  /** The 32-byte raw Ed25519 public key (RFC 8032 encoding). */
  readonly publicRaw: Uint8Array;
  /** node:crypto key object. */
  readonly keyObject: KeyObject;
}

/**
 * A private key with its public half.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, type SigningKey } from "./keys.ts";
 * const key: SigningKey = generateSigningKey();
 * assert.equal(key.privateKeyObject.type, "private");
 * ```
 */
export interface SigningKey extends VerifyingKey {
  /** node:crypto private key object. */
  readonly privateKeyObject: KeyObject;
}

const PKCS8_PREFIX = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);
const SPKI_PREFIX = Uint8Array.from([
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
]);
// Group order L of edwards25519, for rejecting non-canonical signatures (S >= L).
const ORDER_L = 2n ** 252n + 27742317777372353535851937790883648493n;
// Key objects whose public key passed `assertEd25519PublicKey` (checked once, by identity).
const CHECKED_KEYS = new WeakSet<KeyObject>();

/** The one constructor of every VerifyingKey: throws a RangeError for an unusable point. */
function fromPublicObject(keyObject: KeyObject): VerifyingKey {
  if (keyObject.asymmetricKeyType !== "ed25519") {
    throw new TypeError(
      `expected an Ed25519 key, got ${keyObject.asymmetricKeyType ?? "a symmetric key"}`,
    );
  }
  const spkiDer = new Uint8Array(keyObject.export({ format: "der", type: "spki" }));
  const publicRaw = spkiDer.slice(SPKI_PREFIX.length);
  assertEd25519PublicKey(publicRaw);
  CHECKED_KEYS.add(keyObject);
  return { kid: toHex(sha256(spkiDer)), spkiDer, publicRaw, keyObject };
}

/** True when `keyObject` holds an acceptable public key (also for VerifyingKeys built by hand). */
function isCheckedKey(keyObject: KeyObject): boolean {
  if (CHECKED_KEYS.has(keyObject)) return true;
  try {
    fromPublicObject(
      keyObject.type === "private" ? nodeCrypto().createPublicKey(keyObject) : keyObject,
    );
  } catch {
    return false;
  }
  CHECKED_KEYS.add(keyObject);
  return true;
}

function fromPrivateObject(privateKeyObject: KeyObject): SigningKey {
  if (privateKeyObject.asymmetricKeyType !== "ed25519") {
    throw new TypeError(
      `expected an Ed25519 private key, got ${privateKeyObject.asymmetricKeyType}`,
    );
  }
  return { ...fromPublicObject(nodeCrypto().createPublicKey(privateKeyObject)), privateKeyObject };
}

/**
 * A fresh random Ed25519 key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * const k = generateSigningKey();
 * assert.match(k.kid, /^[0-9a-f]{64}$/);
 * assert.notEqual(generateSigningKey().kid, k.kid);
 * ```
 */
export function generateSigningKey(): SigningKey {
  return fromPrivateObject(nodeCrypto().generateKeyPairSync("ed25519").privateKey);
}

/**
 * The Ed25519 key whose 32-byte secret seed is `seed` (RFC 8032 section 5.1.5).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signingKeyFromSeed } from "./keys.ts";
 * const a = signingKeyFromSeed(new Uint8Array(32));
 * assert.equal(a.publicRaw.length, 32);
 * assert.equal(signingKeyFromSeed(new Uint8Array(32)).kid, a.kid);
 * ```
 */
export function signingKeyFromSeed(seed: Uint8Array): SigningKey {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX);
  der.set(seed, PKCS8_PREFIX.length);
  return fromPrivateObject(
    nodeCrypto().createPrivateKey({ key: asBuffer(der), format: "der", type: "pkcs8" }),
  );
}

/**
 * The public key with raw 32-byte encoding `raw`. Throws a `RangeError` saying what to do for
 * a non-canonical, off-curve or small-order point (see `ed25519_point.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, verifyingKeyFromRaw } from "./keys.ts";
 * const k = generateSigningKey();
 * assert.equal(verifyingKeyFromRaw(k.publicRaw).kid, k.kid);
 * const identity = new Uint8Array(32);
 * identity[0] = 1;
 * assert.throws(() => verifyingKeyFromRaw(identity), /small-order point/);
 * ```
 */
export function verifyingKeyFromRaw(raw: Uint8Array): VerifyingKey {
  assertEd25519PublicKey(raw);
  const der = new Uint8Array(SPKI_PREFIX.length + 32);
  der.set(SPKI_PREFIX);
  der.set(raw, SPKI_PREFIX.length);
  return fromPublicObject(
    nodeCrypto().createPublicKey({ key: asBuffer(der), format: "der", type: "spki" }),
  );
}

/**
 * Parses a PKCS#8 `PRIVATE KEY` PEM (unencrypted Ed25519).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, privateKeyPem, signingKeyFromPem } from "./keys.ts";
 * const k = generateSigningKey();
 * assert.equal(signingKeyFromPem(privateKeyPem(k)).kid, k.kid);
 * ```
 */
export function signingKeyFromPem(pem: string): SigningKey {
  if (!pem.includes("-----BEGIN PRIVATE KEY-----")) {
    throw new TypeError(
      "expected a PKCS#8 PEM ('-----BEGIN PRIVATE KEY-----'), e.g. from 'carbon-ops keys generate'",
    );
  }
  return fromPrivateObject(nodeCrypto().createPrivateKey({ key: pem, format: "pem" }));
}

/**
 * Parses an SPKI `PUBLIC KEY` PEM (Ed25519). Throws a `TypeError` when the text is not an
 * Ed25519 SPKI PEM, and a `RangeError` saying what to do when its point is non-canonical, off
 * the curve or of small order (see `ed25519_point.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, publicKeyPem, verifyingKeyFromPem } from "./keys.ts";
 * const k = generateSigningKey();
 * assert.equal(verifyingKeyFromPem(publicKeyPem(k)).kid, k.kid);
 * const identityPem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n-----END PUBLIC KEY-----\n";
 * assert.throws(() => verifyingKeyFromPem(identityPem), RangeError);
 * ```
 */
export function verifyingKeyFromPem(pem: string): VerifyingKey {
  if (!pem.includes("-----BEGIN PUBLIC KEY-----")) {
    throw new TypeError("expected an SPKI PEM ('-----BEGIN PUBLIC KEY-----')");
  }
  let keyObject: KeyObject;
  try {
    keyObject = nodeCrypto().createPublicKey({ key: pem, format: "pem" });
  } catch (err) {
    throw new TypeError(`not a readable SPKI PEM public key: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return fromPublicObject(keyObject);
}

/**
 * PKCS#8 PEM text of a private key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, privateKeyPem } from "./keys.ts";
 * assert.equal(privateKeyPem(generateSigningKey()).split("\n")[0], "-----BEGIN PRIVATE KEY-----");
 * ```
 */
export function privateKeyPem(key: SigningKey): string {
  return String(key.privateKeyObject.export({ format: "pem", type: "pkcs8" }));
}

/**
 * SPKI PEM text of a public key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, publicKeyPem } from "./keys.ts";
 * assert.equal(publicKeyPem(generateSigningKey()).split("\n")[0], "-----BEGIN PUBLIC KEY-----");
 * ```
 */
export function publicKeyPem(key: VerifyingKey): string {
  return String(key.keyObject.export({ format: "pem", type: "spki" }));
}

/**
 * Ed25519 signature (64 bytes) of `message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, signBytes } from "./keys.ts";
 * assert.equal(signBytes(generateSigningKey(), new Uint8Array([1])).length, 64);
 * ```
 */
export function signBytes(key: SigningKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(nodeCrypto().sign(null, message, key.privateKeyObject));
}

/**
 * Strict Ed25519 verification, as libsodium's `crypto_sign_verify_detached`: false for a
 * signature that is not 64 bytes, whose S is not below the group order L (malleable form), whose
 * R is a non-canonical encoding or a small-order point (`signatureRProblem`), for a key whose
 * point is unusable (keys built by hand, not by this module), or that does not verify.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey, signBytes, verifyBytes } from "./keys.ts";
 * const k = generateSigningKey();
 * const m = new Uint8Array([1]);
 * assert.equal(verifyBytes(k, m, signBytes(k, m)), true);
 * assert.equal(verifyBytes(k, new Uint8Array([2]), signBytes(k, m)), false);
 * ```
 */
export function verifyBytes(
  key: VerifyingKey,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false;
  // S is little-endian in bytes 32..63; L's top byte is 0x10, so only 0x10 needs the full compare.
  if (signature[63] > 0x10) return false;
  if (signature[63] === 0x10) {
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]);
    if (s >= ORDER_L) return false;
  }
  if (signatureRProblem(signature.subarray(0, 32)) !== null) return false;
  if (!isCheckedKey(key.keyObject)) return false;
  return nodeCrypto().verify(null, message, key.keyObject, signature);
}
