/** Every example runs, with short durations, and prints what it promises. */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

async function runExample(file: string, args: string[] = [], cwd = REPO_ROOT) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", file, ...args],
    cwd,
    env: { NO_COLOR: "1", CARBON_OPS_CONFIG: "" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("example aliasing_demo shows the scraper missing wraps the governor counts", async () => {
  const r = await runExample("examples/aliasing_demo.ts", ["--duration", "30", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.governor_j, out.truth_j);
  assert.ok(out.scraper_j < out.truth_j && out.wraps_missed > 0);
});

Deno.test("example energy_quick_start runs the product description's quick start", async () => {
  const r = await runExample("examples/energy_quick_start.ts");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /carbon_emissions_gco2/);
});

Deno.test("example energy_spans records monitor and using spans, also across an exception", async () => {
  const r = await runExample("examples/energy_spans.ts");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /monitor: value \d+/);
  assert.match(r.stdout, /using: caught "step failed"/);
  assert.match(r.stdout, /"span_records":2/);
});

Deno.test("example ledger_operations verifies a fresh ledger and catches tampering", async () => {
  await using dir = await tempDir();
  const r = await runExample("examples/ledger_operations.ts", [dir.join("ledger")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3\. verify: valid \(exit 0\), 3 records/);
  assert.match(r.stdout, /5\. tampered copy: invalid \(exit 1\)/);
  await Deno.remove(dir.join("ledger-tampered"), { recursive: true });
});

Deno.test("example library_use imports the package by name from its own project", async () => {
  const r = await runExample("main.ts", [], `${REPO_ROOT}examples/library_use`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^carbon-ops \d+\.\d+\.\d+/m);
  assert.match(r.stdout, /carbon [\d.]+ g CO2e, 95% interval/);
});

Deno.test("example cron_report appends periods that tile time exactly and verify", async () => {
  await using dir = await tempDir();
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}examples/cron_report.sh`, dir.path],
    env: { NO_COLOR: "1", CARBON_OPS_CONFIG: "" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /baseline recorded/);
  const periods = [...text.matchAll(/report: (\S+) \.\. (\S+): ([\d.]+) Wh/g)];
  assert.equal(periods.length, 3, text);
  for (let i = 1; i < periods.length; i++) {
    assert.equal(periods[i][1], periods[i - 1][2], "no gap, no overlap");
  }
  for (const p of periods) {
    const seconds = (Date.parse(p[2]) - Date.parse(p[1])) / 1000;
    const watts = Number(p[3]) * 3600 / seconds;
    assert.ok(Math.abs(watts - 120) < 6, `period power ${watts} W is the simulated 120 W`);
  }
  assert.match(text, /total +3 /);
  assert.match(text, /status: VALID \(exit 0\)/);
  const left = await processesNaming(dir.path);
  for (const p of left) Deno.kill(p.pid, "SIGTERM");
  assert.deepEqual(left, [], "the example stops the governor it started");
});

/** Live processes whose command line contains `text` (from /proc). */
async function processesNaming(text: string): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    const cmdline = await Deno.readTextFile(`/proc/${e.name}/cmdline`).catch(() => "");
    if (cmdline.includes(text)) {
      found.push({ pid: Number(e.name), cmdline: cmdline.replaceAll("\0", " ") });
    }
  }
  return found;
}
