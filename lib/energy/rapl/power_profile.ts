/**
 * Power profiles for the simulated source: constant, steps, a `seconds,watts` CSV, or the
 * host's real CPU utilisation times the CPU power model. Energy is exact integer femtojoules
 * (microwatts x nanoseconds), so a simulation has a known true energy to compare against.
 *
 * @module
 */
import { ConfigError } from "../../base/errors.ts";
import { type CpuTimes, cpuUtilisationPct, parseProcStat } from "../cpu_times.ts";
import { DEFAULT_GAMMA, DEFAULT_IDLE_FRACTION, modelCpuPowerWatts } from "../power_model.ts";
import { EnergySourceError } from "./errors.ts";

/**
 * Power over time, integrated exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowerProfile } from "./power_profile.ts";
 * // 2 W, written by hand: microwatts x nanoseconds = femtojoules.
 * const twoWatts: PowerProfile = {
 *   description: "constant 2 W",
 *   energyFj: (fromNs, toNs) => 2_000_000n * (toNs - fromNs),
 * };
 * assert.equal(twoWatts.energyFj(0n, 1_000_000_000n), 2n * 10n ** 15n); // 2 J
 * ```
 */
export interface PowerProfile {
  /** Human description for start-up lines, e.g. `constant 390 W`. */
  readonly description: string;
  /**
   * Energy in femtojoules (1e-15 J = 1 uW x 1 ns) between `fromNs` and `toNs`, nanoseconds since
   * the simulation started. Callers ask for consecutive, non-decreasing ranges.
   */
  energyFj(fromNs: bigint, toNs: bigint): bigint;
}

/**
 * One step: from `atNs` on, the power is `microwatts` (until the next step).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PowerStep } from "./power_profile.ts";
 * import { exactStepPower } from "./power_profile.ts";
 * const steps: PowerStep[] = [{ atNs: 0n, microwatts: 0n }, { atNs: 1_000n, microwatts: 5n }];
 * assert.equal(exactStepPower(steps, "idle then 5 uW").energyFj(0n, 2_000n), 5_000n);
 * ```
 */
export interface PowerStep {
  /** Start, nanoseconds since the simulation started. */
  readonly atNs: bigint;
  /** Power in microwatts. */
  readonly microwatts: bigint;
}

function wattsToMicrowatts(watts: number, what: string): bigint {
  if (!Number.isFinite(watts) || watts < 0) {
    throw new RangeError(`${what}: power must be a finite number of watts >= 0, got ${watts}`);
  }
  return BigInt(Math.round(watts * 1e6));
}

/**
 * A constant power.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { constantPower } from "./power_profile.ts";
 * assert.equal(constantPower(390).energyFj(0n, 1_000_000_000n), 390_000_000_000_000_000n); // 390 J
 * assert.equal(constantPower(390).description, "constant 390 W");
 * ```
 */
export function constantPower(watts: number): PowerProfile {
  const uw = wattsToMicrowatts(watts, "constant profile");
  return { description: `constant ${watts} W`, energyFj: (a, b) => uw * (b - a) };
}

/**
 * Piecewise-constant power from steps `{ atS, watts }` (seconds since start, first at 0,
 * strictly increasing); the last step holds forever. Watts are rounded to microwatts and
 * seconds to nanoseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepPower } from "./power_profile.ts";
 * const p = stepPower([{ atS: 0, watts: 100 }, { atS: 1, watts: 300 }]);
 * assert.equal(p.energyFj(0n, 2_000_000_000n) / 10n ** 15n, 400n); // joules
 * assert.throws(() => stepPower([{ atS: 0, watts: -1 }]), RangeError);
 * ```
 */
export function stepPower(steps: readonly { atS: number; watts: number }[]): PowerProfile {
  const exact = steps.map((s, i) => {
    if (!Number.isFinite(s.atS) || s.atS < 0) throw new RangeError(`step ${i}: bad time ${s.atS}`);
    return {
      atNs: BigInt(Math.round(s.atS * 1e9)),
      microwatts: wattsToMicrowatts(s.watts, `step ${i}`),
    };
  });
  return exactStepPower(exact, `steps (${steps.length})`);
}

