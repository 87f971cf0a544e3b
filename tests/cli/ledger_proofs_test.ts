import assert from "node:assert/strict";
import fc from "fast-check";
import { Buffer } from "node:buffer";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { privateKeyPem, signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { consistencyProof } from "../../lib/ledger/merkle_proofs.ts";
import { leafHash, rootOf } from "../../lib/ledger/merkle.ts";
import { verifyConsistency } from "../../lib/ledger/merkle_verify.ts";
import { parseProofBundle } from "../../lib/ledger/proof_bundle.ts";
import { ProofError, proveInclusion } from "../../lib/ledger/prove.ts";
import { verifyRecordProof } from "../../lib/ledger/verify_proof.ts";
import { cosign, witnessVkey } from "../../lib/ledger/witness.ts";
import { parseTrustFile, trustFileText } from "../../lib/ledger/trust.ts";
import { smallLedger } from "../_kit/small_ledger.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const KEY = signingKeyFromSeed(new Uint8Array(32).fill(11));
const WITNESS = signingKeyFromSeed(new Uint8Array(32).fill(12));

async function ledgerLines(dir: string): Promise<Uint8Array[]> {
  const text = await Deno.readFile(`${dir}/ledger.jsonl`);
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, start)) {
    out.push(text.slice(start, i));
    start = i + 1;
  }
  return out;
}

async function setup(records: number) {
  const dir = await tempDir();
  const ledger = dir.join("ledger");
  const built = await smallLedger(ledger, { records, key: KEY });
  await writeCheckpoint(ledger, KEY);
  const keyPath = dir.join("ledger.key");
  await Deno.writeTextFile(keyPath, privateKeyPem(KEY), { mode: 0o600 });
  const trustPath = dir.join("trust.json");
  await Deno.writeTextFile(trustPath, built.trustText);
  return { dir, ledger, keyPath, trustPath, trustText: built.trustText };
}

Deno.test("ledger proofs: every record's bundle verifies in-process and fails for any other line", async () => {
  const s = await setup(20);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  const trust = parseTrustFile(s.trustText);
  for (let seq = 0; seq < lines.length; seq++) {
    const { bundle } = await proveInclusion(s.ledger, { seq });
    const r = verifyRecordProof(lines[seq], { bundle, trust });
    assert.ok(r.ok, JSON.stringify(r.problems));
    const other = verifyRecordProof(lines[(seq + 1) % lines.length], { bundle, trust });
    assert.ok(
      !other.ok &&
        other.problems.some((p) => p.code === "INDEX_MISMATCH" || p.code === "INCLUSION_FAILED"),
    );
  }
  await assert.rejects(proveInclusion(s.ledger, { seq: 21 }), ProofError);
});

Deno.test("ledger proofs: prove refuses with exit 3 when the ledger no longer matches its checkpoint", async () => {
  const s = await setup(6);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  // Truncate by two records: the checkpoint (size 7) is ahead of the ledger.
  await Deno.writeFile(
    `${s.ledger}/ledger.jsonl`,
    new Uint8Array([...lines.slice(0, 5).flatMap((l) => [...l, 10])]),
  );
  const err = await proveInclusion(s.ledger, { seq: 1 }).catch((e) => e);
  assert.ok(
    err instanceof ProofError && err.reason === "LEDGER_BEHIND_CHECKPOINT" && err.exitCode === 3,
  );
  // Same length, one record replaced: the root differs.
  const swapped = [...lines];
  swapped[3] = lines[4];
  await Deno.writeFile(
    `${s.ledger}/ledger.jsonl`,
    new Uint8Array(swapped.flatMap((l) => [...l, 10])),
  );
  // The cache still covers the old bytes, so the proof matches the checkpoint; but the record
  // now in the file is not the checkpointed one, and giving it out is refused.
  const err2 = await proveInclusion(s.ledger, { seq: 3, withRecord: true }).catch((e) => e);
  assert.ok(err2 instanceof ProofError && err2.reason === "ROOT_MISMATCH", String(err2));
  // Without a cache, the rebuilt tree does not match the checkpoint root at all.
  await Deno.remove(`${s.ledger}/cache`, { recursive: true });
  const err3 = await proveInclusion(s.ledger, { seq: 1 }).catch((e) => e);
  assert.ok(
    err3 instanceof ProofError && err3.reason === "ROOT_MISMATCH" && err3.exitCode === 3,
    String(err3),
  );
});

