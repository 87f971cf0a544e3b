/**
 * OpenMetrics text exposition of the governor's totals and health, plus a small `Deno.serve`
 * adapter. The energy counters are the accumulated totals, so they never wrap: a scraper at any
 * rate sees a monotonic counter (the cure for RAPL scrape aliasing).
 *
 * @module
 */

import type { Snapshot } from "../lib/energy/rapl/accumulator.ts";
import type { Health } from "./protocol.ts";
import type { SchedulerStats } from "./scheduler.ts";

/**
 * What the exposition reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsInput } from "./metrics.ts";
 * import { renderOpenMetrics } from "./metrics.ts";
 * const input: MetricsInput = {
 *   snapshot: {
 *     instance: "i",
 *     continues: null,
 *     source: "sim" as const,
 *     monoNs: 0n,
 *     timeMs: 0,
 *     frames: 1,
 *     domains: {},
 *     hostTotalUj: 1_500_000n,
 *     hostTotalDomains: [],
 *   },
 *   health: { status: "ok", problems: [] },
 *   scheduler: {
 *     intervalMs: 100,
 *     ticks: 1,
 *     overruns: 0,
 *     missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     lastTickMonoNs: 0n,
 *   },
 * };
 * assert.match(renderOpenMetrics(input), /^# TYPE /m);
 * ```
 */
export interface MetricsInput {
  /** Latest snapshot. */
  readonly snapshot: Snapshot;
  /** Health verdict. */
  readonly health: Health;
  /** Scheduler figures. */
  readonly scheduler: SchedulerStats;
}

/** Formats bigint microjoules as an exact decimal number of joules. */
function joules(uj: bigint): string {
  const whole = uj / 1_000_000n;
  const frac = (uj % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac === "" ? `${whole}` : `${whole}.${frac}`;
}

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : "NaN";
}

/**
 * Renders OpenMetrics text (ending in `# EOF`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderOpenMetrics } from "./metrics.ts";
 * const text = renderOpenMetrics({
 *   snapshot: { instance: "i", continues: null, source: "sim", monoNs: 0n, timeMs: 0, frames: 1,
 *     domains: {}, hostTotalUj: 1_500_000n, hostTotalDomains: [] },
 *   health: { status: "ok", problems: [] },
 *   scheduler: { intervalMs: 100, ticks: 1, overruns: 0, missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 }, lastTickMonoNs: 0n },
 * });
 * assert.ok(text.endsWith("# EOF\n"));
 * ```
 */
export function renderOpenMetrics(input: MetricsInput): string {
  const { snapshot: s, health, scheduler } = input;
  const out: string[] = [];
  const family = (name: string, type: string, help: string, unit?: string) => {
    out.push(`# TYPE ${name} ${type}`);
    if (unit) out.push(`# UNIT ${name} ${unit}`);
    out.push(`# HELP ${name} ${help}`);
  };
  const domains = Object.entries(s.domains);
  family(
    "carbon_ops_energy_joules",
    "counter",
    "Energy counted for the RAPL domain by this governor (wrap-corrected; never wraps).",
    "joules",
  );
  for (const [name, d] of domains) {
    out.push(`carbon_ops_energy_joules_total{domain="${label(name)}"} ${joules(d.totalUj)}`);
  }
  family(
    "carbon_ops_host_energy_joules",
    "counter",
    "Host energy: the sum of the domains named in the basis label.",
    "joules",
  );
  out.push(
    `carbon_ops_host_energy_joules_total{basis="${label(s.hostTotalDomains.join("+"))}"} ${
      joules(s.hostTotalUj)
    }`,
  );
  const counters: [string, string, (d: Snapshot["domains"][string]) => number][] = [
    ["carbon_ops_counter_wraps", "Counter wraps handled.", (d) => d.wraps],
    [
      "carbon_ops_counter_resets",
      "Counter resets (energy across them not counted).",
      (d) => d.resets,
    ],
    ["carbon_ops_discarded_frames", "Samples discarded as implausible.", (d) => d.discarded],
    ["carbon_ops_read_errors", "Failed counter reads.", (d) => d.readErrors],
    ["carbon_ops_stalls", "Stall episodes (counter unchanged while others move).", (d) => d.stalls],
  ];
  for (const [name, help, get] of counters) {
    family(name, "counter", help);
    for (const [dn, d] of domains) out.push(`${name}_total{domain="${label(dn)}"} ${get(d)}`);
  }
  family("carbon_ops_domain_stalled", "gauge", "1 while the domain's counter is stalled.");
  for (const [dn, d] of domains) {
    out.push(`carbon_ops_domain_stalled{domain="${label(dn)}"} ${d.stalled ? 1 : 0}`);
  }
  family(
    "carbon_ops_domain_coverage_ratio",
    "gauge",
    "Share of time since start covered by valid samples.",
    "ratio",
  );
  for (const [dn, d] of domains) {
    out.push(`carbon_ops_domain_coverage_ratio{domain="${label(dn)}"} ${num(d.coverage)}`);
  }
  family("carbon_ops_governor", "info", "The running governor instance.");
  out.push(
    `carbon_ops_governor_info{instance="${label(s.instance)}",source="${label(s.source)}"} 1`,
  );
  family("carbon_ops_health", "stateset", "Governor health verdict.");
  for (const st of ["ok", "degraded", "failing"]) {
    out.push(`carbon_ops_health{carbon_ops_health="${st}"} ${health.status === st ? 1 : 0}`);
  }
  family("carbon_ops_ticks", "counter", "Sampling ticks run.");
  out.push(`carbon_ops_ticks_total ${scheduler.ticks}`);
  family("carbon_ops_tick_overruns", "counter", "Ticks that overran the next deadline.");
  out.push(`carbon_ops_tick_overruns_total ${scheduler.overruns}`);
  family(
    "carbon_ops_tick_lateness_seconds",
    "gauge",
    "Tick start lateness over the recent window (p50, p99) and since start (max).",
    "seconds",
  );
  for (
    const [q, v] of [["p50", scheduler.lateness.p50Ms], ["p99", scheduler.lateness.p99Ms], [
      "max",
      scheduler.lateness.maxMs,
    ]] as const
  ) {
    out.push(`carbon_ops_tick_lateness_seconds{stat="${q}"} ${num(v / 1000)}`);
  }
  out.push("# EOF");
  return out.join("\n") + "\n";
}

