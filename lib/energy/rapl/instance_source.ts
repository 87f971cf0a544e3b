/**
 * The governor's energy source for a cloud VM without RAPL: the instance power model
 * (`lib/energy/instance_model.ts`) over the VM's `/proc/stat` utilisation, integrated exactly on
 * the governor's ticks into one counter like the simulated source. It is MODELLED energy: the
 * source kind is `instance`, the snapshots and `read` answers carry the model, and readers sign
 * it as evidence kind `model`, never as measured.
 *
 * @module
 */
import type { Clock } from "../../base/clock.ts";
import type { EnergyModelDetails } from "../../base/energy_evidence.ts";
import { type CpuTimes, cpuUtilisationPct, parseProcStat } from "../cpu_times.ts";
import { type InstanceModel, instanceModelDetails, instanceModelPower } from "../instance_model.ts";
import type { DomainInfo, DomainSample, EnergySource } from "./energy_source.ts";
import { EnergySourceError } from "./errors.ts";

/**
 * Options of {@linkcode createInstanceSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createInstanceSource, type InstanceSourceOptions } from "./instance_source.ts";
 * import { resolveInstanceModel } from "../instance_model.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  0 0 0 100 0 0 0 0 0 0\n");
 * const options: InstanceSourceOptions = {
 *   clock: new VirtualClock(),
 *   model: resolveInstanceModel("aws:m5.large").model!,
 *   procRoot,
 * };
 * assert.equal(createInstanceSource(options).kind, "instance");
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export interface InstanceSourceOptions {
  /** Time source (required). */
  readonly clock: Clock;
  /** The resolved instance model (required). */
  readonly model: InstanceModel;
  /** procfs root; `<procRoot>/stat` is read at each tick. Default `/proc`. */
  readonly procRoot?: string;
}

/**
 * The instance source: an {@link EnergySource} of kind `instance` with one host-total domain
 * `vm`, plus the model and its evidence details.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createInstanceSource, type InstanceEnergySource } from "./instance_source.ts";
 * import { resolveInstanceModel } from "../instance_model.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  0 0 0 100 0 0 0 0 0 0\n");
 * const source: InstanceEnergySource = createInstanceSource({
 *   clock: new VirtualClock(),
 *   model: resolveInstanceModel("aws:m5.large").model!,
 *   procRoot,
 * });
 * assert.equal(source.details().instanceId, "aws:m5.large");
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export interface InstanceEnergySource extends Omit<EnergySource, "kind"> {
  /** Always `instance`: modelled, not a counter (so not an `EnergySource` kind). */
  readonly kind: "instance";
  /** The model in use. */
  readonly model: InstanceModel;
  /** The `/proc/stat` path read. */
  readonly statPath: string;
  /** Evidence details at the mean utilisation so far (50 % before the first tick). */
  details(): EnergyModelDetails;
}

/**
 * Any source the governor can poll: a counter backend, or the instance model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorEnergySource } from "./instance_source.ts";
 * import { constantPower, createSimSource } from "./mod.ts";
 * import { systemClock } from "../../base/clock.ts";
 * const source: GovernorEnergySource = createSimSource({ clock: systemClock, profile: constantPower(1) });
 * assert.equal(source.kind, "sim");
 * ```
 */
export type GovernorEnergySource = EnergySource | InstanceEnergySource;

const FJ_PER_UJ = 1_000_000_000n;
/** A counter that never wraps in practice (2^63 uJ): the governor's modulus rule still holds. */
const RANGE_UJ = (1n << 63n) - 1n;

/**
 * Opens the instance source. The counter is `floor(E / 1 uJ)` of the exact modelled energy
 * (microwatts x nanoseconds), where each tick's power is the model at the utilisation since
 * the previous tick (idle power before the first). Throws {@linkcode EnergySourceError}
 * (backend `instance`, reason `not-found`) when `<procRoot>/stat` cannot be read at start.
 *
 * @param options Clock, model and procfs root.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createInstanceSource } from "./instance_source.ts";
 * import { resolveInstanceModel } from "../instance_model.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const procRoot = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${procRoot}/stat`, "cpu  0 0 0 100 0 0 0 0 0 0\n");
 * const clock = new VirtualClock();
 * const source = createInstanceSource({ clock, model: resolveInstanceModel("aws:m5.large").model!, procRoot });
 * clock.advance(1_000);
 * // idle: (2 x 0.65 W + 2.472 W) x 1 s = 3.772 J
 * assert.deepEqual(source.read(), [{ name: "vm", raw: 3_772_000n }]);
 * assert.throws(
 *   () => createInstanceSource({ clock, model: source.model, procRoot: "/nonexistent" }),
 *   /cannot read CPU times/,
 * );
 * Deno.removeSync(procRoot, { recursive: true });
 * ```
 */
export function createInstanceSource(options: InstanceSourceOptions): InstanceEnergySource {
  const statPath = `${options.procRoot ?? "/proc"}/stat`;
  const first = readStat(statPath);
  if (first === null) {
    throw new EnergySourceError(
      `cannot read CPU times from ${statPath} for the instance power model: the instance ` +
        "source needs the VM's /proc/stat",
      { backend: "instance", reason: "not-found", path: statPath },
    );
  }
  return new InstanceSource(options.clock, options.model, statPath, first);
}

function readStat(path: string): CpuTimes | null {
  try {
    return parseProcStat(Deno.readTextFileSync(path)).total;
  } catch {
    return null;
  }
}

class InstanceSource implements InstanceEnergySource {
  readonly kind = "instance" as const;
  readonly domains: readonly DomainInfo[];
  readonly model: InstanceModel;
  readonly statPath: string;
  readonly #clock: Clock;
  #lastNs: bigint;
  #prev: CpuTimes;
  #utilPct = 0;
  #energyFj = 0n;
  #utilNs = 0n;
  #utilPctNs = 0;

  constructor(clock: Clock, model: InstanceModel, statPath: string, first: CpuTimes) {
    this.#clock = clock;
    this.model = model;
    this.statPath = statPath;
    this.#prev = first;
    this.#lastNs = clock.monoNs();
    this.domains = Object.freeze([{
      name: "vm",
      kind: "psys",
      parent: null,
      inHostTotal: true,
      wrapModulus: RANGE_UJ + 1n,
      ujPerRaw: { num: 1n, den: 1n },
      origin: `${model.name} for ${model.instanceId} (${model.match}, ${model.vcpus} vCPUs) ` +
        `over ${statPath} utilisation`,
      note: "modelled: not a measurement",
    }]);
  }

  #advance(): void {
    const now = this.#clock.monoNs();
    const cur = readStat(this.statPath);
    if (cur !== null) {
      this.#utilPct = cpuUtilisationPct(this.#prev, cur);
      this.#prev = cur;
    }
    if (now <= this.#lastNs) return;
    const dt = now - this.#lastNs;
    const watts = instanceModelPower(this.model, this.#utilPct).totalW;
    this.#energyFj += BigInt(Math.round(watts * 1e6)) * dt;
    this.#utilPctNs += this.#utilPct * Number(dt);
    this.#utilNs += dt;
    this.#lastNs = now;
  }

  read(): DomainSample[] {
    this.#advance();
    return [{ name: "vm", raw: (this.#energyFj / FJ_PER_UJ) % (RANGE_UJ + 1n) }];
  }

  details(): EnergyModelDetails {
    const mean = this.#utilNs > 0n ? this.#utilPctNs / Number(this.#utilNs) : 50;
    return instanceModelDetails(this.model, mean);
  }

  close(): void {}
}
