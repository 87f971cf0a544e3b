/**
 * Typed evidence of where an energy figure came from, carried from the energy source to the
 * signed emission record. `lib/energy` produces it, `lib/carbon` consumes it (through
 * `lib/carbon/evidence.ts`), so it lives here and imports nothing.
 *
 * Combining (a span measured by several sources, e.g. the governor for part of it and the CPU
 * power model for a gap), see {@link combineEnergyEvidence}:
 * - `kind` is the WEAKEST kind that contributed time: `model` < `rapl` < `governor` < `meter`;
 * - `simulated` is true when ANY contributing part was simulated (a simulated counter taints
 *   the whole figure: it must never be signed as measured);
 * - `measuredFraction` is the share of the span covered by counter readings (every kind but
 *   `model`), simulated or not;
 * - `raplBackend` is the backend of the strongest counter part, `kinds` lists every kind that
 *   contributed, strongest first;
 * - `meter` details are not carried (parts have none): a combined figure is never described as
 *   one meter's reading;
 * - `model` details (which power model, for which cloud instance) are carried from the model
 *   part that covered the most time, when the combined kind is `model` and that part has them.
 *
 * @module
 */

/**
 * What produced the energy figure. `meter`: a facility or PDU meter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyEvidenceKind } from "./energy_evidence.ts";
 * import { singleEnergyEvidence } from "./energy_evidence.ts";
 * const kind: EnergyEvidenceKind = "meter";
 * assert.deepEqual(singleEnergyEvidence(kind).kinds, ["meter"]);
 * ```
 */
export type EnergyEvidenceKind = "governor" | "rapl" | "model" | "meter";

/**
 * Backend behind a RAPL counter (the governor's or a direct powercap read). `sim` is simulated.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RaplBackend } from "./energy_evidence.ts";
 * import { singleEnergyEvidence } from "./energy_evidence.ts";
 * const backend: RaplBackend = "sim";
 * assert.equal(singleEnergyEvidence("governor", { raplBackend: backend }).simulated, true);
 * ```
 */
export type RaplBackend = "sysfs" | "msr" | "sim";

/**
 * Where a `meter` reads: `pdu` (a power distribution unit or rack/branch-circuit meter: IT
 * energy, the facility overhead is still to be added through the PUE) or `facility` (the
 * site's meter: the overhead is already in the figure, so the PUE is 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type MeterPoint, singleEnergyEvidence } from "./energy_evidence.ts";
 * const point: MeterPoint = "facility";
 * assert.equal(singleEnergyEvidence("meter", { meter: { point } }).meter?.point, "facility");
 * ```
 */
export type MeterPoint = "pdu" | "facility";

/**
 * What is known about a meter that produced an energy figure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MeterDetails } from "./energy_evidence.ts";
 * const meter: MeterDetails = { point: "pdu", accuracyClassPct: 1 };
 * assert.equal(meter.accuracyClassPct, 1);
 * ```
 */
export interface MeterDetails {
  /** Where the meter reads. */
  readonly point: MeterPoint;
  /**
   * Accuracy class: the maximum permissible error in percent (IEC 62053-21/22 class 0.2, 0.5,
   * 1 or 2; EN 50470-3 classes C, B, A are 0.5, 1, 2; or a datasheet's "±N %"), 0 < class <= 10,
   * or null when unknown.
   */
  readonly accuracyClassPct: number | null;
}

/**
 * How a power model was chosen for a cloud instance: `exact` (the type's own coefficients),
 * `provider_average` (the type is not in the catalog: the provider's average microarchitecture).
 * The generic CPU (TDP) model has no {@link EnergyModelDetails}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyModelMatch } from "./energy_evidence.ts";
 * const match: EnergyModelMatch = "provider_average";
 * assert.notEqual(match, "exact");
 * ```
 */
export type EnergyModelMatch = "exact" | "provider_average";

/**
 * Which power model produced modelled energy (kind `model`), typed so that no one re-parses a
 * string: the model's name and data version, the cloud instance, how it matched the catalog,
 * what it could not use, and its 1-sigma of ln(energy).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EnergyModelDetails, singleEnergyEvidence } from "./energy_evidence.ts";
 * const model: EnergyModelDetails = {
 *   name: "ccf-linear@2026-12-02",
 *   instanceId: "aws:m5.large",
 *   match: "exact",
 *   flags: [],
 *   sigmaLn: 0.355,
 * };
 * assert.equal(singleEnergyEvidence("model", { model }).model?.instanceId, "aws:m5.large");
 * ```
 */
export interface EnergyModelDetails {
  /** Model name and data version, e.g. `ccf-linear@2026-12-02`. */
  readonly name: string;
  /** Canonical instance id, `provider:type` (e.g. `aws:m5.large`). */
  readonly instanceId: string;
  /** How the instance matched the catalog. */
  readonly match: EnergyModelMatch;
  /** What the model could not use or assumed (e.g. `instance_type_not_in_catalog`). */
  readonly flags: readonly string[];
  /** 1-sigma of ln(energy) of the model over the figure (> 0). */
  readonly sigmaLn: number;
}

