/**
 * `carbon-ops governor`: run the privileged daemon that reads RAPL counters at 10 Hz and serves
 * exact totals on a Unix socket. Flags map to `governor.*` config keys.
 *
 * @module
 */

import { numberOption, parseCommandArgs } from "../lib/cli/args.ts";
import type { Command } from "../lib/cli/command.ts";
import { UsageError } from "../lib/base/errors.ts";
import type { Config, ConfigOverrides } from "../lib/config/schema.ts";
import type { Clock } from "../lib/base/clock.ts";
import { type OpenedSource, runGovernor } from "./daemon.ts";
import { parseListen } from "./metrics.ts";
import { openGovernorSource } from "../lib/energy/rapl/mod.ts";
import { resolveCloudContext } from "../lib/cli/cloud_context.ts";
import type { TextSink } from "../lib/base/text_sink.ts";

const USAGE = "carbon-ops governor [--rapl-mode=sysfs|msr|sim|instance] [--instance-type T] " +
  "[--msr-cpus=0,1] [--socket PATH] " +
  "[--group NAME] [--interval-ms N] [--powercap-root DIR] [--metrics-listen HOST:PORT] " +
  "[--when-no-rapl exit|wait] [--cgroup-root DIR] [--attribution-interval-ms N]";

/**
 * Opens the energy source a config asks for (`openEnergySource` in lib/energy/rapl/).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenSource } from "./command.ts";
 * import { openConfiguredSource } from "./command.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * import { systemClock } from "../lib/base/clock.ts";
 * const open: OpenSource = openConfiguredSource;
 * const { source } = await open(await loadConfig({ flags: { governor: { raplMode: "sim" } } }), systemClock);
 * assert.equal(source.kind, "sim");
 * source.close();
 * ```
 */
export type OpenSource = (config: Config, clock: Clock) => OpenedSource | Promise<OpenedSource>;

/**
 * The production source factory: `openEnergySource` with the `governor.*` keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openConfiguredSource } from "./command.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * import { systemClock } from "../lib/base/clock.ts";
 * const config = await loadConfig({ flags: { governor: { raplMode: "sim" } } });
 * const { source } = openConfiguredSource(config, systemClock);
 * assert.equal(source.kind, "sim");
 * source.close();
 * ```
 */
export function openConfiguredSource(config: Config, clock: Clock): OpenedSource {
  const g = config.governor;
  return openGovernorSource({
    raplMode: g.raplMode,
    allowMsr: g.allowMsr,
    powercapRoot: g.powercapRoot,
    msrDeviceRoot: g.msrDeviceRoot,
    cpuinfoPath: g.cpuinfoPath,
    cpuTopologyRoot: g.cpuTopologyRoot,
    msrCpus: g.msrCpus,
    simPowerWatts: g.simPowerWatts,
    simProfile: g.simProfile,
    simRangeUj: g.simRangeUj,
    procRoot: config.energy.procRoot,
    instance: configuredInstance(config),
    clock,
  });
}

/** `cloud.instanceType` as `provider:type` (with `cloud.provider` when the type has none). */
function configuredInstance(config: Config): string | null {
  const { instanceType, provider } = config.cloud;
  if (instanceType === null) return null;
  return instanceType.includes(":") || provider === null
    ? instanceType
    : `${provider}:${instanceType}`;
}

/**
 * With `--rapl-mode instance` and no `cloud.instanceType`, the instance type detected on this VM
 * (DMI, then the provider's metadata service, cached per boot) put into the config; any other
 * config unchanged. When nothing is detected the config is returned as is, and opening the source
 * stops the governor with exit 2 naming `cloud.instanceType`.
 */
