import assert from "node:assert/strict";
import { fromHex, toHex } from "../../lib/ledger/encoding.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import {
  generateSigningKey,
  privateKeyPem,
  publicKeyPem,
  signBytes,
  signingKeyFromPem,
  signingKeyFromSeed,
  verifyBytes,
  verifyingKeyFromRaw,
} from "../../lib/ledger/keys.ts";
import {
  KeyFileError,
  loadSigningKey,
  loadVerifyingKey,
  writeKeyPair,
} from "../../lib/ledger/key_files.ts";
import { opensslVerifyBytes } from "../../demo/openssl_check.ts";
import { tempDir } from "../_kit/temp_dir.ts";

// RFC 8032 section 7.1, TEST 1..3: secret key, public key, message, signature.
const RFC8032 = [
  {
    secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature:
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
];

const OPENSSL = "/usr/bin/openssl";
const hasOpenssl = await Deno.stat(OPENSSL).then(() => true, () => false);

async function openssl(
  args: string[],
  stdin?: Uint8Array,
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const child = new Deno.Command(OPENSSL, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("signingKeyFromSeed reproduces the RFC 8032 section 7.1 public keys and signatures", () => {
  for (const v of RFC8032) {
    const key = signingKeyFromSeed(fromHex(v.secret));
    assert.equal(toHex(key.publicRaw), v.public);
    const sig = signBytes(key, fromHex(v.message));
    assert.equal(toHex(sig), v.signature);
    assert.ok(
      verifyBytes(verifyingKeyFromRaw(fromHex(v.public)), fromHex(v.message), fromHex(v.signature)),
    );
  }
});

Deno.test("verifyBytes rejects wrong length, S >= L, flipped bits and another message", () => {
  const v = RFC8032[1];
  const key = verifyingKeyFromRaw(fromHex(v.public));
  const msg = fromHex(v.message);
  const sig = fromHex(v.signature);
  assert.equal(verifyBytes(key, msg, sig.slice(0, 63)), false);
  assert.equal(verifyBytes(key, msg, new Uint8Array([...sig, 0])), false);
  assert.equal(verifyBytes(key, new Uint8Array([0x73]), sig), false);
  // S + L: the same point equation holds for lax verifiers, but the encoding is not canonical.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  let sPlusL = s + L;
  const malleable = sig.slice();
  for (let i = 32; i < 64; i++) {
    malleable[i] = Number(sPlusL & 0xffn);
    sPlusL >>= 8n;
  }
  assert.equal(verifyBytes(key, msg, malleable), false);
  for (let bit = 0; bit < 512; bit += 7) {
    const flipped = sig.slice();
    flipped[bit >> 3] ^= 1 << (bit & 7);
    assert.equal(verifyBytes(key, msg, flipped), false, `bit ${bit}`);
  }
});

Deno.test("kid is the hex SHA-256 of the SPKI DER and survives a PEM round trip", () => {
  const key = generateSigningKey();
  assert.equal(key.kid, toHex(sha256(key.spkiDer)));
  assert.equal(key.spkiDer.length, 44);
  const again = signingKeyFromPem(privateKeyPem(key));
  assert.equal(again.kid, key.kid);
  assert.match(publicKeyPem(key), /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(privateKeyPem(key), /^-----BEGIN PRIVATE KEY-----\n/);
});

Deno.test("writeKeyPair writes a 0600 PKCS#8 key and an SPKI public key and never overwrites", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const written = await writeKeyPair(dir.join("keys"), key, {
    name: "host",
    noteName: "example.org/log",
  });
  assert.equal((await Deno.stat(written.keyPath)).mode! & 0o777, 0o600);
  assert.equal((await loadSigningKey(written.keyPath)).kid, key.kid);
  assert.equal((await loadVerifyingKey(written.pubPath)).kid, key.kid);
  assert.match(written.verifierKey, /^example\.org\/log\+[0-9a-f]{8}\+/);
  await assert.rejects(
    writeKeyPair(dir.join("keys"), generateSigningKey(), { name: "host" }),
    (e: unknown) => e instanceof KeyFileError && e.problem === "EXISTS",
  );
  assert.equal((await loadSigningKey(written.keyPath)).kid, key.kid);
});

Deno.test("loadSigningKey refuses group- or world-accessible key files with the chmod to run", async () => {
  await using dir = await tempDir();
  const { keyPath } = await writeKeyPair(dir.path, generateSigningKey());
  for (const mode of [0o640, 0o604, 0o660, 0o644]) {
    await Deno.chmod(keyPath, mode);
    await assert.rejects(loadSigningKey(keyPath), (e: unknown) => {
      assert.ok(e instanceof KeyFileError);
      assert.equal(e.problem, "MODE");
      assert.equal(e.hint, `run: chmod 600 ${keyPath}`);
      return true;
    });
  }
  await Deno.chmod(keyPath, 0o400);
  await loadSigningKey(keyPath);
  await Deno.writeTextFile(dir.join("bad.key"), "not a key\n", { mode: 0o600 });
  await assert.rejects(
    loadSigningKey(dir.join("bad.key")),
    (e: unknown) => e instanceof KeyFileError && e.problem === "FORMAT",
  );
  await assert.rejects(
    loadSigningKey(dir.join("missing.key")),
    (e: unknown) => e instanceof KeyFileError && e.problem === "NOT_FOUND",
  );
});

Deno.test({
  name: `OpenSSL 3 reads both key files, derives the same kid, and verifies our signatures${
    hasOpenssl ? "" : " (ignored: /usr/bin/openssl not found)"
  }`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const key = generateSigningKey();
    const { keyPath, pubPath } = await writeKeyPair(dir.path, key);
    assert.equal((await openssl(["pkey", "-in", keyPath, "-noout"])).code, 0);
    const der = await openssl(["pkey", "-pubin", "-in", pubPath, "-outform", "DER"]);
    assert.equal(der.code, 0, der.stderr);
    assert.equal(toHex(sha256(der.stdout)), key.kid);
    const msg = new TextEncoder().encode("DSSEv1 4 test 5 hello");
    await Deno.writeFile(dir.join("msg"), msg);
    const ok = await opensslVerifyBytes(pubPath, msg, signBytes(key, msg));
    assert.ok(ok.ok, ok.output);
    // And OpenSSL's signature with our private key file verifies with our code.
    const sig = await openssl([
      "pkeyutl",
      "-sign",
      "-inkey",
      keyPath,
      "-rawin",
      "-in",
      dir.join("msg"),
    ]);
    assert.equal(sig.code, 0, sig.stderr);
    assert.ok(verifyBytes(key, msg, sig.stdout));
  },
});
