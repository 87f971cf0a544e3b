import assert from "node:assert/strict";
import { leafHex } from "../../lib/ledger/record.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { readReportPass } from "../../lib/report/report_pass.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildReportLedger } from "../_kit/report_fixture.ts";

Deno.test("the report's pass reads the lines the verifier checks: same count and Merkle root", async () => {
  await using dir = await tempDir();
  const built = await buildReportLedger(dir.path, 120);
  const lines = (await Deno.readTextFile(dir.join("ledger.jsonl"))).split("\n");
  {
    await using writer = await LedgerWriter.open(dir.path, { key: built.key });
    await writer.append("correction", {
      supersedes: { seq: 5, leaf: leafHex(new TextEncoder().encode(lines[5])) },
      reason: "wrong region",
    });
  }
  const report = await verifyLedger(dir.path, { trust: built.trust });
  assert.equal(report.status, "valid");
  // Tiny chunks: lines span chunk boundaries, and the correction's target is re-read.
  const pass = await readReportPass(dir.path, { merkle: true, chunkBytes: 999 });
  assert.equal(pass.entries, report.entries);
  assert.equal(pass.root, report.head?.root);
  assert.equal(pass.data.emissions, 119);
  assert.equal(pass.data.superseded, 1);
  assert.equal(pass.data.totalCo2eG, report.totals.co2eG);
  assert.equal(pass.data.totalEnergyKwh, report.totals.energyKwh);
  // Without `merkle` nothing is hashed; the figures are the same.
  const plain = await readReportPass(dir.path);
  assert.equal(plain.root, null);
  assert.deepEqual(plain.data, pass.data);
});

Deno.test("the report's pass stops after maxLines and its root is the root of those lines", async () => {
  await using dir = await tempDir();
  await using prefix = await tempDir();
  const built = await buildReportLedger(dir.path, 30);
  const text = await Deno.readTextFile(dir.join("ledger.jsonl"));
  // The same ledger cut after 11 lines: what the verifier would have seen before 20 appends.
  await Deno.copyFile(dir.join("trust.json"), prefix.join("trust.json"));
  await Deno.writeTextFile(
    prefix.join("ledger.jsonl"),
    text.split("\n").slice(0, 11).map((l) => l + "\n").join(""),
  );
  const cut = await verifyLedger(prefix.path, { trust: built.trust, useLedgerCheckpoint: false });
  const pass = await readReportPass(dir.path, { merkle: true, maxLines: 11 });
  assert.equal(pass.entries, 11);
  assert.equal(cut.entries, 11);
  assert.equal(pass.root, cut.head?.root);
  assert.equal(pass.data.emissions, 10);
  const whole = await readReportPass(dir.path, { merkle: true });
  assert.notEqual(whole.root, pass.root);
});

Deno.test("the report's pass leaves a torn last line out of its lines and root, as verify does", async () => {
  await using dir = await tempDir();
  const built = await buildReportLedger(dir.path, 12);
  await Deno.writeTextFile(dir.join("ledger.jsonl"), '{"body":{"co2', { append: true });
  const report = await verifyLedger(dir.path, { trust: built.trust });
  assert.equal(report.status, "torn");
  const pass = await readReportPass(dir.path, { merkle: true });
  assert.equal(pass.entries, 13);
  assert.equal(pass.root, report.head?.root);
  assert.equal(pass.data.unreadable, 1);
  assert.equal(pass.data.emissions, 12);
});

Deno.test("the report's pass keeps the records table's last rows by line and reads them back", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 25);
  const pass = await readReportPass(dir.path, { tableRows: 4, chunkBytes: 512 });
  assert.deepEqual(pass.data.head.map((r) => r.seq), [1, 2, 3, 4]);
  assert.deepEqual(pass.data.tail.map((r) => r.seq), [22, 23, 24, 25]);
  assert.ok(pass.data.tail.every((r) => /^2025-/.test(r.start) && r.co2eG !== ""));
});
