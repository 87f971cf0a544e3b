import assert from "node:assert/strict";
import fc from "fast-check";
import { Buffer } from "node:buffer";
import { createPublicKey } from "node:crypto";
import {
  ed25519PointProblem,
  ed25519PublicKeyProblem,
  signatureRProblem,
} from "../../lib/ledger/ed25519_point.ts";
import { fromHex, toBase64, toBase64Url, toHex } from "../../lib/ledger/encoding.ts";
import {
  signBytes,
  signingKeyFromSeed,
  verifyBytes,
  type VerifyingKey,
  verifyingKeyFromPem,
  verifyingKeyFromRaw,
} from "../../lib/ledger/keys.ts";
import { KeyFileError, loadVerifyingKey } from "../../lib/ledger/key_files.ts";
import { leafHash } from "../../lib/ledger/merkle.ts";
import { signRecord, verifyRecordSignature } from "../../lib/ledger/record.ts";
import { verifyRotation } from "../../lib/ledger/rotation.ts";
import { checkKeyRotationBody } from "../../lib/ledger/rotation_body.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import {
  NoteError,
  noteKeyId,
  noteVerifier,
  openNote,
  parseVerifierKey,
} from "../../lib/ledger/signed_note.ts";
import { loadTrustFile, TrustFileError } from "../../lib/ledger/trust.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import {
  cosignatureKeyId,
  cosignedMessage,
  parseWitnessVkey,
  verifyCosignatures,
  witnessKey,
} from "../../lib/ledger/witness.ts";
import { verifyLegacyLedger } from "../../lib/ledger/legacy/legacy.ts";
import { runCli } from "../_kit/run_cli.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { tempDir } from "../_kit/temp_dir.ts";

// The 8 small-order points of edwards25519 (the torsion subgroup) in their canonical encodings,
// and the 6 other 32-byte strings that decode to one of them when y is reduced mod p or the x
// sign bit is ignored for x = 0. Sources: libsodium ge25519_has_small_order's blocklist
// (src/libsodium/crypto_core/ed25519/ref10/ed25519_ref10.c: y = 0, 1, p - 1, the two order-8
// y values, p, p + 1, compared with the sign bit masked) and C2SP/CCTV ed25519/README.md
// ("eight plus six alternative encodings" of low-order points).
const FF30 = "ff".repeat(30);
const Y8 = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc";
const Y8_NEG = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03";
const SMALL_ORDER_CANONICAL: readonly [string, string][] = [
  ["identity (order 1)", "01" + "00".repeat(31)],
  ["y = p - 1, x = 0 (order 2)", "ec" + FF30 + "7f"],
  ["y = 0, x = sqrt(-1) (order 4)", "00".repeat(32)],
  ["y = 0, x = -sqrt(-1) (order 4)", "00".repeat(31) + "80"],
  ["y = y8, x even (order 8)", Y8 + "05"],
  ["y = y8, x odd (order 8)", Y8 + "85"],
  ["y = p - y8, x even (order 8)", Y8_NEG + "7a"],
  ["y = p - y8, x odd (order 8)", Y8_NEG + "fa"],
];
const SMALL_ORDER_NON_CANONICAL: readonly [string, string][] = [
  ["identity with the sign bit set for x = 0", "01" + "00".repeat(30) + "80"],
  ["order 2 with the sign bit set for x = 0", "ec" + FF30 + "ff"],
  ["y = p (= 0 + p), sign 0", "ed" + FF30 + "7f"],
  ["y = p (= 0 + p), sign 1", "ed" + FF30 + "ff"],
  ["y = p + 1 (= 1 + p), sign 0", "ee" + FF30 + "7f"],
  ["y = p + 1 (= 1 + p), sign 1", "ee" + FF30 + "ff"],
];
const ALL_SMALL_ORDER = [...SMALL_ORDER_CANONICAL, ...SMALL_ORDER_NON_CANONICAL];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const IDENTITY = fromHex(SMALL_ORDER_CANONICAL[0][1]);
const SPKI_PREFIX = fromHex("302a300506032b6570032100");
const ORIGIN = "carbon-ops.example/test";
const A = signingKeyFromSeed(new Uint8Array(32).fill(41));

function spkiOf(raw: Uint8Array): Uint8Array {
  return Uint8Array.from([...SPKI_PREFIX, ...raw]);
}