/**
 * Where an energy figure came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyEvidence } from "./energy_evidence.ts";
 * const evidence: EnergyEvidence = {
 *   kind: "rapl",
 *   simulated: false,
 *   measuredFraction: 1,
 *   raplBackend: "sysfs",
 *   kinds: ["rapl"],
 * };
 * assert.equal(evidence.kinds[0], evidence.kind);
 * ```
 */
export interface EnergyEvidence {
  /** The (weakest, when combined) kind of source. */
  readonly kind: EnergyEvidenceKind;
  /** True when the figure (or any part of it) comes from a simulated source: not a measurement. */
  readonly simulated: boolean;
  /** Fraction 0..1 of the span covered by counter readings (not the power model). */
  readonly measuredFraction: number;
  /** Backend behind the governor or powercap counter, or null (model, meter, unknown). */
  readonly raplBackend: RaplBackend | null;
  /** Every kind that contributed to the figure, strongest first (one entry when not mixed). */
  readonly kinds: readonly EnergyEvidenceKind[];
  /** `meter` only, when known: where the meter reads and its accuracy class (absent otherwise). */
  readonly meter?: MeterDetails;
  /** `model` only, when an instance power model produced it (absent: the generic CPU model). */
  readonly model?: EnergyModelDetails;
}

/**
 * One part of a span: a source and how long it covered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergyEvidencePart } from "./energy_evidence.ts";
 * import { combineEnergyEvidence } from "./energy_evidence.ts";
 * const parts: EnergyEvidencePart[] = [
 *   { kind: "governor", simulated: false, raplBackend: "msr", durationNs: 3_000_000_000n },
 *   { kind: "model", simulated: false, raplBackend: null, durationNs: 1_000_000_000n },
 * ];
 * const e = combineEnergyEvidence(parts);
 * assert.equal(e.kind, "model"); // the weakest part names the whole
 * assert.equal(e.measuredFraction, 0.75);
 * ```
 */
export interface EnergyEvidencePart {
  /** Kind of the source for this part. */
  readonly kind: EnergyEvidenceKind;
  /** Whether this part is simulated. */
  readonly simulated: boolean;
  /** Counter backend for this part, or null. */
  readonly raplBackend: RaplBackend | null;
  /** Time this part covered, ns (0n parts are ignored unless every part is 0n). */
  readonly durationNs: bigint;
  /** Kind `model` only: the instance power model behind this part (absent: the generic model). */
  readonly model?: EnergyModelDetails;
}

/** Strength of each kind: the combination takes the lowest. */
const STRENGTH: Readonly<Record<EnergyEvidenceKind, number>> = Object.freeze({
  model: 0,
  rapl: 1,
  governor: 2,
  meter: 3,
});

/**
 * Evidence for a figure from a single source over its whole span.
 *
 * @param kind The source kind.
 * @param options `simulated` (default false), `raplBackend` (default null; `sim` implies
 *   simulated), `measuredFraction` (default 1, or 0 for `model`), `meter` (kind `meter` only:
 *   where it reads and its accuracy class; default absent, unknown), `model` (kind `model`
 *   only: the instance power model; default absent, the generic model).
 * @throws RangeError for a fraction outside 0..1, `meter` details on another kind, an
 *   accuracy class outside (0, 10], or `model` details on another kind or with a sigma <= 0.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "./energy_evidence.ts";
 * const e = singleEnergyEvidence("governor", { raplBackend: "sim" });
 * assert.deepEqual(e, {
 *   kind: "governor", simulated: true, measuredFraction: 1, raplBackend: "sim", kinds: ["governor"],
 * });
 * assert.equal(singleEnergyEvidence("model").measuredFraction, 0);
 * const pdu = singleEnergyEvidence("meter", { meter: { point: "pdu", accuracyClassPct: 0.5 } });
 * assert.deepEqual(pdu.meter, { point: "pdu", accuracyClassPct: 0.5 });
 * assert.throws(() => singleEnergyEvidence("rapl", { meter: { point: "pdu" } }), RangeError);
 * ```
 */
export function singleEnergyEvidence(
  kind: EnergyEvidenceKind,
  options: {
    simulated?: boolean;
    raplBackend?: RaplBackend | null;
    measuredFraction?: number;
    meter?: { point: MeterPoint; accuracyClassPct?: number | null };
    model?: EnergyModelDetails;
  } = {},
): EnergyEvidence {
  const fraction = options.measuredFraction ?? (kind === "model" ? 0 : 1);
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`measuredFraction must be from 0 to 1, got ${fraction}`);
  }
  const raplBackend = options.raplBackend ?? null;
  const evidence: EnergyEvidence = {
    kind,
    simulated: options.simulated === true || raplBackend === "sim",
    measuredFraction: fraction,
    raplBackend,
    kinds: [kind],
  };
  if (options.model !== undefined) return { ...evidence, model: checkModel(kind, options.model) };
  if (options.meter === undefined) return evidence;
  return { ...evidence, meter: checkMeter(kind, options.meter) };
}

