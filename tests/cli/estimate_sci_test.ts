import assert from "node:assert/strict";
import { runCli } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import { sciCommand } from "../../lib/cli/commands/sci.ts";

async function sciCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = bufferSink();
  const stderr = bufferSink();
  const code = await runCli(["sci", ...argv], {
    commands: [sciCommand],
    stdout,
    stderr,
    env: { CARBON_OPS_CONFIG: "" },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("carbon-ops sci prints the rate per unit with an interval, as text and --json", async () => {
  const help = await sciCli(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /\(\(E x I\) \+ M\) per R/);
  const text = await sciCli([
    "--energy-wh",
    "1000",
    "--region",
    "FR",
    "--units",
    "10",
    "--unit",
    "job",
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^SCI +5\.52250 gCO2e per job +\(95% interval /);
  const r = await sciCli([
    "--power-w",
    "300",
    "--duration",
    "3600",
    "--region",
    "DE",
    "--units",
    "4",
    "--embodied-total-kg",
    "1500",
    "--lifespan-years",
    "4",
    "--reserved-resources",
    "8",
    "--total-resources",
    "64",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const m = 1_500_000 * (3_600_000 / (4 * 365.25 * 86_400_000)) * (8 / 64);
  assert.ok(Math.abs(d.embodied_g - m) < 1e-9, `${d.embodied_g} vs ${m}`);
  assert.ok(Math.abs(d.sci_g_per_unit - (d.operational_g + m) / 4) < 1e-9);
  assert.ok(d.ci_lower_g_per_unit < d.sci_g_per_unit && d.sci_g_per_unit < d.ci_upper_g_per_unit);
  assert.equal(d.uncertainty_components_pct.embodied, 40);
});

Deno.test("carbon-ops sci refuses a reservation longer than the lifespan and R of 0 with exit 2", async () => {
  const over = await sciCli([
    "--energy-wh",
    "1",
    "--region",
    "FR",
    "--units",
    "1",
    "--embodied-total-kg",
    "100",
    "--lifespan-years",
    "1",
    "--reserved-s",
    String(2 * 365.25 * 86_400),
  ]);
  assert.equal(over.code, 2);
  assert.match(over.stderr, /exceeds lifespanMs/);
  const zero = await sciCli(["--energy-wh", "1", "--region", "FR", "--units", "0"]);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--units/);
});

Deno.test("carbon-ops sci at 0 Wh still states the intensity's uncertainty", async () => {
  const zero = JSON.parse(
    (await sciCli(["--energy-wh", "0", "--region", "FR", "--units", "1", "--json"])).stdout,
  );
  const some = JSON.parse(
    (await sciCli(["--energy-wh", "10", "--region", "FR", "--units", "1", "--json"])).stdout,
  );
  assert.equal(zero.sci_g_per_unit, 0);
  assert.ok(zero.uncertainty_pct > 30, `${zero.uncertainty_pct}`);
  assert.equal(zero.uncertainty_pct.toFixed(6), some.uncertainty_pct.toFixed(6));
});
