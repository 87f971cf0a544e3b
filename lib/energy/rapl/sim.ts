/**
 * The simulated energy source: counters driven by a power profile on an injected clock, with a
 * configurable counter range so wraps happen when a demo or test wants them (the default
 * 2^32 - 1 uJ range wraps every 11 s at 390 W, like the masked counters of the Python 0.1.1).
 * It knows the exact true energy, so totals can be checked against the truth.
 *
 * @module
 */
import type { Clock } from "../../base/clock.ts";
import type { DomainInfo, DomainSample, EnergySource } from "./energy_source.ts";
import type { PowerProfile } from "./power_profile.ts";
import { sysfsWrapModulus } from "./powercap_discovery.ts";

/**
 * Options of {@linkcode createSimSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SimSourceOptions } from "./sim.ts";
 * import { createSimSource } from "./sim.ts";
 * import { constantPower } from "./power_profile.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const clock = new VirtualClock();
 * const options: SimSourceOptions = {
 *   clock,
 *   profile: constantPower(1),
 *   maxEnergyRangeUj: 999_999n,
 *   startUj: [999_000n],
 * };
 * const sim = createSimSource(options);
 * clock.advance(1_000); // 1 J: the counter passes its range and wraps
 * assert.deepEqual(sim.read(), [{ name: "package-0", raw: 999_000n }]);
 * ```
 */
export interface SimSourceOptions {
  /** Time source (a `VirtualClock` for virtual time). Required. */
  readonly clock: Clock;
  /** Power of each package over time. Required. */
  readonly profile: PowerProfile;
  /** Number of package domains, each drawing `profile`. Default 1. */
  readonly packages?: number;
  /**
   * Largest counter value in uJ (like `max_energy_range_uj`); the counter counts in 1 uJ steps
   * and wraps to 0 after it, so the modulus is this + 1. Default 4294967295 (2^32 - 1).
   * Ignored when `hardwareUnitNj` is set.
   */
  readonly maxEnergyRangeUj?: bigint;
  /**
   * Emulate RAPL behind powercap: a 32-bit count of `hardwareUnitNj` nanojoules (the kernel's
   * truncated driver unit), reported as `floor(count * unit / 1000)` uJ with
   * `max_energy_range_uj = floor((2^32-1) * unit / 1000)` and the sysfs modulus rule.
   * E.g. 61035n (Intel ESU 14), 15258n (AMD ESU 16), 15300n (server DRAM).
   * Default: off.
   */
  readonly hardwareUnitNj?: bigint | null;
  /** Counter value in uJ at start, per package (default 0 each), to put wraps at any phase. */
  readonly startUj?: readonly bigint[];
}

/**
 * A simulated source that also knows the truth.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SimEnergySource } from "./sim.ts";
 * import { createSimSource } from "./sim.ts";
 * import { constantPower } from "./power_profile.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const clock = new VirtualClock();
 * const sim: SimEnergySource = createSimSource({ clock, profile: constantPower(10), packages: 2 });
 * clock.advance(500);
 * assert.equal(sim.trueHostEnergyFj(), 2n * 5n * 10n ** 15n); // 2 packages x 10 W x 0.5 s
 * assert.equal(sim.maxEnergyRangeUj, 4294967295n);
 * ```
 */
export interface SimEnergySource extends EnergySource {
  /** Always `sim`. */
  readonly kind: "sim";
  /** The profile in use. */
  readonly profile: PowerProfile;
  /** Largest counter value in uJ. */
  readonly maxEnergyRangeUj: bigint;
  /** Exact energy in femtojoules one package has used since the source was created, at the clock's now. */
  trueEnergyFj(name: string): bigint;
  /** Exact host energy (all packages) in femtojoules since creation, at the clock's now. */
  trueHostEnergyFj(): bigint;
}

const FJ_PER_UJ = 1_000_000_000n;
const FJ_PER_NJ = 1_000_000n;
const U32 = 1n << 32n;

