/**
 * The configuration schema: every key, its type, default, and whether it is a security switch
 * that only the config file may set. `load.ts` applies defaults, file, environment, flags.
 *
 * @module
 */

/**
 * Types a config field can have.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FieldType } from "./schema.ts";
 * import { describeType } from "./validate.ts";
 * const type: FieldType = { kind: "enum", values: ["sysfs", "msr", "sim"] };
 * assert.match(describeType(type), /sysfs/);
 * ```
 */
export type FieldType =
  | { kind: "string" }
  | { kind: "path" }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "integer"; min: number; max: number }
  | { kind: "number"; min: number; max: number }
  | { kind: "boolean" }
  | { kind: "mode" }
  | { kind: "integers"; min: number; max: number }
  | { kind: "strings" };

/**
 * One config key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FieldSpec } from "./schema.ts";
 * import { checkValue } from "./validate.ts";
 * const spec: FieldSpec = {
 *   type: { kind: "integer", min: 1, max: 60 },
 *   default: 10,
 *   description: "seconds between samples",
 * };
 * assert.deepEqual(checkValue(spec, 61), { ok: false, expected: "an integer from 1 to 60" });
 * ```
 */
export interface FieldSpec {
  /** Type and range. */
  readonly type: FieldType;
  /** Value when nothing sets it; `null` means "not set". */
  readonly default: unknown;
  /** Whether `null` is allowed (unset). */
  readonly nullable?: boolean;
  /** Security switch: only the config file may set it, never env or flags. */
  readonly fileOnly?: boolean;
  /** A credential: never printed (`carbon-ops config` shows whether it is set). */
  readonly secret?: boolean;
  /** One line for docs and error messages. */
  readonly description: string;
}

/**
 * The schema by section and key. Environment variables are `CARBON_OPS_<SECTION>_<KEY>` with the
 * key in SCREAMING_SNAKE_CASE, e.g. `governor.intervalMs` is `CARBON_OPS_GOVERNOR_INTERVAL_MS`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONFIG_SCHEMA } from "./schema.ts";
 * assert.equal(CONFIG_SCHEMA.governor.intervalMs.default, 100);
 * assert.equal(CONFIG_SCHEMA.governor.allowMsr.fileOnly, true);
 * ```
 */
