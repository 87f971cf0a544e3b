import assert from "node:assert/strict";
import { CarbonEstimator, EnergyLogger } from "../../mod.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const PYTHON_KEYS = [
  "timestamp",
  "operation",
  "cpu",
  "memory",
  "gpu",
  "total_estimated_power_watts",
  "additional_info",
];

Deno.test("quick start example runs as written, exits by itself and prints the estimate", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO_ROOT}examples/energy_quick_start.ts`],
    env: { NO_COLOR: "1", CPU_TDP_WATTS: "65" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.match(text, /carbon_emissions_gco2: [0-9.e-]+/);
  assert.match(text, /energy_consumed_wh: [0-9.e-]+/);
});

Deno.test("quick start: logMetrics right after construction gives a span the estimator accepts", async () => {
  await using dir = await tempDir();
  // A governor socket path where nothing listens: the summary must say monitor_only, no throw.
  const logger = new EnergyLogger({ governorSocket: dir.join("none.sock"), env: {} });
  const metric = await logger.logMetrics("training_step");
  for (const k of [...PYTHON_KEYS, "timestamp_start", "timestamp_end", "energy"]) {
    assert.ok(k in metric, `missing ${k}`);
  }
  assert.equal(metric.energy.attribution_mode, "monitor_only");
  assert.ok(Date.parse(metric.timestamp_end) > Date.parse(metric.timestamp_start));
  const estimator = new CarbonEstimator();
  const record = await estimator.estimateOverSpan({
    startTs: metric.timestamp_start,
    endTs: metric.timestamp_end,
    energyWh: metric.energy.energy_wh_total,
  });
  const dict = record.toDict();
  assert.ok(Math.abs(Number(dict.energy_consumed_wh) - metric.energy.energy_wh_total) < 1e-6);
  await logger.close();
});
