/**
 * The HTML ledger report in a real headless Chromium (issue 16): screenshots at 40 and 100,000
 * records saved as test artefacts, assertions on what the page shows (verdict, totals with
 * intervals, the factor table, dates on the chart axes), and the verdict turning invalid after a
 * record is tampered with. Artefacts (PNG screenshots and the pages) go to
 * $CARBON_OPS_TEST_ARTIFACTS/report/, by default /tmp/carbon-ops-test-artifacts/report/: outside
 * the repository, so `deno fmt` and git never see them; CI uploads that folder.
 */

import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { buildReportLedger } from "../_kit/report_fixture.ts";

const chromium = ["chromium", "chromium-browser"].map((name) =>
  (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":").map((d) => `${d}/${name}`)
).flat().find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

const ARTIFACTS = `${
  Deno.env.get("CARBON_OPS_TEST_ARTIFACTS") ??
    `${Deno.env.get("TMPDIR") ?? "/tmp"}/carbon-ops-test-artifacts`
}/report`;
const WIDTH = 1100;
const HEIGHT = 4200;

async function chromiumRun(args: string[]): Promise<string> {
  await using profile = await tempDir("carbon-ops-chromium-");
  const out = await new Deno.Command(chromium!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--hide-scrollbars",
      `--user-data-dir=${profile.path}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(120_000),
  }).output();
  assert.equal(out.code, 0, `chromium ${args.join(" ")} ran`);
  return new TextDecoder().decode(out.stdout);
}

/** The page's DOM as Chromium parsed it, and a full-height screenshot saved as `name`.png. */
async function openInChromium(htmlPath: string, name: string): Promise<string> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  const png = `${ARTIFACTS}/${name}.png`;
  await Deno.remove(png).catch(() => {});
  await chromiumRun([
    `--window-size=${WIDTH},${HEIGHT}`,
    `--screenshot=${png}`,
    `file://${htmlPath}`,
  ]);
  const bytes = await Deno.readFile(png);
  assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${png} is a PNG`);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getUint32(16), WIDTH, "screenshot width");
  assert.ok(bytes.length > 40_000, `${png} shows a rendered page (${bytes.length} bytes)`);
  await Deno.copyFile(htmlPath, `${ARTIFACTS}/${name}.html`);
  return await chromiumRun(["--dump-dom", `file://${htmlPath}`]);
}

/** Text content of the element with `id` in a serialized DOM (tags dropped, entities kept). */
function textOf(dom: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</(span|div|dd|table|ul|p)>`).exec(dom);
  assert.ok(m, `#${id} is on the page`);
  return m[1].replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

function assertReadablePage(dom: string, emissions: number) {
  assert.match(dom, /id="verdict" class="verdict valid" data-status="valid">Verification: VALID/);
  assert.match(
    textOf(dom, "total-operational"),
    /^[0-9.]+ (g|kg|t) \(95% interval [0-9.]+ to [0-9.]+ (g|kg|t)\)$/,
  );
  assert.match(textOf(dom, "checked"), /trust key ids [0-9a-f]{64} seq 0\.\./);
  const factors = textOf(dom, "factors");
  for (const f of ["FR 56 gCO2e/kWh Ember 2025 2024", "DE 380", "eu-west-1 290"]) {
    assert.ok(factors.includes(f), `factor table names ${f}: ${factors}`);
  }
  for (const chart of ["emissions-chart", "cumulative-chart"]) {
    const svg = new RegExp(`<svg[^>]+id="${chart}"[\\s\\S]*?</svg>`).exec(dom)?.[0] ?? "";
    const ticks = [...svg.matchAll(/class="x-tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    assert.ok(ticks.length >= 3, `${chart} has date ticks`);
    for (const t of ticks) {
      assert.match(t, /^\d{4}-\d{2}(-\d{2})?$/, `${chart} axis label ${t} is a date`);
      assert.ok(!Number.isNaN(Date.parse(t)), `${t} parses as a date`);
    }
  }
  assert.match(dom, /<polygon class="band"/);
  assert.match(dom, new RegExp(`<dt>Emission records</dt><dd>${emissions} counted`));
}

Deno.test({
  name: `ledger report at 40 records in headless Chromium: content, screenshot, tamper${
    chromium ? "" : " (skipped: chromium is not installed; apt-get install chromium)"
  }`,
  ignore: !chromium,
  async fn() {
    await using dir = await tempDir();
    const built = await buildReportLedger(dir.join("led"), 40);
    await writeCheckpoint(dir.join("led"), built.key);
    const html = dir.join("report.html");
    const report = () =>
      runCli(["ledger", "report", "led", "--html", html, "--trust", "led/trust.json"], {
        cwd: dir.path,
      });
    const r = await report();
    assert.equal(r.code, 0, r.stderr);
    const dom = await openInChromium(html, "report-40");
    assertReadablePage(dom, 40);
    assert.match(textOf(dom, "records-note"), /^All 40 emission records\.$/);

    // Tamper with one record's energy figure: the same command now shows an invalid verdict.
    const path = dir.join("led/ledger.jsonl");
    const lines = (await Deno.readTextFile(path)).split("\n");
    const before = lines[3];
    lines[3] = lines[3].replace(/"energy_kwh":"([0-9.]+)"/, '"energy_kwh":"9$1"');
    assert.notEqual(lines[3], before);
    await Deno.writeTextFile(path, lines.join("\n"));
    const t = await report();
    assert.equal(t.code, 0, t.stderr);
    const tampered = await openInChromium(html, "report-40-tampered");
    assert.match(
      tampered,
      /id="verdict" class="verdict bad" data-status="invalid">Verification: INVALID/,
    );
    assert.match(tampered, /at seq 3: /);
  },
});

Deno.test({
  name: `ledger report at 100,000 records in headless Chromium: readable charts and table${
    chromium ? "" : " (skipped: chromium is not installed; apt-get install chromium)"
  }`,
  ignore: !chromium,
  async fn() {
    await using dir = await tempDir();
    await buildReportLedger(dir.join("led"), 100_000);
    const html = dir.join("report.html");
    const r = await runCli(
      ["ledger", "report", "led", "--html", html, "--trust", "led/trust.json", "--jobs", "2"],
      { cwd: dir.path, timeoutMs: 600_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const dom = await openInChromium(html, "report-100k");
    assertReadablePage(dom, 100000);
    assert.match(
      textOf(dom, "records-note"),
      /^100000 emission records: the first 50 and the last 50 are shown, 99900 in between/,
    );
    // A year in weekly buckets: one bar per group per week, not one per record.
    const bars = (dom.match(/<rect class="bar"/g) ?? []).length;
    assert.ok(bars > 50 && bars <= 3 * 54, `${bars} bars`);
  },
});