function pemOf(raw: Uint8Array): string {
  return `-----BEGIN PUBLIC KEY-----\n${toBase64(spkiOf(raw))}\n-----END PUBLIC KEY-----\n`;
}

function littleEndian32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** R || S. */
function signature(r: Uint8Array, s: bigint): Uint8Array {
  return Uint8Array.from([...r, ...littleEndian32(s)]);
}

/**
 * A VerifyingKey built around node:crypto directly, as code that bypasses keys.ts (or keys.ts
 * before the fix) would: node:crypto accepts small-order points as public keys.
 */
function handMadeKey(raw: Uint8Array): VerifyingKey {
  const spkiDer = spkiOf(raw);
  return {
    kid: toHex(sha256(spkiDer)),
    spkiDer,
    publicRaw: raw,
    keyObject: createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" }),
  };
}

function expectedMessage(canonical: boolean): RegExp {
  return canonical
    ? /public key is a small-order point: it verifies forged signatures; generate a new key with 'carbon-ops keys generate'/
    : /public key is a non-canonical encoding of an Ed25519 point .*; generate a new key with 'carbon-ops keys generate'/;
}

Deno.test("the eight small-order points are refused as small order and their six other encodings as non-canonical", () => {
  for (const [what, hex] of SMALL_ORDER_CANONICAL) {
    assert.equal(ed25519PointProblem(fromHex(hex)), "SMALL_ORDER", what);
    assert.equal(signatureRProblem(fromHex(hex)), "SMALL_ORDER", what);
  }
  for (const [what, hex] of SMALL_ORDER_NON_CANONICAL) {
    assert.equal(ed25519PointProblem(fromHex(hex)), "NON_CANONICAL", what);
    assert.notEqual(signatureRProblem(fromHex(hex)), null, what);
  }
  assert.equal(new Set(ALL_SMALL_ORDER.map(([, h]) => h)).size, 14);
  assert.equal(ed25519PointProblem(new Uint8Array(33)), "LENGTH");
  assert.equal(signatureRProblem(new Uint8Array(31)), "LENGTH");
  // y = 2 has no x on the curve (2 is not of the form (y^2 - 1)/(d y^2 + 1) times a square).
  const offCurve = [...Array(64).keys()].map((y) => littleEndian32(BigInt(y)))
    .find((e) => ed25519PointProblem(e) === "NOT_ON_CURVE");
  assert.ok(offCurve, "some small y is off the curve");
  assert.match(ed25519PublicKeyProblem(offCurve)!, /not a point on the Ed25519 curve/);
});