/**
 * Piecewise-constant power from exact steps (see {@linkcode PowerStep}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exactStepPower } from "./power_profile.ts";
 * const p = exactStepPower([{ atNs: 0n, microwatts: 1n }, { atNs: 10n, microwatts: 3n }], "steps");
 * assert.equal(p.energyFj(0n, 5n), 5n);
 * assert.equal(p.energyFj(5n, 12n), 5n + 6n);
 * ```
 */
export function exactStepPower(steps: readonly PowerStep[], description: string): PowerProfile {
  if (steps.length === 0) throw new RangeError("a step profile needs at least one step");
  if (steps[0].atNs !== 0n) throw new RangeError("the first step must start at 0 s");
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].atNs <= steps[i - 1].atNs) {
      throw new RangeError(`step ${i}: times must be strictly increasing`);
    }
  }
  const copy = steps.map((s) => ({ ...s }));
  return {
    description,
    energyFj(fromNs: bigint, toNs: bigint): bigint {
      let fj = 0n;
      for (let i = 0; i < copy.length; i++) {
        const start = copy[i].atNs > fromNs ? copy[i].atNs : fromNs;
        const endStep = i + 1 < copy.length ? copy[i + 1].atNs : toNs;
        const end = endStep < toNs ? endStep : toNs;
        if (end > start) fj += copy[i].microwatts * (end - start);
      }
      return fj;
    },
  };
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

function exactDecimal(text: string, scaleDigits: number): bigint | null {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] ?? "").length > scaleDigits) return null;
  return BigInt(m[1] + (m[2] ?? "").padEnd(scaleDigits, "0"));
}

/**
 * Parses a `seconds,watts` CSV: one step per line, an optional `seconds,watts` header,
 * `#` comments and blank lines ignored; seconds (up to 9 decimals) start at 0 and strictly
 * increase; watts are >= 0 with up to 6 decimals. Errors are {@linkcode ConfigError}s naming the
 * file, line and column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePowerCsv } from "./power_profile.ts";
 * const steps = parsePowerCsv("seconds,watts\n0,100\n1.5,390.25\n", "profile.csv");
 * assert.deepEqual(steps[1], { atNs: 1_500_000_000n, microwatts: 390_250_000n });
 * assert.throws(() => parsePowerCsv("0,100,1\n", "profile.csv"), /profile\.csv:1:1: governor\.simProfile: expected/);
 * ```
 */
export function parsePowerCsv(text: string, source: string): PowerStep[] {
  const steps: PowerStep[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    if (steps.length === 0 && /^seconds\s*,\s*watts$/i.test(line)) continue;
    const fail = (problem: string, column = 1): never => {
      throw new ConfigError(problem, { source, line: i + 1, column, key: "governor.simProfile" });
    };
    const cells = lines[i].split(",");
    if (cells.length !== 2) fail(`expected "seconds,watts", got ${JSON.stringify(line)}`);
    const secText = cells[0].trim();
    const wattText = cells[1].trim();
    const atNs = exactDecimal(secText, 9);
    if (atNs === null) {
      fail(
        `seconds must be a decimal number >= 0 (up to 9 decimals), got ${JSON.stringify(secText)}`,
      );
    }
    const microwatts = exactDecimal(wattText, 6);
    if (microwatts === null) {
      fail(
        `watts must be a decimal number >= 0 (up to 6 decimals), got ${JSON.stringify(wattText)}`,
        cells[0].length + 2,
      );
    }
    if (steps.length === 0 && atNs !== 0n) fail("the first row must be at 0 seconds");
    if (steps.length > 0 && atNs! <= steps[steps.length - 1].atNs) {
      fail("seconds must strictly increase from row to row");
    }
    steps.push({ atNs: atNs!, microwatts: microwatts! });
  }
  if (steps.length === 0) {
    throw new ConfigError('no rows: expected lines of "seconds,watts"', {
      source,
      key: "governor.simProfile",
    });
  }
  return steps;
}

