import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { loadTrustFile } from "../../lib/ledger/trust.ts";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { buildLedgerReport } from "../../lib/report/ledger_report_data.ts";
import { emptyReportModel, renderLedgerReport } from "../../lib/report/ledger_report.ts";
import { buildReportLedger } from "../_kit/report_fixture.ts";

Deno.test("ledger report renders a page with no external resources and escapes text", () => {
  const html = renderLedgerReport({ ...emptyReportModel(), origin: "o<rigin>" });
  assert.ok(!/\b(src|href)=["']?https?:/i.test(html), "no network references");
  assert.ok(!/<script/i.test(html), "no scripts");
  assert.match(html, /o&lt;rigin&gt;/);
  assert.match(html, /not verified: no trust file was given/);
  assert.match(html, /no emission records/);
});

Deno.test("ledger report of 50,000 records is written without a stack overflow (issue 16)", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 50_000);
  const html = dir.join("report.html");
  const r = await runCli(["ledger", "report", dir.path, "--html", html, "--rows", "20"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /50000 emission records, not verified/);
  const page = await Deno.readTextFile(html);
  assert.match(page, /50000 emission records: the first 20 and the last 20 are shown, 49960/);
  assert.ok(page.length < 1_000_000, `the page stays small: ${page.length} bytes`);
  // A year of activity is drawn in weekly buckets: about 53 stacked bars per group.
  assert.match(page, /activity start \(UTC\), weekly buckets/);
});

Deno.test("ledger report shows totals with intervals, the verdict, keys and the factors", async () => {
  await using dir = await tempDir();
  const built = await buildReportLedger(dir.path, 40);
  await writeCheckpoint(dir.path, built.key);
  const trust = await loadTrustFile(dir.join("trust.json"));
  const model = await buildLedgerReport(dir.path, { trust, nowMs: Date.UTC(2026, 0, 1) });
  const html = renderLedgerReport(model);
  assert.match(
    html,
    /id="total-operational">3\.2 kg \(95% interval [0-9.]+ to [0-9.]+ kg\)</,
  );
  assert.match(html, /exact sum 3198\.30943 g/);
  assert.match(html, /id="verdict" class="verdict valid" data-status="valid">Verification: VALID/);
  assert.ok(html.includes(built.key.kid), "the trust key id is named");
  assert.match(html, /checkpoint: consistent \(size 41\)/);
  assert.match(html, /<td>FR<\/td><td class="n">56<\/td><td>gCO2e\/kWh<\/td><td>Ember<\/td>/);
  assert.match(html, /GHG Protocol Scope 2, location-based/);
  assert.match(html, /GHG Protocol Scope 3 category 1/);
  assert.match(html, /Period covered<\/dt><dd id="period">2025-01-01T00:00:00Z to 2025-12-2/);
  assert.match(html, /<b id="groups">2<\/b> correlation group/);
  assert.match(html, /All 40 emission records\./);
  // The chart is stacked by team by default.
  assert.match(html, /Emissions per week by team/);
  assert.equal(
    renderLedgerReport(await buildLedgerReport(dir.path, { trust, nowMs: Date.UTC(2026, 0, 1) })),
    html,
    "the same ledger gives the same page (seeded Monte Carlo)",
  );
});

Deno.test("ledger report refuses a bad --stack-by or --rows with exit 2", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 2);
  const html = dir.join("r.html");
  const bad = await runCli(["ledger", "report", dir.path, "--html", html, "--stack-by", "colour"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--stack-by must be category, region, evidence, month or label:KEY/);
  assert.equal(
    (await runCli(["ledger", "report", dir.path, "--html", html, "--rows", "0"])).code,
    2,
  );
  const ok = await runCli(["ledger", "report", dir.path, "--html", html, "--stack-by", "region"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(await Deno.readTextFile(html), /Emissions per (day|week) by region/);
});
