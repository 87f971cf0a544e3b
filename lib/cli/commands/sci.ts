/**
 * `carbon-ops sci`: the Software Carbon Intensity rate ((E x I) + M) per R of a piece of work,
 * with an interval: E x I from the estimator (location-based annual figure of the region, PUE,
 * energy uncertainty), M given or shared out of a server's embodied emissions.
 *
 * @module
 */

import type { TextSink } from "../../base/text_sink.ts";
import { numberOptions, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import { UnknownRegionError } from "../../carbon/catalog.ts";
import { embodiedShareG, type SciResult } from "../../carbon/sci.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import { estimatorFromConfig, loadCarbonArgs } from "./_estimator_from_config.ts";

const USAGE = "carbon-ops sci --units R [--unit NAME] (--energy-wh X | --power-w P --duration S) " +
  "[--region R] [--embodied-g M | --embodied-total-kg TE --lifespan-years Y [--reserved-s T]] " +
  "[--embodied-sigma-pct P] [--json]";

const OPTIONS = {
  units: { type: "string" },
  unit: { type: "string" },
  "energy-wh": { type: "string" },
  "power-w": { type: "string" },
  duration: { type: "string" },
  region: { type: "string" },
  "energy-source": { type: "string" },
  "energy-sigma-pct": { type: "string" },
  pue: { type: "string" },
  "pue-sigma-pct": { type: "string" },
  "pue-profile": { type: "string" },
  confidence: { type: "string" },
  "intensity-file": { type: "string" },
  "embodied-g": { type: "string" },
  "embodied-total-kg": { type: "string" },
  "lifespan-years": { type: "string" },
  "reserved-s": { type: "string" },
  "reserved-resources": { type: "string" },
  "total-resources": { type: "string" },
  "embodied-sigma-pct": { type: "string" },
  json: { type: "boolean" },
} as const;

const YEAR_MS = 365.25 * 86_400_000;

function printText(out: TextSink, r: SciResult, e: CarbonEstimate): void {
  const g = (x: number) => x.toPrecision(6);
  out.write(
    [
      `SCI         ${g(r.sciGPerUnit)} gCO2e per ${r.functionalUnit}  (${r.confidenceLevelPct}% ` +
      `interval ${g(r.ciLowerGPerUnit)} .. ${g(r.ciUpperGPerUnit)}; ±${
        r.uncertaintyPct.toFixed(1)
      }% 1σ)`,
      `E x I       ${g(r.operationalG)} g = ${
        e.energyWithPueKwh.toFixed(6)
      } kWh (PUE ${e.pue}) x ` +
      `${e.intensityGPerKwh.toFixed(2)} g/kWh, ${e.region} ${e.dataset} ${e.datasetVersion} ` +
      `(location-based, ±${e.uncertaintyPct.toFixed(1)}%)`,
      `M           ${g(r.embodiedG)} g embodied`,
      `R           ${r.functionalUnits} ${r.functionalUnit}`,
    ].join("\n") + "\n",
  );
}

/**
 * The `sci` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { sciCommand } from "./sci.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [sciCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * const argv = ["sci", "--energy-wh", "1000", "--region", "FR", "--units", "10", "--json"];
 * assert.equal(await runCli(argv, options), 0);
 * const result = JSON.parse(stdout.text());
 * assert.equal(result.sci_g_per_unit, 5.5225);
 * assert.ok(result.ci_lower_g_per_unit < 5.5225 && 5.5225 < result.ci_upper_g_per_unit);
 * ```
 */
export const sciCommand: Command = {
  name: "sci",
  summary: "Software Carbon Intensity ((E x I) + M) per R, with an interval",
  help: `Usage: ${USAGE}

The Green Software Foundation's SCI (ISO/IEC 21031:2024): ((E x I) + M) per R, a rate per
functional unit, reported beside the inventory figure of 'carbon-ops estimate', never instead
of it. E is the energy with the facility overhead (PUE), I the region's location-based annual
grid intensity (no market instruments), M the embodied emissions share, R the functional units.
The interval treats E x I (with the estimate's combined uncertainty) and M as independent and
log-normal, and gives the exact quantiles of their sum.

Options:
  --units R              number of functional units (> 0), e.g. requests served
  --unit NAME            name of the unit (default unit)
  --energy-wh X          IT energy for the work in Wh (>= 0); or --power-w P --duration S
  --region R             region id or alias (default carbon.region); see 'carbon-ops regions'
  --energy-source S      governor, rapl, meter or model (default model): energy uncertainty
  --energy-sigma-pct P   1-sigma energy uncertainty, percent (instead of the source's default)
  --pue N, --pue-profile ID, --pue-sigma-pct P
                         as for 'carbon-ops estimate'
  --confidence PCT       confidence level, 50..99.9 (default carbon.confidenceLevelPct, 95)
  --intensity-file PATH  user regions/PUE file (JSON or JSONC)
  --embodied-g M         embodied emissions share of the work, g (default 0)
  --embodied-total-kg TE --lifespan-years Y [--reserved-s T] [--reserved-resources RR
  --total-resources ToR]
                         share M = TE x (T / lifespan) x (RR / ToR) of a server's embodied
                         emissions; T defaults to --duration; T longer than the lifespan is
                         refused
  --embodied-sigma-pct P 1-sigma of M in percent, 0..200 (default 0 with --embodied-g, 40 for a
                         share of TE: manufacturers' figures are rough)
  --json                 print the result as JSON

Exit codes: 0 ok, 2 bad input (R <= 0, negative energy, reserved time over the lifespan, unknown
region) with what is allowed.

Examples:
  carbon-ops sci --energy-wh 1000 --region FR --units 5000 --unit request
  carbon-ops sci --power-w 300 --duration 3600 --region DE --units 1 --unit job \\
    --embodied-total-kg 1500 --lifespan-years 4 --reserved-resources 8 --total-resources 64 --json
`,
  async run(ctx) {
    const { values: v } = parseCommandArgs(ctx.argv, { options: OPTIONS, usage: USAGE });
    const num = numberOptions(v);
    const units = num("units", { min: 0 });
    if (units === undefined || !(units > 0)) {
      throw new UsageError("--units R (the number of functional units, > 0) is required", {
        usage: USAGE,
      });
    }
    const energyWh = num("energy-wh", { min: 0 });
    const powerW = num("power-w", { min: 0 });
    const durationS = num("duration", { min: 0 });
    if ((energyWh === undefined) === (powerW === undefined)) {
      throw new UsageError("give exactly one of --energy-wh or --power-w", { usage: USAGE });
    }
    if (powerW !== undefined && !(durationS !== undefined && durationS > 0)) {
      throw new UsageError("--power-w needs --duration S (seconds, > 0)", { usage: USAGE });
    }
    const embodiedG = num("embodied-g", { min: 0 });
    const totalKg = num("embodied-total-kg", { min: 0 });
    if (embodiedG !== undefined && totalKg !== undefined) {
      throw new UsageError("give --embodied-g or --embodied-total-kg, not both", { usage: USAGE });
    }
    let m = embodiedG ?? 0;
    if (totalKg !== undefined) {
      const years = num("lifespan-years", { min: 0 });
      const reservedS = num("reserved-s", { min: 0 }) ?? durationS;
      if (years === undefined || reservedS === undefined) {
        throw new UsageError(
          "--embodied-total-kg needs --lifespan-years Y and the reserved time (--reserved-s T, " +
            "or --duration S)",
          { usage: USAGE },
        );
      }
      const rr = num("reserved-resources", { min: 0 });
      const tor = num("total-resources", { min: 0 });
      try {
        m = embodiedShareG({
          totalEmbodiedG: totalKg * 1000,
          reservedMs: reservedS * 1000,
          lifespanMs: years * YEAR_MS,
          ...(rr !== undefined ? { reservedResources: rr } : {}),
          ...(tor !== undefined ? { totalResources: tor } : {}),
        });
      } catch (err) {
        if (err instanceof RangeError) {
          throw new UsageError(err.message, { usage: USAGE, cause: err });
        }
        throw err;
      }
    }
    const embodiedSigmaPct = num("embodied-sigma-pct", { min: 0, max: 200 }) ??
      (totalKg !== undefined ? 40 : 0);
    const { config, pue, energySigmaPct, pueSigmaPct } = await loadCarbonArgs(ctx, v);
    try {
      const { estimator } = await estimatorFromConfig(config, ctx, {
        extra: {
          ...(pue !== undefined ? { pue } : {}),
          ...(pueSigmaPct !== undefined ? { pueUncertaintyPct: pueSigmaPct } : {}),
          ...(v["energy-source"] ? { energySource: v["energy-source"] as "model" } : {}),
          ...(energySigmaPct !== undefined ? { energyUncertaintyPct: energySigmaPct } : {}),
        },
      });
      const estimate = powerW !== undefined
        ? estimator.estimateFromPowerTime(powerW, durationS as number)
        : estimator.estimateFromEnergy(energyWh as number);
      const r = estimate.sci({
        functionalUnits: units,
        embodiedG: m,
        embodiedSigma: embodiedSigmaPct / 100,
        functionalUnit: v.unit ?? "unit",
      });
      if (v.json) {
        writeJson(ctx.stdout, {
          sci_g_per_unit: r.sciGPerUnit,
          functional_unit: r.functionalUnit,
          functional_units: r.functionalUnits,
          operational_g: r.operationalG,
          embodied_g: r.embodiedG,
          energy_with_pue_kwh: estimate.energyWithPueKwh,
          intensity_g_per_kwh: estimate.intensityGPerKwh,
          region: estimate.region,
          dataset: estimate.dataset,
          dataset_version: estimate.datasetVersion,
          ci_lower_g_per_unit: r.ciLowerGPerUnit,
          ci_upper_g_per_unit: r.ciUpperGPerUnit,
          confidence_level_pct: r.confidenceLevelPct,
          uncertainty_pct: r.uncertaintyPct,
          uncertainty_components_pct: {
            operational: estimate.uncertaintyPct,
            embodied: embodiedSigmaPct,
          },
          flags: [...estimate.flags],
        });
      } else printText(ctx.stdout, r, estimate);
      return 0;
    } catch (err) {
      if (err instanceof UnknownRegionError || err instanceof RangeError) {
        throw new UsageError(err.message, { usage: USAGE, cause: err });
      }
      throw err;
    }
  },
};
