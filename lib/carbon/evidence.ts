/**
 * THE mapping from typed energy evidence to what the carbon side says about it: the estimator's
 * energy source kind (which sets the energy uncertainty) and the emission record's
 * `activity.source`, `activity.simulated` and `quality`. Every command and the library go
 * through {@link mapEnergyEvidence}; nothing else derives these from a source name.
 *
 * @module
 */

import type { EnergyEvidence, EnergyEvidenceKind } from "../base/energy_evidence.ts";
import { ENERGY_UNCERTAINTY, type EnergySourceKind } from "./uncertainty.ts";

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
  /** Energy source kind of the estimator (sets the energy uncertainty, see {@link evidenceEnergySigma}). */
  readonly energySource: EnergySourceKind;
  /** The emission record's `activity.source`. */
  readonly activitySource: EnergyEvidenceKind;
  /** The emission record's `quality` (before the region's `fallback` overrides it). */
  readonly quality: Exclude<QualityFlag, "fallback">;
  /** The emission record's `activity.simulated` (written only when true). */
  readonly simulated: boolean;
}

/**
 * 1-sigma relative uncertainty of a meter of accuracy class `classPct` (maximum permissible
 * error, percent): the class is a bound, not a standard deviation, so it is read as a uniform
 * error within +/- class (GUM 4.3.7): sigma = class / sqrt(3) / 100. Class 1 gives 0.58 %,
 * class 2 1.15 %; an unknown class keeps `ENERGY_UNCERTAINTY.meter` (2 %). Errors outside the
 * meter (current transformers, a feed that misses part of the load) are not in the class: state
 * them with an explicit energy uncertainty.
 *
 * @param classPct Accuracy class, percent, 0 < class <= 10.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meterClassSigma } from "./evidence.ts";
 * assert.equal(meterClassSigma(1).toFixed(5), "0.00577");
 * assert.throws(() => meterClassSigma(0), RangeError);
 * ```
 */
export function meterClassSigma(classPct: number): number {
  if (!(Number.isFinite(classPct) && classPct > 0 && classPct <= 10)) {
    throw new RangeError(
      `meter accuracy class must be a percentage above 0 and at most 10 (e.g. 0.5, 1, 2), got ${classPct}`,
    );
  }
  return classPct / Math.sqrt(3) / 100;
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

/**
 * Default 1-sigma relative energy uncertainty for an evidence: `ENERGY_UNCERTAINTY` of its
 * mapped source kind (so simulated energy is a model's 30 %), {@link meterClassSigma} for a
 * meter of known accuracy class (not simulated), or the instance power model's own sigma
 * (`evidence.model.sigmaLn`, derived from the documented model error in
 * `lib/cloud/instance_power.ts`) for energy of kind `model` from a cloud instance model.
 *
 * @param evidence Where the energy came from.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "../base/energy_evidence.ts";
 * import { evidenceEnergySigma } from "./evidence.ts";
 * const pdu = singleEnergyEvidence("meter", { meter: { point: "pdu", accuracyClassPct: 2 } });
 * assert.equal(evidenceEnergySigma(pdu).toFixed(4), "0.0115");
 * assert.equal(evidenceEnergySigma(singleEnergyEvidence("meter")), 0.02);
 * assert.equal(evidenceEnergySigma(singleEnergyEvidence("model")), 0.3);
 * const model = { name: "ccf-linear@2026-12-02", instanceId: "aws:m5.large", match: "exact" as const, flags: [], sigmaLn: 0.355 };
 * assert.equal(evidenceEnergySigma(singleEnergyEvidence("model", { model })), 0.355);
 * ```
 */
export function evidenceEnergySigma(evidence: EnergyEvidence): number {
  const source = mapEnergyEvidence(evidence).energySource;
  if (evidence.model !== undefined && !evidence.simulated && evidence.kind === "model") {
    return evidence.model.sigmaLn;
  }
  const classPct = source === "meter" ? evidence.meter?.accuracyClassPct ?? null : null;
  return classPct === null ? ENERGY_UNCERTAINTY[source] : meterClassSigma(classPct);
}

/**
 * The estimate flags (and so the emission record's assumptions) an evidence's power model
 * implies: `energy_model:<name>` (e.g. `energy_model:ccf-linear@2026-12-02`),
 * `instance:<provider:type>`, `instance_match:<exact|provider_average>`, then the model's own
 * flags (`instance_type_not_in_catalog`, ...). Empty for evidence without an instance model
 * (measured energy, the generic CPU model). The typed facts stay in `evidence.model`; these
 * strings are for people and for records whose schema has no typed field for them.
 *
 * @param evidence Where the energy came from.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "../base/energy_evidence.ts";
 * import { evidenceFlags } from "./evidence.ts";
 * const model = {
 *   name: "ccf-linear@2026-12-02",
 *   instanceId: "aws:m99.large",
 *   match: "provider_average" as const,
 *   flags: ["instance_type_not_in_catalog"],
 *   sigmaLn: 0.5,
 * };
 * assert.deepEqual(evidenceFlags(singleEnergyEvidence("model", { model })), [
 *   "energy_model:ccf-linear@2026-12-02",
 *   "instance:aws:m99.large",
 *   "instance_match:provider_average",
 *   "instance_type_not_in_catalog",
 * ]);
 * assert.deepEqual(evidenceFlags(singleEnergyEvidence("model")), []);
 * ```
 */
export function evidenceFlags(evidence: EnergyEvidence): string[] {
  const m = evidence.model;
  if (m === undefined) return [];
  return [
    `energy_model:${m.name}`,
    `instance:${m.instanceId}`,
    `instance_match:${m.match}`,
    ...m.flags,
  ];
}