/**
 * Creates a simulated source. Counters are a function of exact energy: in the default mode
 * `(startUj + floor(E / 1 uJ)) mod (maxEnergyRangeUj + 1)`; with `hardwareUnitNj` the count of
 * hardware units mod 2^32, converted to uJ like the kernel does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSimSource } from "./sim.ts";
 * import { constantPower } from "./power_profile.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const clock = new VirtualClock();
 * const sim = createSimSource({ clock, profile: constantPower(390) });
 * assert.equal(sim.domains[0].name, "package-0");
 * assert.equal(sim.domains[0].wrapModulus, 4294967296n);
 * clock.advance(1_000);
 * assert.deepEqual(sim.read(), [{ name: "package-0", raw: 390_000_000n }]); // 390 J in uJ
 * assert.equal(sim.trueEnergyFj("package-0"), 390n * 10n ** 15n);
 * ```
 */
export function createSimSource(options: SimSourceOptions): SimEnergySource {
  const packages = options.packages ?? 1;
  if (!Number.isInteger(packages) || packages < 1 || packages > 64) {
    throw new RangeError(`sim packages must be an integer 1..64, got ${packages}`);
  }
  const unitNj = options.hardwareUnitNj ?? null;
  if (unitNj !== null && unitNj <= 0n) throw new RangeError("hardwareUnitNj must be > 0");
  const max = unitNj === null
    ? options.maxEnergyRangeUj ?? 0xffff_ffffn
    : ((U32 - 1n) * unitNj) / 1000n;
  if (max < 1n) throw new RangeError("maxEnergyRangeUj must be >= 1");
  const modulus = unitNj === null ? max + 1n : sysfsWrapModulus(max);
  const start = options.startUj ?? [];
  const domains: DomainInfo[] = [];
  for (let i = 0; i < packages; i++) {
    domains.push({
      name: `package-${i}`,
      kind: "package",
      parent: null,
      inHostTotal: true,
      wrapModulus: modulus,
      ujPerRaw: { num: 1n, den: 1n },
      origin: `sim: ${options.profile.description}`,
      note: "simulated: not a measurement",
    });
  }
  return new SimSource(options.clock, options.profile, domains, {
    max,
    unitNj,
    startFj: domains.map((_, i) => (start[i] ?? 0n) * FJ_PER_UJ),
  });
}

class SimSource implements SimEnergySource {
  readonly kind = "sim" as const;
  readonly domains: readonly DomainInfo[];
  readonly profile: PowerProfile;
  readonly maxEnergyRangeUj: bigint;
  readonly #clock: Clock;
  readonly #t0: bigint;
  readonly #unitNj: bigint | null;
  readonly #startFj: readonly bigint[];
  #lastNs = 0n;
  #energyFj = 0n;

  constructor(
    clock: Clock,
    profile: PowerProfile,
    domains: DomainInfo[],
    counter: { max: bigint; unitNj: bigint | null; startFj: bigint[] },
  ) {
    this.#clock = clock;
    this.#t0 = clock.monoNs();
    this.profile = profile;
    this.domains = domains;
    this.maxEnergyRangeUj = counter.max;
    this.#unitNj = counter.unitNj;
    this.#startFj = counter.startFj;
  }

  #advance(): void {
    const now = this.#clock.monoNs() - this.#t0;
    if (now > this.#lastNs) {
      this.#energyFj += this.profile.energyFj(this.#lastNs, now);
      this.#lastNs = now;
    }
  }

  #counter(totalFj: bigint): bigint {
    if (this.#unitNj === null) return (totalFj / FJ_PER_UJ) % (this.maxEnergyRangeUj + 1n);
    const count = (totalFj / (this.#unitNj * FJ_PER_NJ)) % U32;
    return (count * this.#unitNj) / 1000n;
  }

  read(): DomainSample[] {
    this.#advance();
    return this.domains.map((d, i) => ({
      name: d.name,
      raw: this.#counter(this.#startFj[i] + this.#energyFj),
    }));
  }

  trueEnergyFj(name: string): bigint {
    if (!this.domains.some((d) => d.name === name)) throw new RangeError(`no sim domain ${name}`);
    this.#advance();
    return this.#energyFj;
  }

  trueHostEnergyFj(): bigint {
    this.#advance();
    return this.#energyFj * BigInt(this.domains.length);
  }

  close(): void {}
}
