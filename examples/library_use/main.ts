/**
 * Using carbon-ops as a library in your own project. After
 *
 *   deno add jsr:@carbon-ops/carbon-ops
 *
 * your deno.json maps `@carbon-ops/carbon-ops` to the published package; this folder's deno.json
 * maps it to the checkout instead, so the example runs offline exactly as a project would:
 *
 *   cd examples/library_use && deno run -A main.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { CarbonEstimator, EnergyLogger, VERSION } from "@carbon-ops/carbon-ops";

const logger = new EnergyLogger();
const { energy: summary } = await logger.monitor("checksum 20 MB", async () => {
  const data = new Uint8Array(20 * 1024 * 1024).map((_, i) => i * 31);
  await crypto.subtle.digest("SHA-256", data);
});
const estimate = await new CarbonEstimator({ region: "DE" }).estimateFromEnergy(
  summary.energy_wh_attributed,
  { energyEvidence: summary.evidence },
);
console.log(`carbon-ops ${VERSION}`);
console.log(
  `energy ${
    summary.energy_wh_attributed.toFixed(6)
  } Wh (${summary.attribution_mode}, source ${summary.source})`,
);
console.log(
  `carbon ${estimate.grams.toFixed(6)} g CO2e, ${estimate.meta.confidenceLevelPct}% interval ${
    estimate.meta.ciLowerG.toFixed(6)
  } to ${estimate.meta.ciUpperG.toFixed(6)} g`,
);
await logger.close();
