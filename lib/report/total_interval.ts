/**
 * The 95% interval of a SUM of emission records whose errors are correlated (pure).
 *
 * Records that share an emission factor (region, dataset, version, year), a PUE profile (value and
 * source) or an energy model share their errors: a wrong factor is wrong for every record that
 * used it. The records of a **correlation group** (the connected set of records linked by any of
 * those shared sources) are taken as fully correlated (comonotonic): one standard normal deviate
 * per group moves all of them together, so the 2.5% and 97.5% quantiles of a group's sum are the
 * sums of its records' quantiles. Groups are independent of each other.
 *
 * Two ways to the total's interval, checked against each other in tests:
 * - `monteCarloInterval`: one deviate per group per draw (seeded `Xoshiro128`), each group's sum
 *   a two-piece log-normal through its summed quantiles (two-piece linear when a lower bound is
 *   0), quantiles of the simulated totals;
 * - `analyticalInterval`: the groups' means and variances added and the total fitted with a
 *   log-normal of that mean and variance (Fenton-Wilkinson).
 *
 * @module
 */

import { Xoshiro128 } from "../base/prng.ts";
import { normalCdf, quantileSorted, zForConfidence } from "../carbon/stats.ts";

const Z95 = zForConfidence(95);

/**
 * The sums of one correlation group: central grams and the summed 95% quantiles.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GroupSums } from "./total_interval.ts";
 * const g: GroupSums = { records: 2, centralG: 10, lowerG: 8, upperG: 13 };
 * assert.ok(g.lowerG <= g.centralG && g.centralG <= g.upperG);
 * ```
 */
export interface GroupSums {
  /** Records in the group. */
  records: number;
  /** Sum of the records' central values, grams. */
  centralG: number;
  /** Sum of the records' 2.5% quantiles, grams. */
  lowerG: number;
  /** Sum of the records' 97.5% quantiles, grams. */
  upperG: number;
}

/**
 * A central value with its 95% interval, grams.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Interval } from "./total_interval.ts";
 * const i: Interval = { centralG: 10, lowerG: 8, upperG: 13 };
 * assert.equal(i.upperG - i.lowerG, 5);
 * ```
 */
export interface Interval {
  /** Central value (the exact sum of the records' values, as a float). */
  readonly centralG: number;
  /** Lower bound of the 95% interval. */
  readonly lowerG: number;
  /** Upper bound of the 95% interval. */
  readonly upperG: number;
}

/**
 * A record's interval rescaled to 95% when it was given at another confidence level (log-normal
 * when the lower bound is positive, else linear). A 95% interval is returned unchanged.
 *
 * @param confidencePct The record's `confidence_level_pct`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordInterval95 } from "./total_interval.ts";
 * assert.deepEqual(recordInterval95({ centralG: 10, lowerG: 8, upperG: 13 }, 95), { centralG: 10, lowerG: 8, upperG: 13 });
 * const wider = recordInterval95({ centralG: 10, lowerG: 8, upperG: 12 }, 68.27);
 * assert.ok(wider.lowerG < 8 && wider.upperG > 12);
 * ```
 */
export function recordInterval95(i: Interval, confidencePct: number): Interval {
  if (confidencePct === 95 || !(confidencePct > 0 && confidencePct < 100)) return i;
  const k = Z95 / zForConfidence(confidencePct);
  if (i.lowerG > 0 && i.centralG > 0) {
    return {
      centralG: i.centralG,
      lowerG: i.centralG * (i.lowerG / i.centralG) ** k,
      upperG: i.centralG * (i.upperG / i.centralG) ** k,
    };
  }
  return {
    centralG: i.centralG,
    lowerG: Math.max(0, i.centralG - (i.centralG - i.lowerG) * k),
    upperG: i.centralG + (i.upperG - i.centralG) * k,
  };
}

/**
 * Union-find over the shared sources of records: `link` puts a record's sources (its factor, PUE
 * profile and energy model keys) into one correlation group and returns the record's cell key;
 * `groupOf` names the group a cell belongs to once all records are linked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorrelationGroups } from "./total_interval.ts";
 * const g = new CorrelationGroups();
 * const a = g.link(["factor:FR", "pue:1.2 site"]);
 * const b = g.link(["factor:DE", "pue:1.2 site"]);
 * const c = g.link(["factor:US", "pue:1.1 cloud"]);
 * assert.equal(g.groupOf(a), g.groupOf(b));
 * assert.notEqual(g.groupOf(a), g.groupOf(c));
 * assert.equal(g.count(), 2);
 * ```
 */
export class CorrelationGroups {
  #parent = new Map<string, string>();
  #cells = new Map<string, string>();

  #find(x: string): string {
    let root = x;
    for (let p = this.#parent.get(root)!; p !== root; p = this.#parent.get(root)!) root = p;
    for (let y = x, p = this.#parent.get(y)!; p !== root; y = p, p = this.#parent.get(y)!) {
      this.#parent.set(y, root);
    }
    return root;
  }

