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
 *   contributed, strongest first.
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
 *   simulated), `measuredFraction` (default 1, or 0 for `model`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singleEnergyEvidence } from "./energy_evidence.ts";
 * const e = singleEnergyEvidence("governor", { raplBackend: "sim" });
 * assert.deepEqual(e, {
 *   kind: "governor", simulated: true, measuredFraction: 1, raplBackend: "sim", kinds: ["governor"],
 * });
 * assert.equal(singleEnergyEvidence("model").measuredFraction, 0);
 * ```
 */
export function singleEnergyEvidence(
  kind: EnergyEvidenceKind,
  options: { simulated?: boolean; raplBackend?: RaplBackend | null; measuredFraction?: number } =
    {},
): EnergyEvidence {
  const fraction = options.measuredFraction ?? (kind === "model" ? 0 : 1);
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`measuredFraction must be from 0 to 1, got ${fraction}`);
  }
  const raplBackend = options.raplBackend ?? null;
  return {
    kind,
    simulated: options.simulated === true || raplBackend === "sim",
    measuredFraction: fraction,
    raplBackend,
    kinds: [kind],
  };
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
  return {
    kind: kinds[kinds.length - 1],
    simulated: used.some((p) => p.simulated || p.raplBackend === "sim"),
    measuredFraction: Math.min(1, Math.max(0, measuredFraction)),
    raplBackend: counterParts.length > 0 ? byStrength[0].raplBackend : null,
    kinds,
  };
}