export const CONFIG_SCHEMA = {
  governor: {
    raplMode: {
      type: { kind: "enum", values: ["sysfs", "msr", "sim", "instance"] },
      default: "sysfs",
      description: "energy source: powercap sysfs, MSR device files, the simulated source, or " +
        "instance (a cloud VM without RAPL: the instance power model of cloud.instanceType " +
        "over /proc/stat utilisation, served as modelled, never as measured)",
    },
    allowMsr: {
      type: { kind: "boolean" },
      default: false,
      fileOnly: true,
      description: "permit raplMode msr (raw MSR access needs root/CAP_SYS_RAWIO; file only)",
    },
    powercapRoot: {
      type: { kind: "path" },
      default: "/sys/class/powercap",
      description: "powercap class directory",
    },
    msrDeviceRoot: { type: { kind: "path" }, default: "/dev/cpu", description: "MSR device root" },
    cpuinfoPath: {
      type: { kind: "path" },
      default: "/proc/cpuinfo",
      description: "cpuinfo file for the CPU vendor",
    },
    cpuTopologyRoot: {
      type: { kind: "path" },
      default: "/sys/devices/system/cpu",
      description: "CPU topology root (package of each CPU)",
    },
    msrCpus: {
      type: { kind: "integers", min: 0, max: 65535 },
      default: null,
      nullable: true,
      description: "CPUs to read in msr mode, one per package (default: first CPU of each package)",
    },
    intervalMs: {
      type: { kind: "integer", min: 10, max: 60_000 },
      default: 100,
      description: "sampling interval in milliseconds",
    },
    socketPath: {
      type: { kind: "path" },
      default: "/run/carbon-ops.sock",
      description: "Unix socket path",
    },
    socketGroup: {
      type: { kind: "string" },
      default: "carbon-users",
      description: "group that owns the socket",
    },
    socketMode: {
      type: { kind: "mode" },
      default: "0660",
      fileOnly: true,
      description: "socket permission bits, octal (file only)",
    },
    metricsListen: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description:
        "host:port for the metrics endpoint, OpenMetrics or Prometheus text (off when null)",
    },
    maxPowerWatts: {
      type: { kind: "number", min: 1, max: 1_000_000 },
      default: 5000,
      description: "per-domain power above which a delta is implausible and discarded",
    },
    statePath: {
      type: { kind: "path" },
      default: null,
      nullable: true,
      description: "file where totals are persisted across restarts (off when null)",
    },
    maxClients: {
      type: { kind: "integer", min: 1, max: 100_000 },
      default: 256,
      description: "concurrent socket connections; more are refused",
    },
    maxLineBytes: {
      type: { kind: "integer", min: 256, max: 16_777_216 },
      default: 65_536,
      description: "longest request line in bytes",
    },
    idleTimeoutMs: {
      type: { kind: "integer", min: 100, max: 3_600_000 },
      default: 30_000,
      description: "close connections idle this long",
    },
    requestTimeoutMs: {
      type: { kind: "integer", min: 100, max: 3_600_000 },
      default: 5_000,
      description:
        "close socket connections whose request line is not complete this long after its first byte",
    },
    metricsMaxConnections: {
      type: { kind: "integer", min: 1, max: 100_000 },
      default: 64,
      description:
        "concurrent connections to the metrics endpoint; a new one evicts the oldest idle one",
    },
    metricsHeaderTimeoutMs: {
      type: { kind: "integer", min: 100, max: 600_000 },
      default: 5_000,
      description:
        "close metrics connections whose request head is not complete this long after accept",
    },
    whenNoRapl: {
      type: { kind: "enum", values: ["exit", "wait"] },
      default: "exit",
      description: "what the governor does on a machine without RAPL (a VM or cloud guest): " +
        "exit (code 3: do not restart) or wait serving nothing until stopped (a Kubernetes pod " +
        "stays NotReady instead of crash-looping)",
    },
    cgroupRoot: {
      type: { kind: "path" },
      default: "/sys/fs/cgroup",
      description: "cgroup mount whose cgroups get per-workload energy (v2, or v1 cpuacct " +
        "under it on hybrid hosts); workloads are off when it is missing",
    },
    attributionIntervalMs: {
      type: { kind: "integer", min: 0, max: 3_600_000 },
      default: 1000,
      description: "how often energy is attributed to workloads (cgroups) by CPU time, ms; " +
        "0 turns per-workload energy off",
    },
    workloadPolicy: {
      type: { kind: "enum", values: ["idle", "proportional"] },
      default: "idle",
      description: "idle energy: kept in an (idle) bucket (idle), or shared by CPU time " +
        "(proportional)",
    },
    maxWorkloads: {
      type: { kind: "integer", min: 1, max: 100_000 },
      default: 500,
      description: "workloads with a bucket (and metric series) of their own; cgroups beyond " +
        "go to (other)",
    },
    workloadInclude: {
      type: { kind: "strings" },
      default: null,
      nullable: true,
      description: "cgroup path patterns to track (default: systemd slices and services, " +
        "Kubernetes pods and containers)",
    },
    workloadExclude: {
      type: { kind: "strings" },
      default: null,
      nullable: true,
      description: "cgroup path patterns never tracked (default: the scanner's built-in list)",
    },
    simPowerWatts: {
      type: { kind: "number", min: 0, max: 1_000_000 },
      default: 390,
      description: "sim mode: constant power per package",
    },
    simProfile: {
      type: { kind: "path" },
      default: null,
      nullable: true,
      description:
        "sim mode: CSV power profile (seconds,watts), or `cpu` for host CPU use x power model, instead of a constant",
    },
    simRangeUj: {
      type: { kind: "string" },
      default: "4294967295",
      description: "sim mode: counter max_energy_range_uj (decimal)",
    },
  },
  carbon: {
    region: {
      type: { kind: "string" },
      default: "global-average",
      description: "grid region (ISO country code, cloud region, or US subregion)",
    },
    pueProfile: {
      type: { kind: "string" },
      default: "cloud-hyperscale",
      description: "PUE profile name",
    },
    intensityFile: {
      type: { kind: "path" },
      default: null,
      nullable: true,
      description: "JSON/JSONC file adding or overriding regions and PUE profiles",
    },
    providers: {
      type: { kind: "strings" },
      default: ["static"],
      description:
        "intensity providers in order: electricitymaps, watttime, ukcarbonintensity, static",
    },
    electricityMapsToken: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      secret: true,
      description: "Electricity Maps auth-token",
    },
    electricityMapsUrl: {
      type: { kind: "string" },
      default: "https://api.electricitymap.org",
      description: "Electricity Maps base URL",
    },
    wattTimeUsername: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description: "WattTime username",
    },
    wattTimePassword: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      secret: true,
      description: "WattTime password",
    },
    wattTimeUrl: {
      type: { kind: "string" },
      default: "https://api.watttime.org",
      description: "WattTime base URL",
    },
    ukCarbonIntensityUrl: {
      type: { kind: "string" },
      default: "https://api.carbonintensity.org.uk",
      description: "UK Carbon Intensity API base URL",
    },
    electricityMapsEndpoint: {
      type: { kind: "enum", values: ["auto", "past-range", "history"] },
      default: "auto",
      description: "Electricity Maps endpoint: past-range (any past span), history (last 24 h, " +
        "free tier) or auto (history for spans within the last day)",
    },
    wattTimeRegionMap: {
      type: { kind: "strings" },
      default: [],
      description: "region=WattTime region pairs, e.g. aws:us-west-1=CAISO_NORTH (WattTime " +
        "regions are balancing areas, not countries)",
    },
    wattTimeSignalType: {
      type: { kind: "enum", values: ["co2_moer", "co2_aoer"] },
      default: "co2_moer",
      description: "WattTime signal: co2_moer (marginal) or co2_aoer (average, for inventories)",
    },
    providerTimeoutMs: {
      type: { kind: "integer", min: 100, max: 120_000 },
      default: 5000,
      description: "timeout per provider request",
    },
    confidenceLevelPct: {
      type: { kind: "number", min: 50, max: 99.9 },
      default: 95,
      description: "confidence level of reported intervals",
    },
  },
  energy: {
    procRoot: { type: { kind: "path" }, default: "/proc", description: "procfs root" },
    sysRoot: { type: { kind: "path" }, default: "/sys", description: "sysfs root" },
    cgroupRoot: {
      type: { kind: "path" },
      default: "/sys/fs/cgroup",
      description: "cgroup v2 mount",
    },
    tdpWatts: {
      type: { kind: "number", min: 1, max: 10_000 },
      default: null,
      nullable: true,
      description: "CPU TDP for the power model (else CPU_TDP_WATTS, else 100 W stated)",
    },
    idlePolicy: {
      type: { kind: "enum", values: ["active-only", "proportional"] },
      default: "proportional",
      description: "how the idle share of host energy is attributed",
    },
  },
  cloud: {
    dmiRoot: {
      type: { kind: "path" },
      default: "/sys/class/dmi/id",
      description: "DMI directory read first to tell which cloud (if any) this host runs in",
    },
    metadataUrl: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description: "metadata service base URL, plain http:// (default: the link-local " +
        "169.254.169.254, asked only for the provider DMI names)",
    },
    metadata: {
      type: { kind: "enum", values: ["auto", "always", "never"] },
      default: "auto",
      description: "when to ask the metadata service: auto (only when DMI names the provider, " +
        "or metadataUrl is set), always, or never (DMI and overrides only)",
    },
    metadataTimeoutMs: {
      type: { kind: "integer", min: 10, max: 60_000 },
      default: 300,
      description: "longest wait for each metadata request, ms (one attempt, no retries)",
    },
    provider: {
      type: { kind: "enum", values: ["aws", "gcp", "azure"] },
      default: null,
      nullable: true,
      description: "cloud provider, overriding detection",
    },
    instanceType: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description: "instance type (m5.large, or provider:type like aws:m5.large), overriding " +
        "detection; picks the instance power model",
    },
    region: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description: "provider region name (eu-west-1), overriding detection",
    },
    zone: {
      type: { kind: "string" },
      default: null,
      nullable: true,
      description: "zone (eu-west-1a), overriding detection",
    },
    cachePath: {
      type: { kind: "path" },
      default: null,
      nullable: true,
      description: "per-boot detection cache file (default per uid: " +
        "/var/lib/carbon-ops/location.json for root, else the XDG state directory)",
    },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

