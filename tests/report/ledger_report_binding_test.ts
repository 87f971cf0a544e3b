/**
 * The report with --trust: verification and the report's own pass run at the same time and are
 * bound by the Merkle root of the lines read. A ledger that changes between the two passes is
 * simulated by giving the pass another file (`linesPath`), never by timing.
 */

import assert from "node:assert/strict";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { leafHex } from "../../lib/ledger/record.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { buildLedgerReport } from "../../lib/report/ledger_report_data.ts";
import { renderLedgerReport } from "../../lib/report/ledger_report.ts";
import { buildLedger } from "../_kit/ledger_fixture.ts";
import { buildReportLedger } from "../_kit/report_fixture.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const NOW = Date.UTC(2026, 0, 1);

/** A report ledger with two corrections and a checkpoint. */
async function fixture(dir: string, emissions: number) {
  const built = await buildReportLedger(dir, emissions);
  const lines = (await Deno.readTextFile(`${dir}/ledger.jsonl`)).split("\n");
  {
    await using writer = await LedgerWriter.open(dir, { key: built.key });
    for (const seq of [3, 8]) {
      await writer.append("correction", {
        supersedes: { seq, leaf: leafHex(new TextEncoder().encode(lines[seq])) },
        reason: `correction of ${seq}`,
      });
    }
  }
  await writeCheckpoint(dir, built.key);
  return built;
}

Deno.test("the concurrent report equals verify then the report's pass, one after the other", async () => {
  await using dir = await tempDir();
  const built = await fixture(dir.path, 300);
  // Sequential: the verifier alone, then the figures alone (no trust, no hashing).
  const verified = await verifyLedger(dir.path, { trust: built.trust, useLedgerCheckpoint: true });
  const figures = await buildLedgerReport(dir.path, { nowMs: NOW });
  for (const verifyJobs of [1, 2]) {
    const both = await buildLedgerReport(dir.path, { trust: built.trust, nowMs: NOW, verifyJobs });
    assert.deepEqual(both.data, figures.data, `figures, ${verifyJobs} job(s)`);
    assert.deepEqual(both.total, figures.total);
    const v = both.verdict!;
    assert.equal(v.status, "valid");
    assert.equal(v.entries, verified.entries);
    assert.equal(v.root, verified.head?.root);
    assert.deepEqual(
      v.checkpoints,
      verified.checkpoints.map((c) => ({ ...c })).map((c) => ({
        source: c.source,
        size: c.size,
        status: c.status,
      })),
    );
    assert.deepEqual(v.keys, verified.keys.map((k) => ({ ...k })));
    const html = renderLedgerReport(both);
    assert.match(html, /id="verdict" class="verdict valid" data-status="valid">/);
    assert.ok(
      html.includes(`read from exactly the 303 verified lines: Merkle root <code>${v.root}</code>`),
    );
  }
  assert.equal(figures.data.superseded, 2);
});

Deno.test("the concurrent report equals the sequential one on a ledger of notes and emissions", async () => {
  await using dir = await tempDir();
  const built = await buildLedger(dir.path, { records: 2500 });
  const one = await buildLedgerReport(dir.path, { trust: built.trust, nowMs: NOW, verifyJobs: 1 });
  const two = await buildLedgerReport(dir.path, { trust: built.trust, nowMs: NOW, verifyJobs: 2 });
  assert.equal(renderLedgerReport(one), renderLedgerReport(two));
  assert.equal(one.data.emissions, 1250);
  assert.deepEqual(one.data.byType, { genesis: 1, emission: 1250, note: 1250 });
  assert.equal(one.verdict?.entries, 2501);
});

Deno.test("a ledger rewritten between the passes is refused: the figures are not the verified lines", async () => {
  await using dir = await tempDir();
  await using other = await tempDir();
  const built = await fixture(dir.path, 40);
  const text = await Deno.readTextFile(dir.join("ledger.jsonl"));
  // Same number of lines, one amount changed: what a rewrite between the passes looks like.
  const changed = text.replace('"co2e_g":"', '"co2e_g":"1');
  assert.notEqual(changed, text);
  await Deno.writeTextFile(other.join("ledger.jsonl"), changed);
  await assert.rejects(
    buildLedgerReport(dir.path, { trust: built.trust, linesPath: other.join("ledger.jsonl") }),
    (e: Error) =>
      /changed while the report was made: the verifier checked 43 lines \(Merkle root [A-Za-z0-9+/=]{44}\) but the report read 43 lines/
        .test(e.message) && /no page was written/.test(e.message),
  );
  // The same file is accepted: the check itself is not what fails.
  const ok = await buildLedgerReport(dir.path, {
    trust: built.trust,
    linesPath: dir.join("ledger.jsonl"),
  });
  assert.equal(ok.verdict?.status, "valid");
});

Deno.test("a ledger cut short between the passes is refused", async () => {
  await using dir = await tempDir();
  await using other = await tempDir();
  const built = await fixture(dir.path, 40);
  const lines = (await Deno.readTextFile(dir.join("ledger.jsonl"))).split("\n");
  await Deno.writeTextFile(other.join("ledger.jsonl"), lines.slice(0, 30).join("\n") + "\n");
  await assert.rejects(
    buildLedgerReport(dir.path, { trust: built.trust, linesPath: other.join("ledger.jsonl") }),
    /changed while the report was made: the verifier checked 43 lines .* but the report read 30 lines/,
  );
});

Deno.test("a ledger appended to between the passes shows exactly the verified lines", async () => {
  await using dir = await tempDir();
  await using grown = await tempDir();
  const built = await fixture(dir.path, 40);
  // A copy of the ledger with 5 more records: the pass sees more lines than the verifier did,
  // reads again only the verified ones, and their root matches.
  for (const name of ["ledger.jsonl", "ledger.lock", "trust.json", "checkpoint"]) {
    await Deno.copyFile(dir.join(name), grown.join(name));
  }
  {
    await using writer = await LedgerWriter.open(grown.path, { key: built.key });
    for (let i = 0; i < 5; i++) await writer.append("note", { text: `later ${i}` });
  }
  const model = await buildLedgerReport(dir.path, {
    trust: built.trust,
    nowMs: NOW,
    linesPath: grown.join("ledger.jsonl"),
  });
  const alone = await buildLedgerReport(dir.path, { nowMs: NOW });
  assert.deepEqual(model.data, alone.data);
  assert.equal(model.data.lines, 43);
  assert.equal(model.verdict?.entries, 43);
  assert.equal(model.data.byType.note, undefined);
});

Deno.test("a tampered ledger still gives the page with the verdict not valid", async () => {
  await using dir = await tempDir();
  const built = await fixture(dir.path, 40);
  const text = await Deno.readTextFile(dir.join("ledger.jsonl"));
  await Deno.writeTextFile(dir.join("ledger.jsonl"), text.replace('"co2e_g":"', '"co2e_g":"1'));
  for (const verifyJobs of [1, 2]) {
    const model = await buildLedgerReport(dir.path, { trust: built.trust, verifyJobs });
    assert.equal(model.verdict?.status, "invalid");
    assert.ok(model.verdict?.errors.some((e) => e.startsWith("BAD_SIGNATURE at seq 1")));
    const html = renderLedgerReport(model);
    assert.match(
      html,
      /id="verdict" class="verdict bad" data-status="invalid">Verification: INVALID/,
    );
  }
});
