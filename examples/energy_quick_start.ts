/**
 * The product description's quick start, in TypeScript. Run:
 * `deno run -A examples/energy_quick_start.ts`. Without a governor the energy summary reports
 * `attribution_mode: "monitor_only"` and nothing throws.
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { CarbonEstimator, EnergyLogger } from "../mod.ts";

let logger: EnergyLogger;
try {
  logger = new EnergyLogger();
} catch (exc) {
  throw new Error(`EnergyLogger initialisation failed: ${exc}`);
}

const metric = await logger.logMetrics("training_step");

const estimator = new CarbonEstimator();
const record = await estimator.estimateOverSpan({
  startTs: metric.timestamp_start,
  endTs: metric.timestamp_end,
  energyWh: metric.energy.energy_wh_total,
});
console.log(record.toDict());
