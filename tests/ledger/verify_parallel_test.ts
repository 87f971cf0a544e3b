import assert from "node:assert/strict";
import fc from "fast-check";
import { VirtualClock } from "../../lib/base/clock.ts";
import { generateSigningKey, verifyingKeyFromRaw } from "../../lib/ledger/keys.ts";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { leafHex } from "../../lib/ledger/record.ts";
import { keyRotationBody } from "../../lib/ledger/rotation_body.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { VerifyPool } from "../../lib/ledger/verify_parallel.ts";
import type { VerifyReport } from "../../lib/ledger/verify_report.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { defineGroup } from "../../lib/cli/command.ts";
import { runCli } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import { ledgerVerifyCommand } from "../../lib/cli/commands/ledger_verify.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const ORIGIN = "carbon-ops.example/parallel";

/** A temp dir on tmpfs when there is one: the property test rewrites the ledger 10,000 times. */
async function scratchDir(): Promise<{ path: string } & AsyncDisposable> {
  const shm = await Deno.stat("/dev/shm").then((s) => s.isDirectory, () => false);
  const path = await Deno.makeTempDir({
    prefix: "carbon-ops-verify-parallel-",
    dir: shm ? "/dev/shm" : undefined,
  });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/**
 * Genesis, an emission, a note, a correction of the emission, a rotation from key A to key B,
 * and two notes signed by B: every kind of line the verifier treats specially.
 */
async function richLedger(dir: string) {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const l = await buildLedger(dir, {
    records: 2,
    key: a,
    origin: ORIGIN,
    bodies: (seq) =>
      seq === 1
        ? { type: "emission", body: sampleEmission() }
        : { type: "note", body: { text: `n${seq}` } },
  });
  const lines = (await Deno.readTextFile(`${dir}/${LEDGER_JSONL}`)).split("\n");
  const clock = new VirtualClock({ sleep: "manual", wallMs: Date.UTC(2026, 0, 2) });
  {
    await using w = await LedgerWriter.open(dir, { key: a, clock });
    await w.append("correction", {
      supersedes: { seq: 1, leaf: leafHex(new TextEncoder().encode(lines[1])) },
      reason: "meter recalibrated",
    });
    await w.append("key_rotation", keyRotationBody(ORIGIN, { oldKid: a.kid, newKey: b }));
  }
  {
    await using w = await LedgerWriter.open(dir, { key: b, clock });
    await w.append("note", { text: "by b" });
    await w.append("emission", sampleEmission({ co2eG: "1.5" }));
  }
  return { ...l, a, b };
}

Deno.test("parallel verification reports exactly what sequential verification reports on a ledger with a correction and a key rotation", async () => {
  await using dir = await tempDir();
  const l = await richLedger(dir.path);
  const sequential = await verifyLedger(dir.path, { trust: l.trust, useLedgerCheckpoint: false });
  assert.equal(sequential.status, "valid", JSON.stringify(sequential.errors));
  assert.equal(sequential.entries, 7);
  assert.equal(sequential.totals.superseded, 1);
  await using pool = new VerifyPool({ workers: 2 });
  for (const batchLines of [1, 2, 3, 2048]) {
    const parallel = await verifyLedger(dir.path, {
      trust: l.trust,
      useLedgerCheckpoint: false,
      pool,
      batchLines,
    });
    assert.deepEqual(parallel, sequential, `batches of ${batchLines} lines`);
  }
  const own = await verifyLedger(dir.path, { trust: l.trust, useLedgerCheckpoint: false, jobs: 3 });
  assert.deepEqual(own, sequential, "a pool started for the call");
});

Deno.test("parallel verification trusts a rotated-to key the trust file lists as its own object, as sequential does", async () => {
  await using dir = await tempDir();
  const l = await richLedger(dir.path);
  // An auditor's trust file after the rotation: A up to the rotation record, then B. Parsing makes
  // new key objects, distinct from the one the rotation record's body yields.
  const trust = {
    ...l.trust,
    keys: [
      { key: verifyingKeyFromRaw(l.a.publicRaw), role: "both" as const, seqFrom: 0, seqTo: 4 },
      { key: verifyingKeyFromRaw(l.b.publicRaw), role: "both" as const, seqFrom: 5, seqTo: null },
    ],
  };
  const sequential = await verifyLedger(dir.path, { trust, useLedgerCheckpoint: false });
  assert.equal(sequential.status, "valid", JSON.stringify(sequential.errors));
  const parallel = await verifyLedger(dir.path, { trust, useLedgerCheckpoint: false, jobs: 2 });
  assert.deepEqual(parallel, sequential);
});

Deno.test("parallel and sequential verification give identical reports on 10,000 random mutations (property)", async () => {
  await using dir = await scratchDir();
  const l = await richLedger(dir.path);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const original = await Deno.readFile(path);
  const text = new TextDecoder().decode(original);
  const lines = text.slice(0, -1).split("\n");
  await using pool = new VerifyPool({ workers: 1 });
  const byteEdit = fc.record({
    kind: fc.constant("bytes" as const),
    at: fc.nat({ max: original.length - 1 }),
    remove: fc.nat({ max: 4 }),
    insert: fc.uint8Array({ maxLength: 4 }),
  });
  const flip = fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat({ max: original.length - 1 }),
    bit: fc.nat({ max: 7 }),
  });
  const lineEdit = fc.record({
    kind: fc.constantFrom("drop" as const, "dup" as const, "swap" as const),
    at: fc.nat({ max: lines.length - 1 }),
    to: fc.nat({ max: lines.length - 1 }),
  });
  const truncate = fc.record({
    kind: fc.constant("truncate" as const),
    at: fc.nat({ max: original.length }),
  });
  const exits = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(byteEdit, flip, lineEdit, truncate), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 4 }),
      async (edits, batchLines) => {
        let ls = [...lines];
        let bytes = original;
        for (const e of edits) {
          if (e.kind === "drop" || e.kind === "dup" || e.kind === "swap") {
            ls = new TextDecoder().decode(bytes).split("\n");
            const at = Math.min(e.at, ls.length - 1);
            const to = Math.min(e.to, ls.length - 1);
            if (e.kind === "drop") ls.splice(at, 1);
            else if (e.kind === "dup") ls.splice(to, 0, ls[at]);
            else [ls[at], ls[to]] = [ls[to], ls[at]];
            bytes = new TextEncoder().encode(ls.join("\n"));
          } else if (e.kind === "flip") {
            bytes = bytes.slice();
            if (bytes.length > 0) bytes[e.at % bytes.length] ^= 1 << e.bit;
          } else if (e.kind === "truncate") {
            bytes = bytes.subarray(0, Math.min(e.at, bytes.length));
          } else if (e.kind === "bytes") {
            const at = Math.min(e.at, bytes.length);
            bytes = new Uint8Array([
              ...bytes.subarray(0, at),
              ...e.insert,
              ...bytes.subarray(at + e.remove),
            ]);
          }
        }
        await Deno.writeFile(path, bytes);
        const options = { trust: l.trust, useLedgerCheckpoint: false };
        // A line some body check throws on (instead of reporting) must throw in both.
        const outcome = (run: Promise<VerifyReport>) =>
          run.then((report) => ({ report }), (err: Error) => ({
            threw: err.message.startsWith("verify worker failed: ") && err.cause instanceof Error
              ? err.cause.message
              : err.message,
          }));
        const sequential = await outcome(verifyLedger(dir.path, options));
        const parallel = await outcome(verifyLedger(dir.path, { ...options, pool, batchLines }));
        assert.deepEqual(parallel, sequential);
        const exit = "report" in sequential ? sequential.report.exitCode : -1;
        exits.set(exit, (exits.get(exit) ?? 0) + 1);
      },
    ),
    { numRuns: 10_000, seed: 18 },
  );
  // The mutations reach more than one verdict (the comparison is not only of valid ledgers).
  assert.ok((exits.get(1) ?? 0) > 5000, JSON.stringify([...exits]));
  assert.ok(exits.size >= 3, JSON.stringify([...exits]));
});