  /**
   * Links the sources and returns the cell key (the sources joined) to accumulate sums under.
   *
   * @param sources At least one source key.
   */
  link(sources: readonly string[]): string {
    const cell = sources.join("\u0000");
    if (this.#cells.has(cell)) return cell;
    for (const s of sources) if (!this.#parent.has(s)) this.#parent.set(s, s);
    const first = this.#find(sources[0]);
    for (const s of sources.slice(1)) {
      const r = this.#find(s);
      if (r !== first) this.#parent.set(r, first);
    }
    this.#cells.set(cell, sources[0]);
    return cell;
  }

  /** The group (a representative source key) of a cell returned by `link`. */
  groupOf(cell: string): string {
    const source = this.#cells.get(cell);
    if (source === undefined) throw new RangeError(`unknown correlation cell '${cell}'`);
    return this.#find(source);
  }

  /** Number of groups. */
  count(): number {
    const roots = new Set<string>();
    for (const source of this.#cells.values()) roots.add(this.#find(source));
    return roots.size;
  }
}

/**
 * Streaming sums per correlation cell for one total (the whole ledger or one breakdown row):
 * constant memory in the number of records.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CellSums, CorrelationGroups } from "./total_interval.ts";
 * const groups = new CorrelationGroups();
 * const sums = new CellSums();
 * const cell = groups.link(["factor:FR"]);
 * sums.add(cell, { centralG: 10, lowerG: 8, upperG: 13 });
 * sums.add(cell, { centralG: 10, lowerG: 8, upperG: 13 });
 * assert.deepEqual(sums.groups(groups), [{ records: 2, centralG: 20, lowerG: 16, upperG: 26 }]);
 * ```
 */
export class CellSums {
  readonly #cells = new Map<string, GroupSums>();

  /**
   * Adds one record's 95% interval to `cell`; `sign` -1 removes it again (a superseded record).
   */
  add(cell: string, i: Interval, sign: 1 | -1 = 1): void {
    let s = this.#cells.get(cell);
    if (s === undefined) {
      s = { records: 0, centralG: 0, lowerG: 0, upperG: 0 };
      this.#cells.set(cell, s);
    }
    s.records += sign;
    s.centralG += sign * i.centralG;
    s.lowerG += sign * i.lowerG;
    s.upperG += sign * i.upperG;
  }

  /**
   * Adds the sums of many records of `cell` at once (`sums.records` of them; negative counts
   * and grams take superseded records out).
   */
  addCell(cell: string, sums: GroupSums): void {
    let s = this.#cells.get(cell);
    if (s === undefined) {
      s = { records: 0, centralG: 0, lowerG: 0, upperG: 0 };
      this.#cells.set(cell, s);
    }
    s.records += sums.records;
    s.centralG += sums.centralG;
    s.lowerG += sums.lowerG;
    s.upperG += sums.upperG;
  }

  /** Adds every cell of `other` (e.g. one day's sums to a running total). */
  addAll(other: CellSums): void {
    for (const [cell, s] of other.#cells) {
      const t = this.#cells.get(cell) ?? { records: 0, centralG: 0, lowerG: 0, upperG: 0 };
      t.records += s.records;
      t.centralG += s.centralG;
      t.lowerG += s.lowerG;
      t.upperG += s.upperG;
      this.#cells.set(cell, t);
    }
  }

  /** The sums merged per correlation group (groups with records only). */
  groups(groups: CorrelationGroups): GroupSums[] {
    const out = new Map<string, GroupSums>();
    for (const [cell, s] of this.#cells) {
      if (s.records <= 0) continue;
      const g = groups.groupOf(cell);
      const t = out.get(g) ?? { records: 0, centralG: 0, lowerG: 0, upperG: 0 };
      t.records += s.records;
      t.centralG += s.centralG;
      t.lowerG += s.lowerG;
      t.upperG += s.upperG;
      out.set(g, t);
    }
    return [...out.values()];
  }
}

/** Mean and second moment of a group's sum (the two-piece distribution `groupAt` draws from). */
function groupMoments(g: GroupSums): [number, number] {
  const c = g.centralG;
  if (g.lowerG > 0 && c > 0) {
    const a = Math.log(c / g.lowerG) / Z95, b = Math.log(g.upperG / c) / Z95;
    const m1 = c * (Math.exp(a * a / 2) * normalCdf(-a) + Math.exp(b * b / 2) * normalCdf(b));
    const m2 = c * c *
      (Math.exp(2 * a * a) * normalCdf(-2 * a) + Math.exp(2 * b * b) * normalCdf(2 * b));
    return [m1, m2];
  }
  const a = (c - g.lowerG) / Z95, b = (g.upperG - c) / Z95;
  const m1 = c + (b - a) / Math.sqrt(2 * Math.PI);
  return [m1, c * c + (2 * c * (b - a)) / Math.sqrt(2 * Math.PI) + (a * a + b * b) / 2];
}

/**
 * The analytical 95% interval of the total (Fenton-Wilkinson): the groups' sums are independent,
 * each with the two-piece log-normal through its summed quantiles; their means and variances
 * add, and the total is taken as the log-normal with that mean and variance. Exact for one group
 * (or any groups with the same log-normal shape); the central value stays the exact sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyticalInterval } from "./total_interval.ts";
 * const k = Math.exp(1.96 * 0.2);
 * const g = { records: 1, centralG: 100, lowerG: 100 / k, upperG: 100 * k };
 * const one = analyticalInterval([g]);
 * assert.ok(Math.abs(one.lowerG - 100 / k) < 1e-9 && Math.abs(one.upperG - 100 * k) < 1e-9);
 * const two = analyticalInterval([g, g]); // independent groups: narrower than 2 x one
 * assert.ok(two.upperG - 200 < 2 * (one.upperG - 100));
 * ```
 */
export function analyticalInterval(groups: readonly GroupSums[]): Interval {
  let c = 0, mean = 0, variance = 0;
  for (const g of groups) {
    const [m1, m2] = groupMoments(g);
    c += g.centralG;
    mean += m1;
    variance += Math.max(0, m2 - m1 * m1);
  }
  if (!(mean > 0)) return { centralG: c, lowerG: c, upperG: c };
  const s2 = Math.log(1 + variance / (mean * mean));
  const mu = Math.log(mean) - s2 / 2;
  const s = Math.sqrt(s2);
  return { centralG: c, lowerG: Math.exp(mu - Z95 * s), upperG: Math.exp(mu + Z95 * s) };
}

/** A group's sum at standard normal deviate `z` (two-piece, through its summed quantiles). */
function groupAt(g: GroupSums, z: number): number {
  const c = g.centralG;
  if (z >= 0) {
    if (g.lowerG > 0 && c > 0) return c * Math.exp((z * Math.log(g.upperG / c)) / Z95);
    return c + (z * (g.upperG - c)) / Z95;
  }
  if (g.lowerG > 0 && c > 0) return c * Math.exp((z * Math.log(c / g.lowerG)) / Z95);
  return Math.max(0, c + (z * (c - g.lowerG)) / Z95);
}

/**
 * Options of `monteCarloInterval`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Xoshiro128 } from "../base/prng.ts";
 * import type { MonteCarloOptions } from "./total_interval.ts";
 * const options: MonteCarloOptions = { iterations: 1000, random: new Xoshiro128(7) };
 * assert.equal(options.iterations, 1000);
 * ```
 */
export interface MonteCarloOptions {
  /** Draws (default 20,000). */
  readonly iterations?: number;
  /** The generator (default `new Xoshiro128(1)`: the same ledger always gives the same bounds). */
  readonly random?: Xoshiro128;
}

/**
 * The Monte Carlo 95% interval of the total: per draw one standard normal deviate per group,
 * shared by all its records; the 2.5% and 97.5% quantiles of the simulated totals. The central
 * value stays the exact sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Xoshiro128 } from "../base/prng.ts";
 * import { analyticalInterval, monteCarloInterval } from "./total_interval.ts";
 * const groups = [
 *   { records: 10, centralG: 100, lowerG: 80, upperG: 125 },
 *   { records: 5, centralG: 50, lowerG: 40, upperG: 62.5 },
 * ];
 * const mc = monteCarloInterval(groups, { random: new Xoshiro128(1) });
 * const again = monteCarloInterval(groups, { random: new Xoshiro128(1) });
 * assert.deepEqual(mc, again); // seeded: reproducible
 * const an = analyticalInterval(groups);
 * assert.ok(Math.abs(mc.upperG - an.upperG) / (an.upperG - an.centralG) < 0.1);
 * ```
 */
export function monteCarloInterval(
  groups: readonly GroupSums[],
  options: MonteCarloOptions = {},
): Interval {
  const iterations = options.iterations ?? 20_000;
  if (!(Number.isInteger(iterations) && iterations >= 100)) {
    throw new RangeError(`iterations must be an integer of at least 100, got ${iterations}`);
  }
  const random = options.random ?? new Xoshiro128(1);
  let c = 0;
  for (const g of groups) c += g.centralG;
  if (groups.length === 0) return { centralG: 0, lowerG: 0, upperG: 0 };
  const totals = new Float64Array(iterations);
  for (let k = 0; k < iterations; k++) {
    let t = 0;
    for (const g of groups) t += groupAt(g, random.nextNormal());
    totals[k] = t;
  }
  totals.sort();
  return {
    centralG: c,
    lowerG: quantileSorted(totals, 0.025),
    upperG: quantileSorted(totals, 0.975),
  };
}