/**
 * Section names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONFIG_SCHEMA, type ConfigSection } from "./schema.ts";
 * const section: ConfigSection = "carbon";
 * assert.ok(Object.keys(CONFIG_SCHEMA).includes(section));
 * ```
 */
export type ConfigSection = keyof typeof CONFIG_SCHEMA;

/**
 * The TypeScript type of a value of field type `T`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ValueFor } from "./schema.ts";
 * const ids: ValueFor<{ kind: "integers" }> = [0, 1];
 * const mode: ValueFor<{ kind: "enum"; values: readonly ["sysfs", "sim"] }> = "sim";
 * assert.deepEqual([ids.length, mode], [2, "sim"]);
 * ```
 */
export type ValueFor<T> = T extends { kind: "integer" | "number" } ? number
  : T extends { kind: "boolean" } ? boolean
  : T extends { kind: "integers" } ? readonly number[]
  : T extends { kind: "strings" } ? readonly string[]
  : T extends { kind: "enum"; values: readonly (infer V)[] } ? V
  : string;

/**
 * The TypeScript type of field `F`, with `null` when it is nullable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FieldValue } from "./schema.ts";
 * const unset: FieldValue<{ type: { kind: "number" }; nullable: true }> = null;
 * const limit: FieldValue<{ type: { kind: "number" } }> = 0.5;
 * assert.equal(unset ?? limit, 0.5);
 * ```
 */
