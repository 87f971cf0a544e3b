import assert from "node:assert/strict";
import fc from "fast-check";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
// Every verdict is checked with the sequential and the parallel verifier (identical reports).
import { verifyDir } from "../_kit/verify_both.ts";

/** A temp dir on tmpfs when there is one: these tests rewrite the ledger file thousands of times. */
async function scratchDir(): Promise<{ path: string } & AsyncDisposable> {
  const shm = await Deno.stat("/dev/shm").then((s) => s.isDirectory, () => false);
  const path = await Deno.makeTempDir({
    prefix: "carbon-ops-bitflip-",
    dir: shm ? "/dev/shm" : undefined,
  });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Genesis, emission, note, correction-free small records: 5 records in all. */
function fiveRecords(dir: string) {
  return buildLedger(dir, {
    records: 4,
    bodies: (seq) =>
      seq === 1
        ? { type: "emission", body: sampleEmission() }
        : { type: "note", body: { text: `n${seq}` } },
  });
}

// Exhaustive: every single-bit flip and every single-byte deletion of a 5-record ledger
// (genesis, emission, three notes) must never verify as valid (exit 0).
Deno.test("verify never returns exit 0 after any bit flip or byte deletion of a 5-record ledger", async () => {
  await using dir = await scratchDir();
  const l = await fiveRecords(dir.path);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const original = await Deno.readFile(path);
  assert.equal((await verifyDir(dir.path, l.trust)).exitCode, 0);
  const exits = new Map<number, number>();
  let cases = 0;
  const check = async (bytes: Uint8Array, what: string) => {
    await Deno.writeFile(path, bytes);
    const report = await verifyDir(dir.path, l.trust);
    assert.notEqual(report.exitCode, 0, what);
    exits.set(report.exitCode, (exits.get(report.exitCode) ?? 0) + 1);
    cases++;
  };
  for (let i = 0; i < original.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = original.slice();
      flipped[i] ^= 1 << bit;
      await check(flipped, `flip byte ${i} bit ${bit}`);
    }
    await check(
      new Uint8Array([...original.subarray(0, i), ...original.subarray(i + 1)]),
      `delete byte ${i}`,
    );
  }
  assert.equal(cases, original.length * 9);
  // Deleting the final newline is the only way to get a torn-line verdict from one edit.
  assert.ok((exits.get(5) ?? 0) >= 1);
  assert.ok((exits.get(1) ?? 0) > cases * 0.9, JSON.stringify([...exits]));
});

Deno.test("verify never returns exit 0 after random multi-byte edits (property)", async () => {
  await using dir = await scratchDir();
  const l = await fiveRecords(dir.path);
  const path = `${dir.path}/${LEDGER_JSONL}`;
  const original = await Deno.readFile(path);
  const edit = fc.record({
    at: fc.nat({ max: original.length - 1 }),
    remove: fc.nat({ max: 8 }),
    insert: fc.uint8Array({ maxLength: 8 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
      let bytes = original;
      for (const e of edits) {
        const at = Math.min(e.at, bytes.length);
        bytes = new Uint8Array([
          ...bytes.subarray(0, at),
          ...e.insert,
          ...bytes.subarray(at + e.remove),
        ]);
      }
      if (bytes.length === original.length && bytes.every((b, i) => b === original[i])) return;
      await Deno.writeFile(path, bytes);
      assert.notEqual((await verifyDir(dir.path, l.trust)).exitCode, 0);
    }),
    { numRuns: 500 },
  );
});