/**
 * Splits `host:port` (`[::1]:9464` for IPv6) into its parts; throws `RangeError` when invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseListen } from "./metrics.ts";
 * assert.deepEqual(parseListen("127.0.0.1:9464"), { hostname: "127.0.0.1", port: 9464 });
 * assert.throws(() => parseListen("nope"), /metricsListen 'nope' is not host:port/);
 * ```
 */
export function parseListen(listen: string): { hostname: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):([0-9]{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new RangeError(
      `metricsListen '${listen}' is not host:port (e.g. 127.0.0.1:9464 or [::1]:9464)`,
    );
  }
  return { hostname: m[1] ?? m[2], port };
}

/**
 * A running metrics endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsServer } from "./metrics.ts";
 * import { serveMetrics } from "./metrics.ts";
 * const server: MetricsServer = serveMetrics("127.0.0.1:0", () => "# EOF\n");
 * assert.equal(server.addr.hostname, "127.0.0.1");
 * assert.ok(server.addr.port > 0);
 * await server.close();
 * ```
 */
export interface MetricsServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly addr: { hostname: string; port: number };
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (OpenMetrics text) on `listen`. The body is rebuilt at most once per
 * `minPeriodMs` (default 1000): scrapers get fresh totals, never a high-rate power trace.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderOpenMetrics, serveMetrics } from "./metrics.ts";
 * const input = {
 *   snapshot: { instance: "i", continues: null, source: "sim" as const, monoNs: 0n, timeMs: 0,
 *     frames: 1, domains: {}, hostTotalUj: 0n, hostTotalDomains: [] },
 *   health: { status: "ok" as const, problems: [] },
 *   scheduler: { intervalMs: 100, ticks: 1, overruns: 0, missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 }, lastTickMonoNs: 0n },
 * };
 * const m = serveMetrics("127.0.0.1:0", () => renderOpenMetrics(input));
 * const res = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`);
 * assert.equal(res.status, 200);
 * assert.equal(await res.text(), renderOpenMetrics(input));
 * await m.close();
 * ```
 */
export function serveMetrics(
  listen: string,
  render: () => string,
  options: { minPeriodMs?: number; nowMs?: () => number } = {},
): MetricsServer {
  const { hostname, port } = parseListen(listen);
  const minPeriodMs = options.minPeriodMs ?? 1000;
  const nowMs = options.nowMs ?? (() => performance.now());
  let cached = "";
  let cachedAt = -Infinity;
  const server = Deno.serve({ hostname, port, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    if (path !== "/metrics") return new Response("not found: try /metrics\n", { status: 404 });
    const now = nowMs();
    if (now - cachedAt >= minPeriodMs) {
      cached = render();
      cachedAt = now;
    }
    return new Response(req.method === "HEAD" ? null : cached, {
      headers: { "content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8" },
    });
  });
  const a = server.addr as Deno.NetAddr;
  return { addr: { hostname: a.hostname, port: a.port }, close: () => server.shutdown() };
}