Deno.test("every entry point of a public key refuses each small-order and non-canonical encoding, saying what to do", async () => {
  await using dir = await tempDir();
  const goodPem = pemOf(A.publicRaw);
  for (const [what, hex] of ALL_SMALL_ORDER) {
    const raw = fromHex(hex);
    const canonical = SMALL_ORDER_CANONICAL.some(([, h]) => h === hex);
    const message = expectedMessage(canonical);
    const kid = toHex(sha256(spkiOf(raw)));
    // keys.ts constructors.
    assert.throws(
      () => verifyingKeyFromRaw(raw),
      (e) => e instanceof RangeError && message.test(e.message),
      what,
    );
    assert.throws(
      () => verifyingKeyFromPem(pemOf(raw)),
      (e) => e instanceof RangeError && message.test(e.message),
      what,
    );
    // A key file (SPKI PEM .pub).
    await Deno.writeTextFile(dir.join("k.pub"), pemOf(raw));
    await assert.rejects(loadVerifyingKey(dir.join("k.pub")), (e: unknown) => {
      assert.ok(e instanceof KeyFileError, what);
      assert.equal(e.problem, "FORMAT");
      assert.match(e.message, /holds an unusable Ed25519 public key/);
      assert.match(e.message, message);
      return true;
    });
    // A trust file listing the key.
    const trust = {
      v: 1,
      origin: ORIGIN,
      keys: [{ kid, public_key: pemOf(raw), role: "both", seq_from: 0, seq_to: null }],
    };
    await Deno.writeTextFile(dir.join("trust.json"), JSON.stringify(trust));
    await assert.rejects(loadTrustFile(dir.join("trust.json")), (e: unknown) => {
      assert.ok(e instanceof TrustFileError, what);
      assert.match(e.message, /^keys\[0\]\.public_key: /);
      assert.match(e.message, message);
      return true;
    });
    // A rotation body naming it as the new key, with the forged PoP R = identity, S = 0.
    const body = {
      origin: ORIGIN,
      old_kid: A.kid,
      new_key: { kid, spki: toBase64(spkiOf(raw)) },
      pop: toBase64Url(signature(IDENTITY, 0n)),
      reason: "attack",
    };
    const problems = checkKeyRotationBody(body);
    assert.equal(problems.length, 1, `${what}: ${problems.join("; ")}`);
    assert.match(problems[0], /^\/new_key\/spki: /);
    assert.match(problems[0], message);
    const rotation = verifyRotation({ kid: A.kid, body }, ORIGIN);
    assert.equal("problem" in rotation ? rotation.problem : "accepted", "ROTATION_INVALID", what);
    // A witness key, alone and in a trust file.
    const typedW = Uint8Array.from([0x04, ...raw]);
    const vkey = `w1+${toHex(cosignatureKeyId("w1", raw))}+${toBase64(typedW)}`;
    assert.throws(
      () => parseWitnessVkey(vkey),
      (e) => e instanceof RangeError && message.test(e.message),
      what,
    );
    const withWitness = {
      v: 1,
      origin: ORIGIN,
      keys: [{ kid: A.kid, public_key: goodPem, role: "both", seq_from: 0, seq_to: null }],
      witnesses: [{ vkey }],
    };
    await Deno.writeTextFile(dir.join("trust-w.json"), JSON.stringify(withWitness));
    await assert.rejects(loadTrustFile(dir.join("trust-w.json")), (e: unknown) => {
      assert.ok(e instanceof TrustFileError, what);
      assert.match(e.message, /^witnesses\[0\]\.vkey: /);
      assert.match(e.message, message);
      return true;
    });
    // A checkpoint (signed note) verifier key.
    const typedN = Uint8Array.from([0x01, ...raw]);
    const verifierKey = `${ORIGIN}+${toHex(noteKeyId(ORIGIN, raw))}+${toBase64(typedN)}`;
    assert.throws(
      () => parseVerifierKey(verifierKey),
      (e) => e instanceof RangeError && message.test(e.message),
      what,
    );
    // The 0.1 (legacy) ledger's pinned key.
    const legacy = verifyLegacyLedger(new TextEncoder().encode("{}\n"), { publicKeyHex: hex });
    assert.equal(legacy.problem?.code, "BAD_PUBLIC_KEY", what);
    assert.match(legacy.problem!.message, message);
  }
});