Deno.test("verification rejects when its pool is closed mid-way, and an aborted verification stops its workers", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, { records: 300 });
  const pool = new VerifyPool({ workers: 1 });
  const running = verifyLedger(dir.path, {
    trust: l.trust,
    useLedgerCheckpoint: false,
    pool,
    batchLines: 1,
  });
  pool.close();
  await assert.rejects(running, /verify pool (is|was) closed/);
  const controller = new AbortController();
  controller.abort(new Error("stop requested"));
  await assert.rejects(
    verifyLedger(dir.path, {
      trust: l.trust,
      useLedgerCheckpoint: false,
      jobs: 2,
      signal: controller.signal,
    }),
    /stop requested/,
  );
  // The test's op sanitizer fails the test if a worker of either call were still running.
});

Deno.test("ledger verify --jobs gives the same JSON report for 1 and 3 jobs and refuses --jobs 0", async () => {
  await using dir = await tempDir();
  const l = await richLedger(dir.path);
  await Deno.writeTextFile(dir.join("trust.json"), l.trustText);
  const commands = [defineGroup("ledger", "Ledger", [ledgerVerifyCommand])];
  const cli = async (...argv: string[]) => {
    const stdout = bufferSink(), stderr = bufferSink();
    const code = await runCli(argv, { commands, stdout, stderr });
    return { code, out: stdout.text(), err: stderr.text() };
  };
  const base = ["ledger", "verify", dir.path, "--trust", dir.join("trust.json"), "--json"];
  const one = await cli(...base, "--jobs", "1");
  const three = await cli(...base, "--jobs", "3");
  assert.equal(one.code, 0, one.err);
  assert.equal(three.out, one.out);
  const zero = await cli(...base, "--jobs", "0");
  assert.equal(zero.code, 2);
  assert.match(zero.err, /--jobs must be >= 1 and <= 1024, got 0/);
});