/**
 * Reads a CSV power profile file (see {@linkcode parsePowerCsv}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvPower } from "./power_profile.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "0,100\n10,0\n");
 * const profile = csvPower(path);
 * assert.equal(profile.description, `CSV ${path} (2 steps)`);
 * assert.equal(profile.energyFj(0n, 20_000_000_000n), 1_000n * 10n ** 15n); // 100 W for 10 s
 * Deno.removeSync(path);
 * ```
 */
export function csvPower(path: string): PowerProfile {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read the power profile: ${(err as Error).message}`, {
      source: path,
      key: "governor.simProfile",
      cause: err,
    });
  }
  const steps = parsePowerCsv(text, path);
  return exactStepPower(steps, `CSV ${path} (${steps.length} steps)`);
}

/**
 * Options of {@linkcode cpuUtilisationPower}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CpuUtilisationPowerOptions } from "./power_profile.ts";
 * import { cpuUtilisationPower } from "./power_profile.ts";
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  0 0 0 100 0 0 0 0 0 0\n");
 * const options: CpuUtilisationPowerOptions = { procRoot, tdpWatts: 50, idleFraction: 0.5 };
 * // the same idle /proc/stat on every read: idle power, half of 50 W
 * assert.equal(cpuUtilisationPower(options).energyFj(0n, 1_000_000_000n), 25n * 10n ** 15n);
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export interface CpuUtilisationPowerOptions {
  /** procfs root; `<procRoot>/stat` is read. Default `/proc`. */
  readonly procRoot?: string;
  /** Power at 100% utilisation, watts. Default 390. */
  readonly tdpWatts?: number;
  /** Idle share of TDP. Default 0.2. */
  readonly idleFraction?: number;
  /** Exponent on utilisation. Default 0.8. */
  readonly gamma?: number;
}

/**
 * Power from the host's real CPU utilisation (`/proc/stat`, measured between consecutive
 * calls) through `P = r*TDP + (1-r)*TDP*u^gamma`. Not reproducible: it follows the machine.
 * Throws {@linkcode EnergySourceError} when `<procRoot>/stat` cannot be read at start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cpuUtilisationPower } from "./power_profile.ts";
 * const p = cpuUtilisationPower({ tdpWatts: 65 });
 * assert.ok(p.energyFj(0n, 100_000_000n) >= 13n * 100_000_000n * 1_000_000n); // at least idle power
 * assert.throws(() => cpuUtilisationPower({ procRoot: "/nonexistent" }), /cannot read CPU times/);
 * ```
 */
export function cpuUtilisationPower(options: CpuUtilisationPowerOptions = {}): PowerProfile {
  const path = `${options.procRoot ?? "/proc"}/stat`;
  const model = {
    tdpWatts: options.tdpWatts ?? 390,
    idleFraction: options.idleFraction ?? DEFAULT_IDLE_FRACTION,
    gamma: options.gamma ?? DEFAULT_GAMMA,
  };
  const read = (): CpuTimes | null => {
    try {
      return parseProcStat(Deno.readTextFileSync(path)).total;
    } catch {
      return null;
    }
  };
  let prev = read();
  if (prev === null) {
    throw new EnergySourceError(
      `cannot read CPU times from ${path} for the CPU-utilisation profile`,
      {
        backend: "sim",
        reason: "not-found",
        path,
      },
    );
  }
  let lastUtil = 0;
  return {
    description: `host CPU utilisation (${path}) x model TDP ${model.tdpWatts} W, idle share ` +
      `${model.idleFraction}, gamma ${model.gamma}`,
    energyFj(fromNs: bigint, toNs: bigint): bigint {
      const cur = read();
      if (cur !== null && prev !== null) lastUtil = cpuUtilisationPct(prev, cur);
      if (cur !== null) prev = cur;
      const uw = wattsToMicrowatts(modelCpuPowerWatts(lastUtil, model), "cpu profile");
      return uw * (toNs - fromNs);
    },
  };
}
