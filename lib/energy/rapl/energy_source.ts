/**
 * The narrow interface every energy backend implements (powercap sysfs, MSR, simulated), so the
 * accumulator, scheduler and server never touch hardware directly.
 *
 * @module
 */

/**
 * What a domain measures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DomainKind } from "./energy_source.ts";
 * const inPackage: DomainKind[] = ["core", "uncore"];
 * assert.ok(!inPackage.includes("package"));
 * ```
 */
export type DomainKind = "package" | "core" | "uncore" | "dram" | "psys";

/**
 * Static facts about one energy domain, found at discovery.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DomainInfo } from "./energy_source.ts";
 * const domain: DomainInfo = {
 *   name: "package-0",
 *   kind: "package",
 *   parent: null,
 *   inHostTotal: true,
 *   wrapModulus: 262143328911n,
 *   ujPerRaw: { num: 1n, den: 1n },
 *   origin: "/sys/class/powercap/intel-rapl:0/energy_uj",
 *   note: null,
 * };
 * // 61 uJ per count after a wrap from near the top of the range back to 10
 * assert.equal(10n + domain.wrapModulus - 262143328850n, 71n);
 * ```
 */
export interface DomainInfo {
  /** Stable name used on the socket and in metrics, e.g. `package-0`, `package-0/core`, `dram-0`, `psys`. */
  readonly name: string;
  /** What it measures. */
  readonly kind: DomainKind;
  /** Name of the enclosing domain (core/uncore/dram in a package), if any. */
  readonly parent: string | null;
  /** Whether this domain counts toward host energy (packages + dram, or psys alone). */
  readonly inHostTotal: boolean;
  /**
   * Counter modulus in raw units: after a wrap, `delta = cur + wrapModulus - prev`. For sysfs
   * (raw unit = uJ) it is `max_energy_range_uj` plus one hardware unit; for MSR it is 2^32.
   */
  readonly wrapModulus: bigint;
  /** Microjoules per raw count as an exact fraction `num/den` (sysfs: 1/1). */
  readonly ujPerRaw: { readonly num: bigint; readonly den: bigint };
  /** Where it is read from (file path or register), for start-up lines and errors. */
  readonly origin: string;
  /** Caveat shown to users, e.g. "AMD core zone measures a single core". */
  readonly note: string | null;
}

/**
 * One domain's reading at one tick: a raw counter value, or why it could not be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DomainSample } from "./energy_source.ts";
 * const samples: DomainSample[] = [
 *   { name: "package-0", raw: 123n },
 *   { name: "dram-0", error: "EIO" },
 * ];
 * assert.deepEqual(samples.filter((s) => s.error === undefined).map((s) => s.raw), [123n]);
 * ```
 */
export type DomainSample =
  | { readonly name: string; readonly raw: bigint; readonly error?: undefined }
  | { readonly name: string; readonly raw?: undefined; readonly error: string };

/**
 * An energy backend. Reads are synchronous and cheap; one domain failing never hides another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EnergySource } from "./energy_source.ts";
 * import { constantPower, createSimSource } from "./mod.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const clock = new VirtualClock();
 * const source: EnergySource = createSimSource({ clock, profile: constantPower(1) });
 * clock.advance(1_000);
 * assert.deepEqual(source.read(), [{ name: "package-0", raw: 1_000_000n }]); // 1 W for 1 s
 * source.close();
 * ```
 */
export interface EnergySource {
  /** Backend kind, reported in every snapshot. */
  readonly kind: "sysfs" | "msr" | "sim";
  /** The domains, fixed after construction. */
  readonly domains: readonly DomainInfo[];
  /** Reads every domain once, in `domains` order; each entry has `raw` or `error`. */
  read(): DomainSample[];
  /** Releases open files. */
  close(): void;
}