async function withDetectedInstance(
  config: Config,
  env: Readonly<Record<string, string>>,
  log: TextSink,
): Promise<Config> {
  if (config.governor.raplMode !== "instance" || config.cloud.instanceType !== null) return config;
  // the region is not the governor's business: regionSet keeps the catalog out of it
  const cloud = await resolveCloudContext(config, { regionSet: true, env });
  if (cloud.instance === null) {
    const why = cloud.location?.provider
      ? `a ${cloud.location.provider.value} VM whose instance type is unknown`
      : cloud.location
      ? `not a cloud VM (${cloud.location.dmi})`
      : "no detection";
    log.write(`carbon-ops governor: no instance type configured and none detected: ${why}\n`);
    for (const n of cloud.notes) log.write(`carbon-ops governor: note: ${n}\n`);
    return config;
  }
  const words = { dmi: "DMI", metadata: "metadata service", config: "config" };
  log.write(
    `carbon-ops governor: instance type ${cloud.instance.id} detected ` +
      `(${words[cloud.instance.source]})\n`,
  );
  return {
    ...config,
    cloud: { ...config.cloud, instanceType: cloud.instance.id, provider: cloud.instance.provider },
  };
}

/**
 * The `governor` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { governorCommand } from "./command.ts";
 * assert.equal(governorCommand.name, "governor");
 * assert.match(governorCommand.summary, /RAPL daemon/);
 * ```
 */
export const governorCommand: Command = createGovernorCommand(openConfiguredSource);

/**
 * Builds the `governor` command around a source factory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createGovernorCommand } from "./command.ts";
 * const cmd = createGovernorCommand(() => {
 *   throw new Error("no source");
 * });
 * assert.equal(cmd.name, "governor");
 * assert.match(cmd.summary, /RAPL daemon/);
 * ```
 */
