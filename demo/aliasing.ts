/**
 * The aliasing demo: what a slow scraper of the raw RAPL counter loses across wraps, against the
 * governor's 10 Hz wrap-safe total and the truth. Runs in virtual time by default (seconds of
 * wall time for minutes of simulated time); the adapter in `demo/command.ts` also runs
 * it live on a real powercap tree.
 *
 * @module
 */

import type { Clock } from "../lib/base/clock.ts";
import type { EnergySource } from "../lib/energy/rapl/energy_source.ts";
import { Accumulator, type Snapshot } from "../lib/energy/rapl/accumulator.ts";
import { renderOpenMetrics } from "../governor/metrics.ts";
import { prometheusIncrease } from "./scraper.ts";

/**
 * One point of the cumulative-energy chart, in joules at `tS` seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AliasingPoint } from "./aliasing.ts";
 * const p: AliasingPoint = { tS: 15, truthJ: 5850, governorJ: 5850, scraperJ: 1555 };
 * assert.equal(p.governorJ - p.scraperJ, 4295);
 * ```
 */
export interface AliasingPoint {
  /** Seconds since the start. */
  readonly tS: number;
  /** True energy (null on real hardware, where the truth is unknown). */
  readonly truthJ: number | null;
  /** The governor's wrap-safe total. */
  readonly governorJ: number;
  /** The raw-counter scraper's running `increase()`. */
  readonly scraperJ: number;
}

/**
 * Outcome of the demo (snake_case members are the `--json` output).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AliasingResult } from "./aliasing.ts";
 * import { runAliasing } from "./aliasing.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * import { constantPower, createSimSource } from "../lib/energy/rapl/mod.ts";
 * const clock = new VirtualClock();
 * const sim = createSimSource({ clock, profile: constantPower(100) });
 * const r: AliasingResult = await runAliasing(sim, { clock, durationS: 15 });
 * assert.equal(r.truth_j, null); // no truthFj given
 * assert.equal(r.governor_j, 1500);
 * ```
 */
export interface AliasingResult {
  /** Energy source kind. */
  readonly source: "sim" | "sysfs" | "msr";
  /** Seconds covered (from the first to the last scrape). */
  readonly duration_s: number;
  /** Scrape interval in seconds. */
  readonly scrape_s: number;
  /** Governor tick interval in milliseconds. */
  readonly interval_ms: number;
  /** True energy in joules (sim only; null on hardware). */
  readonly truth_j: number | null;
  /** The governor's total over the same span. */
  readonly governor_j: number;
  /** What the raw-counter scraper computed with `increase()` semantics. */
  readonly scraper_j: number;
  /** The governor's OpenMetrics page (`carbon_ops_host_energy_joules_total`) scraped at the same
   * slow interval, with the same `increase()` arithmetic. */
  readonly openmetrics_scraper_j: number;
  /** Energy the raw-counter scraper missed (governor minus scraper). */
  readonly missed_j: number;
  /** Counter wraps that happened (as the governor counted them). */
  readonly wraps: number;
  /** Wraps the scraper could not see (at most one per interval shows up as a "reset"). */
  readonly wraps_missed: number;
  /** Cumulative energy over time, one point per scrape. */
  readonly series: readonly AliasingPoint[];
}

/**
 * Options of `runAliasing`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AliasingOptions } from "./aliasing.ts";
 * import { runAliasing } from "./aliasing.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * import { constantPower, createSimSource } from "../lib/energy/rapl/mod.ts";
 * const clock = new VirtualClock();
 * const sim = createSimSource({ clock, profile: constantPower(100) });
 * const scrapes: number[] = [];
 * const options: AliasingOptions = { clock, durationS: 30, scrapeS: 10, onScrape: (p) => void scrapes.push(p.tS) };
 * await runAliasing(sim, options);
 * assert.deepEqual(scrapes, [0, 10, 20, 30]);
 * ```
 */
export interface AliasingOptions {
  /** Clock driving the ticks: a `VirtualClock` for virtual time, `systemClock` to run live. */
  readonly clock: Clock;
  /** Governor tick interval (default 100 ms). */
  readonly intervalMs?: number;
  /** Scrape interval (default 15 s). */
  readonly scrapeS?: number;
  /** How long to run (default 120 s); rounded down to whole scrape intervals. */
  readonly durationS?: number;
  /** Exact true host energy in femtojoules at the clock's now (sim sources), if known. */
  readonly truthFj?: () => bigint;
  /** Called after each scrape with the point (progress for live runs; default none). */
  readonly onScrape?: (point: AliasingPoint) => void;
  /** Aborts a live run. */
  readonly signal?: AbortSignal;
}

const J = (uj: bigint) => Number(uj) / 1e6;

/**
 * Scrapes the governor's OpenMetrics page for a snapshot the way Prometheus would: renders the
 * exposition text the daemon serves and reads `carbon_ops_host_energy_joules_total` back.
 */
function scrapeOpenMetricsUj(snapshot: Snapshot, intervalMs: number, ticks: number): bigint {
  const zero = { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 0 };
  const page = renderOpenMetrics({
    snapshot,
    health: { status: "ok", problems: [] },
    scheduler: {
      intervalMs,
      ticks,
      overruns: 0,
      missedTicks: 0,
      lateness: zero,
      duration: zero,
      lastTickMonoNs: snapshot.monoNs,
    },
  });
  const m = /^carbon_ops_host_energy_joules_total\{[^}]*\} (\d+)(?:\.(\d{1,6}))?$/m.exec(page);
  if (!m) throw new Error("the OpenMetrics page has no carbon_ops_host_energy_joules_total sample");
  return BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0"));
}

