/**
 * Accuracy of the governor's accounting against a simulated counter whose true energy is known
 * exactly (lib/energy/rapl/sim.ts), over simulated time on a virtual clock with jittered ticks.
 * Used by bench/governor_measure.ts and tests/governor/accuracy_test.ts.
 */
import { VirtualClock } from "../../lib/base/clock.ts";
import { seededRandom } from "../../lib/base/prng.ts";
import { Accumulator } from "../../lib/energy/rapl/accumulator.ts";
import { createSimSource } from "../../lib/energy/rapl/sim.ts";
import {
  constantPower,
  type PowerProfile,
  stepPower,
} from "../../lib/energy/rapl/power_profile.ts";

/** One accuracy scenario. */
export interface AccuracyCase {
  /** Label for the report. */
  readonly label: string;
  /** Power profile. */
  readonly profile: PowerProfile;
  /** Peak power (for "one tick's energy"). */
  readonly peakWatts: number;
  /** Plain uJ counter range (max value); ignored with `hardwareUnitNj`. */
  readonly maxEnergyRangeUj?: bigint;
  /** RAPL hardware unit in nJ (Intel 61035, AMD 15258, DRAM 15300). */
  readonly hardwareUnitNj?: bigint;
  /** Counter start in uJ (to place wraps). */
  readonly startUj?: bigint;
}

/** Result of one scenario. */
export interface AccuracyResult {
  readonly label: string;
  readonly ticks: number;
  readonly wraps: number;
  readonly resets: number;
  readonly discarded: number;
  readonly trueUj: bigint;
  readonly totalUj: bigint;
  readonly errorUj: bigint;
  readonly tickEnergyUj: bigint;
}

/**
 * Runs `c` for `seconds` of simulated time at `intervalMs` with 0..`jitterMs` of lateness per
 * tick, and compares the accumulated total with the true energy between the first and last
 * sample.
 */
export function runAccuracyCase(
  c: AccuracyCase,
  options: { seconds?: number; intervalMs?: number; jitterMs?: number; seed?: number } = {},
): AccuracyResult {
  const seconds = options.seconds ?? 600;
  const intervalNs = BigInt((options.intervalMs ?? 100) * 1e6);
  const jitterMs = options.jitterMs ?? 5;
  const random = seededRandom(options.seed ?? 1);
  const clock = new VirtualClock({ monoNs: 1_000_000_000n, wallMs: 1_000 });
  const sim = createSimSource({
    clock,
    profile: c.profile,
    maxEnergyRangeUj: c.maxEnergyRangeUj,
    hardwareUnitNj: c.hardwareUnitNj ?? null,
    startUj: c.startUj === undefined ? undefined : [c.startUj],
  });
  const acc = new Accumulator(sim.domains, {
    instance: "accuracy",
    source: "sim",
    maxPowerWatts: 5000,
  });
  const start = clock.monoNs();
  const ticks = Math.round((seconds * 1e9) / Number(intervalNs));
  let firstFj = 0n;
  for (let k = 0; k <= ticks; k++) {
    const tickNs = start + BigInt(k) * intervalNs + BigInt(Math.floor(random() * jitterMs * 1e6));
    void clock.advance(Number(tickNs - clock.monoNs()) / 1e6); // nothing sleeps: moves now
    const samples = sim.read();
    if (k === 0) firstFj = sim.trueEnergyFj("package-0");
    acc.apply(samples, { monoNs: clock.monoNs(), timeMs: clock.nowMs() });
  }
  const trueUj = (sim.trueEnergyFj("package-0") - firstFj) / 1_000_000_000n;
  const d = acc.snapshot().domains["package-0"];
  return {
    label: c.label,
    ticks,
    wraps: d.wraps,
    resets: d.resets,
    discarded: d.discarded,
    trueUj,
    totalUj: d.totalUj,
    errorUj: d.totalUj - trueUj,
    tickEnergyUj: BigInt(Math.round(c.peakWatts * Number(intervalNs) / 1000)),
  };
}

const INTEL_UNIT = 61035n;
const AMD_UNIT = 15258n;
const DRAM_UNIT = 15300n;
const intelMax = ((2n ** 32n - 1n) * INTEL_UNIT) / 1000n;

/** The scenarios of the issue: 2^32 uJ at 390 W, and the real Intel / AMD / DRAM ranges. */
export const ACCURACY_CASES: readonly AccuracyCase[] = [
  {
    label: "2^32 uJ range, 390 W (wrap every 11 s)",
    profile: constantPower(390),
    peakWatts: 390,
    maxEnergyRangeUj: 2n ** 32n - 1n,
  },
  {
    label: "2^32 uJ range, steps 20..450 W every 7 s",
    profile: stepPower(
      Array.from({ length: 100 }, (_, i) => ({ atS: i * 7, watts: [20, 450, 130, 390, 5][i % 5] })),
    ),
    peakWatts: 450,
    maxEnergyRangeUj: 2n ** 32n - 1n,
  },
  {
    label: "Intel ESU 14 (61.035 uJ unit, 262 kJ range), 390 W, wrap 5 min in",
    profile: constantPower(390),
    peakWatts: 390,
    hardwareUnitNj: INTEL_UNIT,
    startUj: intelMax - 390n * 300n * 1_000_000n,
  },
  {
    label: "AMD ESU 16 (15.258 uJ unit, 65.5 kJ range), 390 W",
    profile: constantPower(390),
    peakWatts: 390,
    hardwareUnitNj: AMD_UNIT,
  },
  {
    label: "server DRAM (15.3 uJ fixed unit), 400 W",
    profile: constantPower(400),
    peakWatts: 400,
    hardwareUnitNj: DRAM_UNIT,
  },
];
