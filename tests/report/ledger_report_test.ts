import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { renderLedgerReport } from "../../lib/report/ledger_report.ts";

const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

async function ledgerWithEmissions(dir: string) {
  const ok = async (args: string[]) => {
    const r = await runCli(args, { cwd: dir });
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    return r;
  };
  await ok(["keys", "generate", "--out", "keys", "--name", "host"]);
  await ok(["ledger", "init", "led", "--origin", "example.org/host-01", "--key", "keys/host.key"]);
  for (const [i, wh] of [[1, 250], [2, 500], [3, 750]]) {
    await ok([
      "estimate",
      "--energy-wh",
      String(wh),
      "--start",
      `2026-01-0${i}T10:00:00Z`,
      "--end",
      `2026-01-0${i}T11:00:00Z`,
      "--region",
      "FR",
      "--ledger",
      "led",
      "--key",
      "keys/host.key",
      "--label",
      "team=ml",
      "--label",
      `job=train${i}`,
    ]);
  }
  await ok(["ledger", "checkpoint", "led", "--key", "keys/host.key"]);
  const totals = JSON.parse((await ok(["ledger", "totals", "led", "--json"])).stdout);
  return totals;
}

async function dumpDom(htmlPath: string): Promise<string> {
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
      `--user-data-dir=${profile.path}`,
      "--dump-dom",
      `file://${htmlPath}`,
    ],
    stdout: "piped",
    stderr: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(out.code, 0, "chromium ran");
  return new TextDecoder().decode(out.stdout);
}

Deno.test("ledger report renders a page with no external resources", () => {
  const html = renderLedgerReport({
    origin: "o<rigin>",
    dir: "/d",
    generatedAt: "2026-01-01T00:00:00.000Z",
    verdict: null,
    checkpoint: null,
    emissions: [],
    totals: [],
    toolVersion: "0.2.0",
  });
  assert.ok(!/\b(src|href)=["']?https?:/.test(html), "no network references");
  assert.match(html, /o&lt;rigin&gt;/);
  assert.match(html, /not verified: no trust file was given/);
});

Deno.test({
  name: `ledger report opens in headless Chromium with the chart, totals and verdict${
    chromium ? "" : " (skipped: chromium is not installed; apt-get install chromium)"
  }`,
  ignore: !chromium,
  async fn() {
    await using dir = await tempDir();
    const totals = await ledgerWithEmissions(dir.path);
    const html = dir.join("report.html");
    const r = await runCli(
      ["ledger", "report", "led", "--html", html, "--trust", "led/trust.json"],
      { cwd: dir.path },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /3 emission records, verdict valid/);
    const dom = await dumpDom(html);
    assert.match(dom, /<svg[^>]+id="emissions-chart"/);
    assert.equal((dom.match(/<circle class="marker"/g) ?? []).length, 3);
    assert.match(dom, /<polygon class="band"/);
    const total = String(totals.total?.co2eG ?? totals.total?.co2e_g);
    assert.ok(
      total !== "undefined" && dom.includes(`<td class="n">${total}</td>`),
      `total ${total} shown`,
    );
    assert.match(dom, /id="verdict" class="verdict valid" data-status="valid"/);
    assert.match(dom, /By label job/);
    assert.match(dom, /<pre id="checkpoint">example\.org\/host-01\n4\n/);

    // Tamper with one record's figure: the page must say so.
    const path = dir.join("led/ledger.jsonl");
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines[2] = lines[2].replace(/"energy_kwh":"0\.5"/, '"energy_kwh":"0.05"');
    await Deno.writeTextFile(path, lines.join("\n"));
    const t = await runCli(
      ["ledger", "report", "led", "--html", html, "--trust", "led/trust.json"],
      { cwd: dir.path },
    );
    assert.equal(t.code, 0, t.stderr);
    const tampered = await dumpDom(html);
    assert.match(tampered, /class="verdict bad" data-status="invalid"/);
  },
});