Deno.test("ledger proofs CLI: prove, verify-proof, tampering and untrusted keys give their exit codes", async () => {
  const s = await setup(9);
  await using _ = s.dir;
  const bundlePath = s.dir.join("r5.tlog-proof");
  const recordPath = s.dir.join("r5.json");
  const prove = await runCli([
    "ledger",
    "prove",
    s.ledger,
    "--seq",
    "5",
    "--out",
    bundlePath,
    "--record-out",
    recordPath,
  ]);
  assert.equal(prove.code, 0, prove.stderr);
  const bundle = await Deno.readTextFile(bundlePath);
  assert.equal(bundle.split("\n")[0], "c2sp.org/tlog-proof@v1");
  assert.equal(parseProofBundle(bundle).index, 5);
  const ok = await runCli([
    "ledger",
    "verify-proof",
    recordPath,
    bundlePath,
    "--trust",
    s.trustPath,
    "--json",
  ]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(ok.stdout).status, "verified");
  // The record edited (re-canonical but different) -> invalid, exit 1.
  const line = await Deno.readTextFile(recordPath);
  await Deno.writeTextFile(recordPath, line.replace('"ts":"2026', '"ts":"2027'));
  const edited = await runCli([
    "ledger",
    "verify-proof",
    recordPath,
    bundlePath,
    "--trust",
    s.trustPath,
  ]);
  assert.equal(edited.code, 1, edited.stdout);
  assert.match(edited.stdout, /BAD_SIGNATURE|INCLUSION_FAILED/);
  await Deno.writeTextFile(recordPath, line);
  // A well-formed trust file naming another key -> checkpoint and record untrusted, exit 4.
  const trusted = parseTrustFile(s.trustText);
  const otherTrust = trustFileText({
    origin: trusted.origin,
    keys: [{
      key: signingKeyFromSeed(new Uint8Array(32).fill(7)),
      role: "both",
      seqFrom: 0,
      seqTo: null,
    }],
  });
  const badTrust = s.dir.join("bad-trust.json");
  await Deno.writeTextFile(badTrust, otherTrust);
  const untrusted = await runCli([
    "ledger",
    "verify-proof",
    recordPath,
    bundlePath,
    "--trust",
    badTrust,
  ]);
  assert.equal(untrusted.code, 4);
  // A malformed trust file (a kid that is not its key's) -> exit 2, as in `ledger verify`.
  const malformed = s.dir.join("malformed-trust.json");
  await Deno.writeTextFile(
    malformed,
    s.trustText.replace(/"kid": "[0-9a-f]+"/, `"kid": "${"0".repeat(64)}"`),
  );
  const malformedRun = await runCli([
    "ledger",
    "verify-proof",
    recordPath,
    bundlePath,
    "--trust",
    malformed,
  ]);
  assert.equal(malformedRun.code, 2, malformedRun.stderr);
  // A malformed bundle -> 1; missing --trust -> 2; record not yet checkpointed -> 1.
  await Deno.writeTextFile(bundlePath, bundle.replace("index 5", "index 05"));
  assert.equal(
    (await runCli(["ledger", "verify-proof", recordPath, bundlePath, "--trust", s.trustPath])).code,
    1,
  );
  assert.equal((await runCli(["ledger", "verify-proof", recordPath, bundlePath])).code, 2);
  assert.equal((await runCli(["ledger", "prove", s.ledger, "--seq", "10"])).code, 1);
});

Deno.test("ledger proofs CLI: consistency and witness-request from an old checkpoint", async () => {
  const s = await setup(4);
  await using _ = s.dir;
  const oldNote = await Deno.readTextFile(`${s.ledger}/checkpoint`);
  const oldPath = s.dir.join("old.note");
  await Deno.writeTextFile(oldPath, oldNote);
  const more = await buildLedgerAppend(s.ledger, 7);
  void more;
  await writeCheckpoint(s.ledger, KEY);
  const c = await runCli(["ledger", "consistency", s.ledger, "--from", oldPath, "--json"]);
  assert.equal(c.code, 0, c.stderr);
  const j = JSON.parse(c.stdout);
  assert.equal(j.old_size, 5);
  assert.equal(j.new_size, 12);
  const leaves = (await ledgerLines(s.ledger)).map(leafHash);
  const expected = consistencyProof(leaves, { size1: 5 }).map((h) =>
    Buffer.from(h).toString("base64")
  );
  assert.deepEqual(j.proof, expected);
  const v = verifyConsistency({
    size1: 5,
    size2: 12,
    root1: rootOf(leaves.slice(0, 5)),
    root2: rootOf(leaves),
    proof: j.proof.map((b: string) => new Uint8Array(Buffer.from(b, "base64"))),
  });
  assert.ok(v.ok);
  const w = await runCli(["ledger", "witness-request", s.ledger, "--from", oldPath]);
  assert.equal(w.code, 0, w.stderr);
  const latest = await Deno.readTextFile(`${s.ledger}/checkpoint`);
  assert.equal(w.stdout, ["old 5", ...expected, ""].join("\n") + "\n" + latest);
  const first = await runCli(["ledger", "witness-request", s.ledger, "--first"]);
  assert.equal(first.stdout, "old 0\n\n" + latest);
  // A forked old checkpoint: same size, different root -> exit 3.
  const forked = oldNote.replace(
    /\n5\n[^\n]+\n/,
    `\n5\n${Buffer.alloc(32, 7).toString("base64")}\n`,
  );
  await Deno.writeTextFile(oldPath, forked);
  assert.equal((await runCli(["ledger", "consistency", s.ledger, "--from", oldPath])).code, 3);
});