export function createGovernorCommand(openSource: OpenSource): Command {
  return {
    name: "governor",
    summary: "Run the privileged RAPL daemon that serves exact energy totals on a Unix socket",
    help: `Usage: ${USAGE}

Reads the RAPL energy counters (powercap sysfs by default; MSR device files when the config file
sets governor.allowMsr; a simulated source with --rapl-mode=sim; a cloud instance's power model
with --rapl-mode=instance) every --interval-ms, keeps exact
wrap-safe microjoule totals, and serves them over a Unix socket (protocol v1, see
docs/governor-protocol.md) to members of the socket's group. Runs until SIGTERM or SIGINT, which
remove the socket (so does a fatal error: exit 1). SIGHUP re-reads the config file and applies
maxPowerWatts, maxClients, maxLineBytes, idleTimeoutMs, requestTimeoutMs, socketMode and
socketGroup; other keys need a restart. Connections are bounded on both endpoints (see
"Connection limits and deadlines" in docs/governor-protocol.md): governor.maxClients and
governor.requestTimeoutMs for the socket, governor.metricsMaxConnections and
governor.metricsHeaderTimeoutMs for the metrics endpoint.

Options:
  --rapl-mode MODE        sysfs (default), msr (needs allowMsr in the config file), sim, or
                          instance: on a cloud VM without RAPL, serve the instance power
                          model's MODELLED energy (never measured) over /proc/stat utilisation
  --instance-type T       instance mode: the VM's type, e.g. aws:m5.large (cloud.instanceType;
                          a bare type takes cloud.provider); default: detected on the VM (DMI,
                          then the provider's metadata service; see carbon-ops where)
  --msr-cpus LIST         msr mode: CPUs to read, one per package, e.g. 0,64
  --socket PATH           socket path (default /run/carbon-ops.sock)
  --group NAME            group owning the socket (default carbon-users); mode from the config
                          file (governor.socketMode, default 0660)
  --interval-ms N         sampling period (default 100 = 10 Hz)
  --powercap-root DIR     powercap class directory (default /sys/class/powercap)
  --metrics-listen H:P    also serve metrics (OpenMetrics or Prometheus text) on
                          http://H:P/metrics (default off)
  --when-no-rapl WHAT     on a machine without RAPL (a VM or cloud guest): exit (default, code 3)
                          or wait: log the reason once, serve nothing (no socket, no metrics)
                          and wait until SIGTERM/SIGINT (exit 0); for Kubernetes, where a pod
                          then stays NotReady instead of crash-looping (governor.whenNoRapl)
  --cgroup-root DIR       cgroup mount whose cgroups get per-workload energy (default
                          /sys/fs/cgroup; v2, or v1 cpuacct on hybrid hosts); when it is
                          missing, workloads are off and the rest runs (governor.cgroupRoot)
  --attribution-interval-ms N
                          attribute energy to workloads by CPU time every N ms (default
                          1000; 0 = off); served by the socket op 'workloads' and the metric
                          carbon_ops_workload_energy_joules_total (governor.attributionIntervalMs)

Exit codes: 0 stopped by a signal, 1 could not start (counters not readable: permission or I/O,
socket path taken by a file, another governor running, unknown group, metrics address in use)
or stopped on a fatal error, 2 usage or configuration error, 3 no RAPL on this machine (no
powercap zones, no usable MSRs: a VM or cloud guest): do not restart; measure jobs with
\`carbon-ops run\` (modelled energy, labelled so) or run the governor only on RAPL hosts.

Examples:
  carbon-ops governor
  carbon-ops governor --rapl-mode=sim --socket /tmp/co.sock --group adm
  carbon-ops governor --cgroup-root /sys/fs/cgroup --attribution-interval-ms 5000
`,
    async run(ctx) {
      const { values } = parseCommandArgs(ctx.argv, {
        options: {
          "rapl-mode": { type: "string" },
          "msr-cpus": { type: "string", multiple: true },
          socket: { type: "string" },
          group: { type: "string" },
          "interval-ms": { type: "string" },
          "powercap-root": { type: "string" },
          "metrics-listen": { type: "string" },
          "when-no-rapl": { type: "string" },
          "cgroup-root": { type: "string" },
          "attribution-interval-ms": { type: "string" },
          "instance-type": { type: "string" },
        },
        usage: USAGE,
      });
      const mode = values["rapl-mode"];
      if (mode !== undefined && !["sysfs", "msr", "sim", "instance"].includes(mode)) {
        throw new UsageError(`--rapl-mode must be sysfs, msr, sim or instance, got '${mode}'`, {
          usage: USAGE,
        });
      }
      const listen = values["metrics-listen"];
      if (listen !== undefined) {
        try {
          parseListen(listen);
        } catch (e) {
          throw new UsageError(`--metrics-listen: ${(e as Error).message}`, { usage: USAGE });
        }
      }
      const msrCpus = values["msr-cpus"]?.flatMap((list) => list.split(",")).map((c) =>
        numberOption(c, "--msr-cpus", { min: 0, max: 65535, integer: true })
      );
      const flags: ConfigOverrides = {
        governor: {
          raplMode: mode as "sysfs" | "msr" | "sim" | "instance" | undefined,
          msrCpus,
          socketPath: values.socket,
          socketGroup: values.group,
          intervalMs: values["interval-ms"] === undefined
            ? undefined
            : numberOption(values["interval-ms"], "--interval-ms", { min: 10, integer: true }),
          powercapRoot: values["powercap-root"],
          metricsListen: values["metrics-listen"],
          // checked by the config layer (exit 2 naming the flag and the closest value)
          whenNoRapl: values["when-no-rapl"] as "exit" | "wait" | undefined,
          cgroupRoot: values["cgroup-root"],
          attributionIntervalMs: values["attribution-interval-ms"] === undefined
            ? undefined
            : numberOption(values["attribution-interval-ms"], "--attribution-interval-ms", {
              min: 0,
              max: 3_600_000,
              integer: true,
            }),
        },
        cloud: { instanceType: values["instance-type"] },
      };
      const config = await withDetectedInstance(await ctx.loadConfig(flags), ctx.env, ctx.stderr);
      const detected = config.cloud.instanceType;
      return await runGovernor({
        config,
        openSource,
        log: ctx.stderr,
        // Re-reads the same config file (--config, CARBON_OPS_CONFIG or the default path); the
        // instance type detected at start stays (it cannot change without a reboot).
        reloadConfig: async () => {
          const again = await ctx.reloadConfig(flags);
          return again.cloud.instanceType !== null || detected === null
            ? again
            : { ...again, cloud: { ...again.cloud, instanceType: detected } };
        },
      });
    },
  };
}