function checkModel(kind: EnergyEvidenceKind, model: EnergyModelDetails): EnergyModelDetails {
  if (kind !== "model") {
    throw new RangeError(`model details go with the kind "model", not "${kind}"`);
  }
  if (!(Number.isFinite(model.sigmaLn) && model.sigmaLn > 0)) {
    throw new RangeError(
      `model sigmaLn must be a positive number (1-sigma of ln energy), got ${model.sigmaLn}`,
    );
  }
  return {
    name: model.name,
    instanceId: model.instanceId,
    match: model.match,
    flags: [...model.flags],
    sigmaLn: model.sigmaLn,
  };
}

function checkMeter(
  kind: EnergyEvidenceKind,
  meter: { point: MeterPoint; accuracyClassPct?: number | null },
): MeterDetails {
  if (kind !== "meter") {
    throw new RangeError(`meter details go with the kind "meter", not "${kind}"`);
  }
  if (meter.point !== "pdu" && meter.point !== "facility") {
    throw new RangeError(
      `meter point must be "pdu" or "facility", got ${JSON.stringify(meter.point)}`,
    );
  }
  const c = meter.accuracyClassPct ?? null;
  if (c !== null && !(Number.isFinite(c) && c > 0 && c <= 10)) {
    throw new RangeError(
      `meter accuracy class must be a percentage above 0 and at most 10 (e.g. 0.5, 1, 2), got ${c}`,
    );
  }
  return { point: meter.point, accuracyClassPct: c };
}

/**
 * Combines the parts of a span into one evidence (rules in the module doc): the weakest kind,
 * simulated when any part is, the counter-covered fraction of the time. Parts of zero duration
 * count only when every part has zero duration (a zero-length span); no parts at all is `model`.
 *
 * @param parts The span's parts, any order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { combineEnergyEvidence } from "./energy_evidence.ts";
 * const e = combineEnergyEvidence([
 *   { kind: "governor", simulated: false, raplBackend: "sysfs", durationNs: 3_000_000_000n },
 *   { kind: "model", simulated: false, raplBackend: null, durationNs: 1_000_000_000n },
 * ]);
 * assert.equal(e.kind, "model");
 * assert.equal(e.measuredFraction, 0.75);
 * assert.equal(e.simulated, false);
 * assert.deepEqual(e.kinds, ["governor", "model"]);
 * assert.equal(e.raplBackend, "sysfs");
 * const model = { name: "ccf-linear@2026-12-02", instanceId: "aws:m5.large", match: "exact" as const, flags: [], sigmaLn: 0.35 };
 * const vm = combineEnergyEvidence([
 *   { kind: "model", simulated: false, raplBackend: null, durationNs: 5n, model },
 * ]);
 * assert.equal(vm.model?.name, "ccf-linear@2026-12-02");
 * ```
 */
export function combineEnergyEvidence(parts: readonly EnergyEvidencePart[]): EnergyEvidence {
  const timed = parts.filter((p) => p.durationNs > 0n);
  const used = timed.length > 0 ? timed : parts;
  if (used.length === 0) return singleEnergyEvidence("model");
  const byStrength = [...used].sort((a, b) => STRENGTH[b.kind] - STRENGTH[a.kind]);
  const kinds = [...new Set(byStrength.map((p) => p.kind))];
  const totalNs = used.reduce((s, p) => s + p.durationNs, 0n);
  const counterParts = used.filter((p) => p.kind !== "model");
  const counterNs = counterParts.reduce((s, p) => s + p.durationNs, 0n);
  const measuredFraction = totalNs > 0n
    ? Number(counterNs) / Number(totalNs)
    : (counterParts.length > 0 ? 1 : 0);
  const kind = kinds[kinds.length - 1];
  const combined: EnergyEvidence = {
    kind,
    simulated: used.some((p) => p.simulated || p.raplBackend === "sim"),
    measuredFraction: Math.min(1, Math.max(0, measuredFraction)),
    raplBackend: counterParts.length > 0 ? byStrength[0].raplBackend : null,
    kinds,
  };
  if (kind !== "model") return combined;
  let longest: EnergyEvidencePart | null = null;
  for (const p of used) {
    if (p.kind !== "model") continue;
    if (longest === null || p.durationNs > longest.durationNs) longest = p;
  }
  return longest?.model === undefined
    ? combined
    : { ...combined, model: checkModel("model", longest.model) };
}
