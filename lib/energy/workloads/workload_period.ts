/**
 * Per-workload report periods (pure): from the previous report's per-bucket totals and a fresh
 * attribution snapshot, each bucket's energy over the period, summed over the governor's
 * host-total domains, so that the buckets sum EXACTLY to the period's host energy. A new
 * attribution instance (governor restart) counts the new instance's totals only; a bucket that
 * left the attribution (dropped after its grace period, its energy folded into `(other)`) never
 * gets negative energy: what it already reported is taken back from `(other)` first.
 *
 * @module
 */

import type { WorkloadTotals } from "./workload.ts";
import { OTHER_BUCKET } from "./workload.ts";

/**
 * The per-bucket totals a report remembers (decimal strings, host-total domains only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadReportState } from "./workload_period.ts";
 * const s: WorkloadReportState = {
 *   instance: "i",
 *   intervals: 3,
 *   policy: "idle",
 *   domains: { "package-0": { host_uj: "10", buckets: { "(idle)": "4", "a.slice": "6" } } },
 * };
 * assert.equal(s.domains["package-0"].buckets["a.slice"], "6");
 * ```
 */
export interface WorkloadReportState {
  /** Governor instance whose attribution the totals come from. */
  readonly instance: string;
  /** Intervals attributed at that reading. */
  readonly intervals: number;
  /** Idle policy in effect. */
  readonly policy: string;
  /** Per host-total domain: attributed host total and bucket totals, uJ. */
  readonly domains: Readonly<
    Record<string, { readonly host_uj: string; readonly buckets: Readonly<Record<string, string>> }>
  >;
}

/**
 * A period's energies.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadPeriod } from "./workload_period.ts";
 * const p: WorkloadPeriod = { hostUj: 3n, bucketsUj: { a: 1n, b: 2n }, events: [], state: {
 *   instance: "i", intervals: 1, policy: "idle", domains: {},
 * } };
 * assert.equal(Object.values(p.bucketsUj).reduce((s, x) => s + x, 0n), p.hostUj);
 * ```
 */
export interface WorkloadPeriod {
  /** Host energy of the period over the host-total domains, uJ (>= 0). */
  readonly hostUj: bigint;
  /** Each bucket's energy over the host-total domains, uJ (>= 0; they sum to `hostUj`). */
  readonly bucketsUj: Readonly<Record<string, bigint>>;
  /** What happened, in words (restart, buckets that left, counters going backwards). */
  readonly events: readonly string[];
  /** State after the period. */
  readonly state: WorkloadReportState;
}

/**
 * The attributed host total over `hostTotalDomains` (the accumulator's rule: the domains whose
 * sum is the host's energy without counting nested domains twice).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attributedHostUj } from "./workload_period.ts";
 * const t = {
 *   instance: "i", monoNs: 0n, timeMs: 0, policy: "idle" as const, intervals: 1, workloads: {},
 *   domains: { psys: { hostUj: 7n, buckets: { "(idle)": 7n } }, core: { hostUj: 5n, buckets: {} } },
 * };
 * assert.equal(attributedHostUj(t, ["psys"]), 7n);
 * ```
 */
export function attributedHostUj(
  totals: WorkloadTotals,
  hostTotalDomains: readonly string[],
): bigint {
  let sum = 0n;
  for (const d of hostTotalDomains) sum += totals.domains[d]?.hostUj ?? 0n;
  return sum;
}

/**
 * The state to remember for `totals` (host-total domains only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadReportState } from "./workload_period.ts";
 * const t = {
 *   instance: "i", monoNs: 0n, timeMs: 0, policy: "idle" as const, intervals: 2, workloads: {},
 *   domains: { psys: { hostUj: 7n, buckets: { "(idle)": 7n } }, core: { hostUj: 5n, buckets: {} } },
 * };
 * assert.deepEqual(workloadReportState(t, ["psys"]).domains, {
 *   psys: { host_uj: "7", buckets: { "(idle)": "7" } },
 * });
 * ```
 */
export function workloadReportState(
  totals: WorkloadTotals,
  hostTotalDomains: readonly string[],
): WorkloadReportState {
  const domains: Record<string, { host_uj: string; buckets: Record<string, string> }> = {};
  for (const d of hostTotalDomains) {
    const t = totals.domains[d];
    if (!t) continue;
    domains[d] = {
      host_uj: t.hostUj.toString(),
      buckets: Object.fromEntries(Object.entries(t.buckets).map(([k, v]) => [k, v.toString()])),
    };
  }
  return {
    instance: totals.instance,
    intervals: totals.intervals,
    policy: totals.policy,
    domains,
  };
}

/** Takes `need` uJ back from positive buckets: `(other)` first, then the largest ones. */
function takeBack(deltas: Map<string, bigint>, need: bigint): void {
  const order = [...deltas.entries()].filter(([, v]) => v > 0n).sort(([a, x], [b, y]) =>
    a === OTHER_BUCKET ? -1 : b === OTHER_BUCKET ? 1 : x > y ? -1 : x < y ? 1 : a < b ? -1 : 1
  );
  for (const [k, v] of order) {
    if (need === 0n) return;
    const take = v < need ? v : need;
    deltas.set(k, v - take);
    need -= take;
  }
}

