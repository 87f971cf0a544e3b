import assert from "node:assert/strict";
import { signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { parseTrustFile, TrustFileError } from "../../lib/ledger/trust.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { cosign, witnessVkey } from "../../lib/ledger/witness.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const KEY = signingKeyFromSeed(new Uint8Array(32).fill(41));
const W1 = signingKeyFromSeed(new Uint8Array(32).fill(42));
const W2 = signingKeyFromSeed(new Uint8Array(32).fill(43));

Deno.test("ledger verify applies the trust file's k-of-n witness policy to given checkpoints", async () => {
  await using dir = await tempDir();
  const init = await smallLedger(dir.path, { records: 3, key: KEY });
  const json = JSON.parse(init.trustText);
  json.witnesses = [{ vkey: witnessVkey("w1.example", W1) }, {
    vkey: witnessVkey("w2.example", W2),
  }];
  json.witness_quorum = 2;
  const trust = parseTrustFile(JSON.stringify(json));
  assert.equal(trust.witnesses?.length, 2);
  const note = await Deno.readTextFile(`${dir.path}/checkpoint`);
  const text = note.slice(0, note.indexOf("\n\n") + 1);
  const sig = (name: string, key: typeof W1) =>
    cosign(text, { name, key, timestamp: 1_800_000_000n });
  const run = (n: string) =>
    verifyLedger(dir.path, { trust, checkpoints: [{ source: "anchor", note: n }] });
  // The ledger's own checkpoint is not cosigned: a warning, not an error.
  const own = await verifyLedger(dir.path, { trust });
  assert.equal(own.exitCode, 0);
  assert.ok(own.warnings.some((w) => w.code === "WITNESS_QUORUM"));
  const one = await run(note + sig("w1.example", W1));
  assert.equal(one.exitCode, 4);
  assert.deepEqual(one.errors.map((e) => e.code), ["WITNESS_QUORUM"]);
  const two = await run(note + sig("w1.example", W1) + sig("w2.example", W2));
  assert.equal(two.exitCode, 0, JSON.stringify(two.errors));
  // A cosignature by a trusted witness over another text does not verify: integrity error.
  const wrong = cosign("other.example/log\n" + text.split("\n").slice(1).join("\n"), {
    name: "w2.example",
    key: W2,
    timestamp: 1n,
  });
  const bad = await run(note + sig("w1.example", W1) + wrong);
  assert.equal(bad.exitCode, 1);
  assert.ok(bad.errors.some((e) => e.code === "WITNESS_BAD_COSIGNATURE"));
  // Malformed policies are refused when the trust file is read.
  assert.throws(
    () => parseTrustFile(JSON.stringify({ ...json, witness_quorum: 3 })),
    TrustFileError,
  );
  assert.throws(
    () => parseTrustFile(JSON.stringify({ ...json, witnesses: [{ vkey: "x" }] })),
    TrustFileError,
  );
  // Without witnesses in the trust file nothing changes.
  const plain = await verifyLedger(dir.path, {
    trust: init.trust,
    checkpoints: [{ source: "anchor", note }],
  });
  assert.equal(plain.exitCode, 0);
  assert.ok(!plain.warnings.some((w) => w.code === "WITNESS_QUORUM"));
});