Deno.test("ledger proofs: witness quorum in the trust file gates verify-proof", async () => {
  const s = await setup(3);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  const { bundle } = await proveInclusion(s.ledger, { seq: 2 });
  const trustJson = JSON.parse(s.trustText);
  trustJson.witnesses = [{ vkey: witnessVkey("witness.example/w1", WITNESS) }];
  trustJson.witness_quorum = 1;
  const text = JSON.stringify(trustJson);
  const trust = parseTrustFile(text);
  const unwitnessed = verifyRecordProof(lines[2], { bundle, trust });
  assert.equal(unwitnessed.exitCode, 4);
  assert.ok(unwitnessed.problems.some((p) => p.code === "WITNESS_QUORUM"));
  const parsed = parseProofBundle(bundle);
  const noteText = parsed.checkpoint.slice(0, parsed.checkpoint.indexOf("\n\n") + 1);
  const cosig = cosign(noteText, {
    name: "witness.example/w1",
    key: WITNESS,
    timestamp: 1_800_000_000n,
  });
  const witnessed = bundle + cosig;
  const r = verifyRecordProof(lines[2], { bundle: witnessed, trust });
  assert.ok(r.ok, JSON.stringify(r.problems));
  assert.equal(r.witnesses?.valid.length, 1);
});

/** Appends `n` note records to an existing ledger with the fixture's exact line rules. */
async function buildLedgerAppend(dir: string, n: number): Promise<void> {
  const { LedgerWriter } = await import("../../lib/ledger/writer.ts");
  await using w = await LedgerWriter.open(dir, { key: KEY });
  for (let i = 0; i < n; i++) await w.append("note", { text: `more ${i}` });
}

Deno.test("ledger proofs: archived checkpoints with --size, including the one-record tree", async () => {
  const s = await setup(5);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  const trust = parseTrustFile(s.trustText);
  // ledger init archived the size-1 checkpoint: the proof of record 0 has no hashes at all.
  const one = await proveInclusion(s.ledger, { seq: 0, size: 1 });
  assert.equal(one.proof.length, 0);
  assert.equal(one.bundle.split("\n").slice(0, 3).join("|"), "c2sp.org/tlog-proof@v1|index 0|");
  assert.ok(verifyRecordProof(lines[0], { bundle: one.bundle, trust }).ok);
  const err = await proveInclusion(s.ledger, { seq: 1, size: 1 }).catch((e) => e);
  assert.ok(err instanceof ProofError && err.reason === "NOT_IN_CHECKPOINT");
  const missing = await proveInclusion(s.ledger, { seq: 0, size: 4 }).catch((e) => e);
  assert.ok(missing instanceof ProofError && missing.reason === "NO_CHECKPOINT");
  const cli = await runCli(["ledger", "prove", s.ledger, "--seq", "0", "--size", "1", "--json"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout).proof, []);
});

Deno.test("ledger proofs CLI: concurrent provers share the cache without corrupting it", async () => {
  const s = await setup(40);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  const trust = parseTrustFile(s.trustText);
  const runs = await Promise.all(
    [3, 17, 29, 40, 8, 22].map((seq) =>
      runCli(["ledger", "prove", s.ledger, "--seq", String(seq), "--json"])
    ),
  );
  for (const [i, seq] of [3, 17, 29, 40, 8, 22].entries()) {
    assert.equal(runs[i].code, 0, runs[i].stderr);
    const bundle = JSON.parse(runs[i].stdout).bundle;
    assert.ok(verifyRecordProof(lines[seq], { bundle, trust }).ok, `seq ${seq}`);
  }
  const state = JSON.parse(await Deno.readTextFile(`${s.ledger}/cache/tree-state.json`));
  assert.equal(state.size, 41);
});

Deno.test("ledger proofs: verifyRecordProof reports, never throws, and never accepts a mutated bundle", async () => {
  const s = await setup(6);
  await using _ = s.dir;
  const lines = await ledgerLines(s.ledger);
  const trust = parseTrustFile(s.trustText);
  const { bundle } = await proveInclusion(s.ledger, { seq: 5 });
  const mutations = fc.tuple(
    fc.nat(bundle.length - 1),
    fc.string({ minLength: 1, maxLength: 3 }),
    fc.nat(2),
  )
    .map(([at, ins, del]) => bundle.slice(0, at) + ins + bundle.slice(at + del))
    .filter((b) => b !== bundle);
  fc.assert(
    fc.property(mutations, (b) => {
      const r = verifyRecordProof(lines[5], { bundle: b, trust });
      // The only harmless edits are in unauthenticated places: signature lines by unknown keys.
      if (r.ok) {
        const [got, want] = [parseProofBundle(b), parseProofBundle(bundle)];
        const text = (n: string) => n.slice(0, n.indexOf("\n\n"));
        assert.equal(got.index, want.index);
        assert.deepEqual(got.proof, want.proof);
        assert.equal(
          text(got.checkpoint),
          text(want.checkpoint),
          "signed text changed but accepted",
        );
      } else assert.ok(r.problems.length > 0 && [1, 4].includes(r.exitCode));
    }),
    { numRuns: 400 },
  );
});