/** Appends a line to the ledger file, after `lines`, as another tool could. */
async function appendLine(dir: string, line: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/ledger.jsonl`, line + "\n", { append: true });
}

/** The leaf hash (hex) of the last line of the ledger, for the next record's `prev`. */
async function lastLeaf(dir: string): Promise<{ seq: number; prev: string }> {
  const lines = (await Deno.readTextFile(`${dir}/ledger.jsonl`)).trimEnd().split("\n");
  return { seq: lines.length, prev: toHex(leafHash(new TextEncoder().encode(lines.at(-1)!))) };
}

Deno.test("the review's attack: a key_rotation to the identity key with PoP R = identity, S = 0, then a forged record, does not verify", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  const init = await smallLedger(ledger, { records: 1, key: A, origin: ORIGIN });
  const forgedSig = signature(IDENTITY, 0n); // verifies every message under the identity key
  const identityKid = toHex(sha256(spkiOf(IDENTITY)));
  // 1. The rotation, signed by the trusted key A (the attacker holds A, or A's holder is fooled).
  let at = await lastLeaf(ledger);
  const rotation = signRecord({
    seq: at.seq,
    ts: "2026-01-02T00:00:00.000Z",
    type: "key_rotation",
    body: {
      origin: ORIGIN,
      old_kid: A.kid,
      new_key: { kid: identityKid, spki: toBase64(spkiOf(IDENTITY)) },
      pop: toBase64Url(forgedSig),
      reason: "rotate to a key nobody holds",
    },
    prev: at.prev,
  }, A);
  await appendLine(ledger, rotation.line);
  // 2. A record "by" the identity key: anyone can make it, no private key involved.
  at = await lastLeaf(ledger);
  const unsigned = signRecord({
    seq: at.seq,
    ts: "2026-01-02T00:00:01.000Z",
    type: "note",
    body: { text: "forged by anyone" },
    prev: at.prev,
  }, { ...A, kid: identityKid });
  const forgedLine = unsigned.line.replace(
    `"sig":"${unsigned.record.sig}"`,
    `"sig":"${toBase64Url(forgedSig)}"`,
  );
  await appendLine(ledger, forgedLine);
  // The forged record's signature is refused even under a hand-built identity key.
  assert.equal(
    verifyRecordSignature(
      forgedLine,
      { ...unsigned.record, sig: toBase64Url(forgedSig) },
      handMadeKey(IDENTITY),
    ),
    false,
  );
  const report = await verifyLedger(ledger, { trust: init.trust });
  assert.notEqual(report.exitCode, 0);
  const codes = report.errors.map((e) => `${e.code}@${e.seq}`);
  assert.ok(
    codes.includes(`ROTATION_INVALID@${rotation.record.seq}`) ||
      codes.includes(`BODY_INVALID@${rotation.record.seq}`),
    codes.join(),
  );
  assert.ok(codes.includes(`KEY_UNKNOWN@${at.seq}`), codes.join());
  assert.ok(
    report.errors.some((e) => /small-order point/.test(e.message)),
    JSON.stringify(report.errors),
  );
  // And through the CLI, as an auditor runs it.
  await Deno.writeTextFile(dir.join("trust.json"), init.trustText);
  const cli = await runCli([
    "ledger",
    "verify",
    ledger,
    "--trust",
    dir.join("trust.json"),
    "--json",
  ]);
  assert.notEqual(cli.code, 0, cli.stdout);
  assert.match(cli.stdout, /small-order point/);
});

Deno.test("signed notes and witness cosignatures by a small-order key with R = identity, S = 0 are refused", () => {
  const text = `${ORIGIN}\n1\n${"A".repeat(43)}=\n`;
  const forged = signature(IDENTITY, 0n);
  const key = handMadeKey(IDENTITY);
  const blob = Uint8Array.from([...noteKeyId(ORIGIN, IDENTITY), ...forged]);
  const note = `${text}\n\u2014 ${ORIGIN} ${toBase64(blob)}\n`;
  assert.throws(
    () => openNote(note, [noteVerifier(ORIGIN, key)]),
    (e) => e instanceof NoteError && e.problem === "BAD_SIGNATURE",
  );
  const w = witnessKey("w1", key);
  const cosig = new Uint8Array(76);
  cosig.set(w.keyId);
  Buffer.from(cosig.buffer).writeBigUInt64BE(7n, 4);
  cosig.set(forged, 12);
  const cosigned = `${note}\u2014 w1 ${toBase64(cosig)}\n`;
  assert.equal(verifyBytes(key, cosignedMessage(text, 7n), forged), false);
  const report = verifyCosignatures(cosigned, { witnesses: [w], quorum: 1 });
  assert.equal(report.ok, false);
  assert.deepEqual(report.invalid.map((i) => i.reason), ["cosignature does not verify"]);
});

Deno.test("property: no (R, S) verifies under a small-order key, whatever the message", () => {
  const keys = ALL_SMALL_ORDER.map(([, hex]) => handMadeKey(fromHex(hex)));
  const smallR = ALL_SMALL_ORDER.map(([, hex]) => fromHex(hex));
  const scalarBelowL = fc.bigInt({ min: 0n, max: L - 1n });
  fc.assert(
    fc.property(
      fc.constantFrom(...keys),
      fc.oneof(fc.constantFrom(...smallR), fc.uint8Array({ minLength: 32, maxLength: 32 })),
      fc.oneof(fc.constantFrom(0n, 1n, L - 1n), scalarBelowL),
      fc.uint8Array({ maxLength: 64 }),
      (key, r, s, message) => !verifyBytes(key, message, signature(r, s)),
    ),
    { numRuns: 2000 },
  );
});

Deno.test("property: the cofactor check and libsodium's blocklist agree on which encodings are small order", () => {
  const encodings = fc.oneof(
    fc.constantFrom(...ALL_SMALL_ORDER.map(([, hex]) => fromHex(hex))),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    // Near the small-order y values: one byte changed.
    fc.tuple(
      fc.constantFrom(...ALL_SMALL_ORDER.map(([, hex]) => fromHex(hex))),
      fc.nat(31),
      fc.integer({ min: 1, max: 255 }),
    )
      .map(([e, i, x]) => {
        const c = e.slice();
        c[i] ^= x;
        return c;
      }),
  );
  fc.assert(
    fc.property(encodings, (e) => {
      const full = ed25519PointProblem(e);
      const r = signatureRProblem(e);
      if (full === "SMALL_ORDER") assert.equal(r, "SMALL_ORDER");
      if (r === "SMALL_ORDER") {
        assert.ok(full === "SMALL_ORDER" || full === "NON_CANONICAL", toHex(e));
      }
      assert.equal(
        r === "NON_CANONICAL",
        full === "NON_CANONICAL" && r !== "SMALL_ORDER",
        toHex(e),
      );
    }),
    { numRuns: 3000 },
  );
});

Deno.test("property: real keys and their signatures pass the point checks and verify", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 100 }),
      (seed, message) => {
        const key = signingKeyFromSeed(seed);
        assert.equal(ed25519PointProblem(key.publicRaw), null);
        const sig = signBytes(key, message);
        assert.equal(signatureRProblem(sig.subarray(0, 32)), null);
        assert.equal(verifyBytes(verifyingKeyFromRaw(key.publicRaw), message, sig), true);
      },
    ),
    { numRuns: 200 },
  );
});

// RFC 8032 section 7.1 TEST 1..3: public key, message, signature.
const RFC8032: readonly [string, string, string][] = [
  [
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  ],
  [
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  ],
  [
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "af82",
    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  ],
];

Deno.test("RFC 8032 section 7.1 vectors still verify through every check", () => {
  for (const [pub, msg, sig] of RFC8032) {
    assert.equal(
      verifyBytes(verifyingKeyFromRaw(fromHex(pub)), fromHex(msg), fromHex(sig)),
      true,
      pub,
    );
    assert.equal(
      verifyBytes(verifyingKeyFromPem(pemOf(fromHex(pub))), fromHex(msg), fromHex(sig)),
      true,
      pub,
    );
  }
});

// "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020, doi:10.1007/978-3-030-64357-7_4),
// test vectors 0..11: message, public key A, signature. libsodium accepts only vector 3 (mixed-order
// A and R, both equations hold); OpenSSL alone also accepts 0, 1 and 2 (small-order A or R).
const TAMING: readonly [string, string, string, string][] = [
  [
    "S = 0, small A, small R",
    "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
  ],
  [
    "small A, mixed R",
    "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
  ],
  [
    "mixed A, small R",
    "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
    "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
  ],
  [
    "mixed A, mixed R, both equations hold",
    "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
  ],
  [
    "mixed A, mixed R, cofactored equation only",
    "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
  ],
  [
    "mixed A, prime-order R, cofactored equation only",
    "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
    "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
  ],
  [
    "S > L",
    "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
    "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
    "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
  ],
  [
    "S >> L (65 bytes)",
    "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
    "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
    "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a4734e74f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c202",
  ],
  [
    "non-canonical small R (a)",
    "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
    "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
  ],
  [
    "non-canonical small R (b)",
    "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
    "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
  ],
  [
    "non-canonical small A (a)",
    "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
  ],
  [
    "non-canonical small A (b)",
    "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
  ],
];

Deno.test("'Taming the many EdDSAs' vectors: only vector 3 (mixed-order key and R) verifies, as with libsodium", () => {
  const results = TAMING.map(([what, msg, pub, sig]) => {
    const problem = ed25519PublicKeyProblem(fromHex(pub));
    if (problem !== null) return `refused key: ${what}`;
    return verifyBytes(verifyingKeyFromRaw(fromHex(pub)), fromHex(msg), fromHex(sig));
  });
  assert.deepEqual(results, [
    "refused key: S = 0, small A, small R",
    "refused key: small A, mixed R",
    false,
    true,
    false,
    false,
    false,
    false,
    false,
    false,
    "refused key: non-canonical small A (a)",
    "refused key: non-canonical small A (b)",
  ]);
  // Vectors 0 and 1 are also refused at verification under a hand-built key (defence in depth).
  for (const [what, msg, pub, sig] of TAMING.slice(0, 2)) {
    assert.equal(verifyBytes(handMadeKey(fromHex(pub)), fromHex(msg), fromHex(sig)), false, what);
  }
});
