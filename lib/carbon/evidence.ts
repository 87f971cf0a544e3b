/**
 * THE mapping from typed energy evidence to what the carbon side says about it: the estimator's
 * energy source kind (which sets the energy uncertainty) and the emission record's
 * `activity.source`, `activity.simulated` and `quality`. Every command and the library go
 * through {@link mapEnergyEvidence}; nothing else derives these from a source name.
 *
 * @module
 */

import type { EnergyEvidence, EnergyEvidenceKind } from "../base/energy_evidence.ts";
import type { EnergySourceKind } from "./uncertainty.ts";

/**
 * Data quality of an estimate and of an emission record: `measured` (energy metered by the
 * governor, RAPL or a meter), `estimated` (modelled energy), `simulated` (energy from a simulated
 * source: never a measurement), `fallback` (world-average factor for an unknown region).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CarbonEstimator } from "./estimator.ts";
 * import type { QualityFlag } from "./evidence.ts";
 * const estimator = new CarbonEstimator({ region: "atlantis", allowFallback: true });
 * const flag: QualityFlag = estimator.estimateFromEnergy(1000).qualityFlag;
 * assert.equal(flag, "fallback");
 * ```
 */
export type QualityFlag = "measured" | "estimated" | "simulated" | "fallback";

/**
 * What the carbon side makes of an energy evidence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "../base/energy_evidence.ts";
 * import { type EvidenceMapping, mapEnergyEvidence } from "./evidence.ts";
 * const mapping: EvidenceMapping = mapEnergyEvidence(singleEnergyEvidence("model"));
 * assert.equal(mapping.quality, "estimated");
 * assert.equal(mapping.simulated, false);
 * ```
 */
export interface EvidenceMapping {
  /** Energy source kind of the estimator (sets the energy uncertainty). */
  readonly energySource: EnergySourceKind;
  /** The emission record's `activity.source`. */
  readonly activitySource: EnergyEvidenceKind;
  /** The emission record's `quality` (before the region's `fallback` overrides it). */
  readonly quality: Exclude<QualityFlag, "fallback">;
  /** The emission record's `activity.simulated` (written only when true). */
  readonly simulated: boolean;
}

/**
 * Maps evidence to the estimator's energy source and the record's source and quality:
 * - simulated (any kind): uncertainty of the `model` (a simulated counter is a power model),
 *   `activity.source` the kind that served it, `activity.simulated: true`, quality `simulated`;
 * - `model` (including a mix with modelled time, see `combineEnergyEvidence`): `model`,
 *   quality `estimated`;
 * - `governor`, `rapl`, `meter`: that kind, quality `measured`.
 *
 * @param evidence Where the energy came from.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapEnergyEvidence } from "./evidence.ts";
 * import { singleEnergyEvidence } from "../base/energy_evidence.ts";
 * assert.deepEqual(mapEnergyEvidence(singleEnergyEvidence("governor", { raplBackend: "sim" })), {
 *   energySource: "model", activitySource: "governor", quality: "simulated", simulated: true,
 * });
 * assert.deepEqual(mapEnergyEvidence(singleEnergyEvidence("rapl")), {
 *   energySource: "rapl", activitySource: "rapl", quality: "measured", simulated: false,
 * });
 * ```
 */
export function mapEnergyEvidence(evidence: EnergyEvidence): EvidenceMapping {
  if (evidence.simulated) {
    return {
      energySource: "model",
      activitySource: evidence.kind,
      quality: "simulated",
      simulated: true,
    };
  }
  if (evidence.kind === "model") {
    return {
      energySource: "model",
      activitySource: "model",
      quality: "estimated",
      simulated: false,
    };
  }
  return {
    energySource: evidence.kind,
    activitySource: evidence.kind,
    quality: "measured",
    simulated: false,
  };
}