/**
 * Runs the demo on `source`: ticks at `intervalMs` feed a real `Accumulator` (the governor's
 * arithmetic); every `scrapeS` the raw counter of each host domain and the governor's total are
 * sampled the way a Prometheus scraper would.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runAliasing } from "./aliasing.ts";
 * import { VirtualClock } from "../lib/base/clock.ts";
 * import { constantPower, createSimSource } from "../lib/energy/rapl/mod.ts";
 * const clock = new VirtualClock();
 * const sim = createSimSource({ clock, profile: constantPower(390) });
 * const r = await runAliasing(sim, { clock, durationS: 60, truthFj: () => sim.trueHostEnergyFj() });
 * assert.equal(r.truth_j, 23_400); // 390 W for 60 s
 * assert.equal(r.governor_j, 23_400); // the governor sees every wrap
 * assert.equal(r.wraps, 5);
 * assert.equal(r.wraps_missed, 4);
 * assert.ok(r.scraper_j < 6_000); // a 15 s scraper loses most of it
 * ```
 */
export async function runAliasing(
  source: EnergySource,
  options: AliasingOptions,
): Promise<AliasingResult> {
  const { clock } = options;
  const intervalMs = options.intervalMs ?? 100;
  const scrapeS = options.scrapeS ?? 15;
  const scrapeMs = scrapeS * 1000;
  if (!(intervalMs > 0) || !(scrapeMs >= intervalMs)) {
    throw new RangeError(
      `need 0 < interval (${intervalMs} ms) <= scrape interval (${scrapeMs} ms)`,
    );
  }
  const scrapes = Math.floor((options.durationS ?? 120) / scrapeS);
  if (scrapes < 1) {
    throw new RangeError(`duration must cover at least one scrape interval of ${scrapeS} s`);
  }
  const ticksPerScrape = Math.round(scrapeMs / intervalMs);
  const hostDomains = source.domains.filter((d) => d.inHostTotal);
  const acc = new Accumulator(source.domains, {
    instance: crypto.randomUUID(),
    source: source.kind,
  });
  const t0Ns = clock.monoNs();
  const truth0 = options.truthFj?.() ?? null;

  const rawSamples = new Map<string, bigint[]>(hostDomains.map((d) => [d.name, []]));
  const governorSamples: bigint[] = [];
  const openMetricsSamples: bigint[] = [];
  let ticks = 0;
  const wrapsAtScrape: number[] = [];
  const series: AliasingPoint[] = [];
  let scraperUj = 0n;
  let resetsSeen = 0;

  const tick = () => {
    const frame = source.read();
    acc.apply(frame, { monoNs: clock.monoNs(), timeMs: clock.nowMs() });
    ticks++;
    return frame;
  };
  const scrape = (frame: ReturnType<EnergySource["read"]>) => {
    const snap = acc.snapshot();
    for (const d of hostDomains) {
      const s = frame.find((f) => f.name === d.name);
      if (s?.raw === undefined) continue;
      const list = rawSamples.get(d.name)!;
      list.push(s.raw);
      if (list.length >= 2) {
        const inc = prometheusIncrease(list.slice(-2));
        scraperUj += inc.increase * d.ujPerRaw.num / d.ujPerRaw.den;
        resetsSeen += inc.resetsSeen;
      }
    }
    governorSamples.push(snap.hostTotalUj);
    openMetricsSamples.push(scrapeOpenMetricsUj(snap, intervalMs, ticks));
    wrapsAtScrape.push(hostDomains.reduce((n, d) => n + snap.domains[d.name].wraps, 0));
    const truthJ = truth0 === null ? null : Number(options.truthFj!() - truth0) / 1e15;
    const point = {
      tS: Number(clock.monoNs() - t0Ns) / 1e9,
      truthJ,
      governorJ: J(snap.hostTotalUj - governorSamples[0]),
      scraperJ: J(scraperUj),
    };
    series.push(point);
    options.onScrape?.(point);
  };

  scrape(tick());
  for (let s = 0; s < scrapes; s++) {
    let frame = null;
    for (let t = 0; t < ticksPerScrape; t++) {
      await clock.sleep(intervalMs, options.signal);
      frame = tick();
    }
    scrape(frame!);
  }

  const governorUj = governorSamples[governorSamples.length - 1] - governorSamples[0];
  const wraps = wrapsAtScrape[wrapsAtScrape.length - 1] - wrapsAtScrape[0];
  let wrapsMissed = 0;
  for (let i = 1; i < wrapsAtScrape.length; i++) {
    wrapsMissed += wrapsAtScrape[i] - wrapsAtScrape[i - 1];
  }
  wrapsMissed -= resetsSeen;
  const last = series[series.length - 1];
  return {
    source: source.kind,
    duration_s: scrapes * scrapeS,
    scrape_s: scrapeS,
    interval_ms: intervalMs,
    truth_j: last.truthJ,
    governor_j: J(governorUj),
    scraper_j: J(scraperUj),
    openmetrics_scraper_j: J(prometheusIncrease(openMetricsSamples).increase),
    missed_j: J(governorUj - scraperUj),
    wraps,
    wraps_missed: wrapsMissed,
    series,
  };
}
