/**
 * The governor's start-up lines: which source, domains, host-total rule, socket permissions,
 * limits, metrics endpoint, sampling and persistence are in effect.
 *
 * @module
 */

import type { Config } from "../lib/config/schema.ts";
import type {
  GovernorEnergySource,
  InstanceEnergySource,
} from "../lib/energy/rapl/instance_source.ts";
import type { MetricsServer } from "./metrics.ts";
import type { GovernorServer } from "./server.ts";

function instanceWords(source: InstanceEnergySource): string {
  const m = source.model;
  return `instance ${m.instanceId}, ${m.name}, ${m.match}, ${m.vcpus} vCPUs`;
}

function hostPort(addr: { hostname: string; port: number }): string {
  return `${addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname}:${addr.port}`;
}

/**
 * Formats the start-up lines (newline-terminated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startupLines } from "./startup_lines.ts";
 * import { GovernorServer } from "./server.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * import { constantPower, createSimSource } from "../lib/energy/rapl/mod.ts";
 * import { systemClock } from "../lib/base/clock.ts";
 * const dir = await Deno.makeTempDir();
 * const config = await loadConfig({
 *   flags: { governor: { raplMode: "sim", socketPath: `${dir}/g.sock` } },
 * });
 * const source = createSimSource({ clock: systemClock, profile: constantPower(390) });
 * const server = await GovernorServer.start(() => ({ line: "\n", error: false }), {
 *   socketPath: `${dir}/g.sock`,
 * });
 * const text = startupLines(config, source, {
 *   instance: "i-1",
 *   gid: 998,
 *   restored: null,
 *   nowMs: 0,
 *   server,
 *   metrics: null,
 *   sourceLines: undefined,
 * });
 * const lines = text.split("\n");
 * assert.equal(lines[0], "carbon-ops governor: instance i-1");
 * assert.equal(
 *   lines[1],
 *   "source: sim (SIMULATED counters: not a measurement of this machine), 1 domain",
 * );
 * assert.ok(lines.includes("host total domains: package-0"));
 * assert.ok(lines.includes("metrics: off"));
 * await server.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startupLines(
  config: Config,
  source: GovernorEnergySource,
  info: {
    instance: string;
    gid: number;
    restored: { instance: string; savedAtMs: number } | null;
    nowMs: number;
    server: GovernorServer;
    metrics: MetricsServer | null;
    sourceLines: readonly string[] | undefined;
    /** The per-workload attribution line (`workloads: ...`), when the daemon has one. */
    workloads?: string;
  },
): string {
  const g = config.governor;
  const lines = [`carbon-ops governor: instance ${info.instance}`];
  const where = source.kind === "sysfs"
    ? ` (${g.powercapRoot})`
    : source.kind === "msr"
    ? ` (${g.msrDeviceRoot})`
    : source.kind === "instance"
    ? ` (MODELLED: ${instanceWords(source)}; not a measurement)`
    : " (SIMULATED counters: not a measurement of this machine)";
  const n = source.domains.length;
  lines.push(`source: ${source.kind}${where}, ${n} domain${n === 1 ? "" : "s"}`);
  if (info.sourceLines) lines.push(...info.sourceLines.map((l) => `  ${l}`));
  for (const d of info.sourceLines ? [] : source.domains) {
    lines.push(
      `  ${d.name}: ${d.kind}${d.parent ? ` in ${d.parent}` : ""}, ` +
        `${d.inHostTotal ? "counted in host total" : "not in host total"}, range ` +
        `${d.wrapModulus} x ${d.ujPerRaw.num}/${d.ujPerRaw.den} uJ, from ${d.origin}` +
        (d.note ? ` (${d.note})` : ""),
    );
  }
  const host = source.domains.filter((d) => d.inHostTotal).map((d) => d.name);
  lines.push(
    `host total domains: ${host.length ? host.join(" + ") : "(no domain counts toward it)"}`,
  );
  lines.push(
    `socket: ${g.socketPath} mode ${g.socketMode} group ${g.socketGroup} (gid ${info.gid})` +
      (info.server.replacedStale ? ", replaced a stale socket" : ""),
  );
  lines.push(
    `limits: ${g.maxClients} clients, ${g.maxLineBytes}-byte lines, ${g.idleTimeoutMs} ms idle`,
  );
  lines.push(
    info.metrics
      ? `metrics: http://${
        hostPort(info.metrics.addr)
      }/metrics (OpenMetrics or Prometheus text, refreshed at most ` +
        "once a second; anyone who can reach this port can read the totals)"
      : "metrics: off",
  );
  lines.push(
    `sampling: every ${g.intervalMs} ms; deltas above ${g.maxPowerWatts} W per domain discarded`,
  );
  lines.push(
    g.statePath === null
      ? "state: not persisted (totals restart at 0 after a restart; set governor.statePath)"
      : `state: ${g.statePath}` +
        (info.restored
          ? `, continuing totals of instance ${info.restored.instance} saved ` +
            `${Math.max(0, Math.round((info.nowMs - info.restored.savedAtMs) / 1000))} s ago ` +
            "(energy used while no governor ran is not counted)"
          : ", new totals"),
  );
  if (info.workloads !== undefined) lines.push(info.workloads);
  lines.push("signals: SIGTERM/SIGINT stop and remove the socket; SIGHUP reloads limits");
  return lines.join("\n") + "\n";
}