/**
 * Each bucket's energy since `prev` (null: no previous bucket totals, so everything since the
 * attribution started counts), summed over `hostTotalDomains`.
 *
 * Rules, per domain: same instance: current minus previous total (a domain whose attributed
 * host total went backwards records 0); a bucket below its previous total (it left the
 * attribution) gets 0 and the difference is taken back from `(other)` first, then from the
 * largest buckets, so the sum stays exact; a new instance: the new instance's totals (the
 * caller records the restart, as the host report does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workloadPeriod, workloadReportState } from "./workload_period.ts";
 * const snap = (intervals: number, a: bigint, idle: bigint) => ({
 *   instance: "i", monoNs: 0n, timeMs: 0, policy: "idle" as const, intervals, workloads: {},
 *   domains: { psys: { hostUj: a + idle, buckets: { "a.slice": a, "(idle)": idle } } },
 * });
 * const prev = workloadReportState(snap(1, 10n, 5n), ["psys"]);
 * const p = workloadPeriod(prev, snap(2, 30n, 6n), ["psys"]);
 * assert.equal(p.hostUj, 21n);
 * assert.deepEqual(p.bucketsUj, { "a.slice": 20n, "(idle)": 1n });
 * ```
 */
export function workloadPeriod(
  prev: WorkloadReportState | null,
  totals: WorkloadTotals,
  hostTotalDomains: readonly string[],
): WorkloadPeriod {
  const events: string[] = [];
  const same = prev !== null && prev.instance === totals.instance;
  const bucketsUj: Record<string, bigint> = {};
  let hostUj = 0n;
  let left = 0;
  let takenUj = 0n;
  for (const d of hostTotalDomains) {
    const cur = totals.domains[d];
    if (!cur) continue;
    const before = same ? prev.domains[d] : undefined;
    const prevHost = before ? BigInt(before.host_uj) : 0n;
    if (cur.hostUj < prevHost) {
      events.push(
        `attributed energy of ${d} went backwards (${prevHost} -> ${cur.hostUj} uJ): recorded 0`,
      );
      continue;
    }
    const deltas = new Map<string, bigint>();
    let negative = 0n;
    const keys = new Set([...Object.keys(cur.buckets), ...Object.keys(before?.buckets ?? {})]);
    for (const k of keys) {
      const delta = (cur.buckets[k] ?? 0n) - BigInt(before?.buckets[k] ?? "0");
      if (delta < 0n) {
        negative -= delta;
        if (!(k in cur.buckets)) left++;
        deltas.set(k, 0n);
      } else deltas.set(k, delta);
    }
    if (negative > 0n) {
      takeBack(deltas, negative);
      takenUj += negative;
    }
    let sum = 0n;
    for (const [k, v] of deltas) {
      sum += v;
      if (v > 0n || k in cur.buckets) bucketsUj[k] = (bucketsUj[k] ?? 0n) + v;
    }
    const domainUj = cur.hostUj - prevHost;
    if (sum !== domainUj) {
      throw new RangeError(
        `attribution snapshot of ${d} does not conserve energy (buckets ${sum} uJ, host ` +
          `${domainUj} uJ over the period); the governor's workload totals are inconsistent`,
      );
    }
    hostUj += domainUj;
  }
  if (takenUj > 0n) {
    events.push(
      `${left} workload(s) left the attribution (their later energy is in ${OTHER_BUCKET}); ` +
        `${takenUj} uJ they had already reported were taken back from ${OTHER_BUCKET} so that ` +
        "no tenant gets negative energy",
    );
  }
  return { hostUj, bucketsUj, events, state: workloadReportState(totals, hostTotalDomains) };
}

/**
 * A share `part / whole` as an exact reduced fraction `num/den` (`0/1` when `whole` is 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactShare } from "./workload_period.ts";
 * assert.equal(exactShare(2n, 6n), "1/3");
 * assert.equal(exactShare(0n, 0n), "0/1");
 * ```
 */
export function exactShare(part: bigint, whole: bigint): string {
  if (whole === 0n || part === 0n) return "0/1";
  let a = part, b = whole;
  while (b !== 0n) [a, b] = [b, a % b];
  return `${part / a}/${whole / a}`;
}

/**
 * A share as the emission schema's decimal ratio (0..1), rounded half up to 9 fraction digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shareRatio } from "./workload_period.ts";
 * assert.equal(shareRatio(1n, 3n), "0.333333333");
 * assert.equal(shareRatio(2n, 2n), "1");
 * assert.equal(shareRatio(0n, 0n), "0");
 * ```
 */
export function shareRatio(part: bigint, whole: bigint): string {
  if (whole === 0n || part === 0n) return "0";
  const scaled = (part * 2_000_000_000n + whole) / (2n * whole); // round half up, 1e9 scale
  if (scaled >= 1_000_000_000n) return "1";
  return `0.${scaled.toString().padStart(9, "0")}`.replace(/0+$/, "").replace(/\.$/, "");
}