export type FieldValue<F> = F extends { type: infer T; nullable: true } ? ValueFor<T> | null
  : F extends { type: infer T } ? ValueFor<T>
  : never;

/**
 * The type of `CONFIG_SCHEMA`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONFIG_SCHEMA, type Schema } from "./schema.ts";
 * const schema: Schema = CONFIG_SCHEMA;
 * assert.equal(schema.governor.raplMode.default, "sysfs");
 * ```
 */
export type Schema = typeof CONFIG_SCHEMA;

/**
 * The validated, frozen configuration.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./resolve.ts";
 * import type { Config } from "./schema.ts";
 * const config: Config = resolveConfig({ fileText: null });
 * assert.equal(config.governor.raplMode, "sysfs");
 * assert.ok(Object.isFrozen(config));
 * ```
 */
export type Config = {
  readonly [S in ConfigSection]: {
    readonly [K in keyof Schema[S]]: FieldValue<Schema[S][K]>;
  };
};

/**
 * Flag overrides a command passes to `loadConfig`: `{ governor: { intervalMs: 50 } }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./resolve.ts";
 * import type { ConfigOverrides } from "./schema.ts";
 * const flags: ConfigOverrides = { governor: { intervalMs: 50 } };
 * assert.equal(resolveConfig({ fileText: null, flags }).governor.intervalMs, 50);
 * ```
 */
export type ConfigOverrides = {
  readonly [S in ConfigSection]?: {
    readonly [K in keyof Config[S]]?: Config[S][K] | undefined;
  };
};
