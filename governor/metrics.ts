/**
 * The governor's metric families (its totals and health) and the small HTTP/1.1 endpoint that
 * serves them as OpenMetrics or Prometheus text, as the scraper asks (bounded connections, a
 * request head deadline, accept errors survived). The energy counters are the accumulated totals,
 * so they never wrap: a scraper at any rate sees a monotonic counter (the cure for RAPL scrape
 * aliasing).
 *
 * @module
 */

import type { Snapshot } from "../lib/energy/rapl/accumulator.ts";
import type { WorkloadTotals } from "../lib/energy/workloads/workload.ts";
import type { Health } from "./protocol.ts";
import type { SchedulerStats } from "./scheduler.ts";
import { acceptLoop } from "./accept_loop.ts";
import { parseRequestHead } from "./http_request_head.ts";
import {
  type MetricFamily,
  METRICS_CONTENT_TYPES,
  type MetricsFormat,
  renderExposition,
} from "./metrics_exposition.ts";
import { negotiateMetricsFormat } from "./metrics_negotiation.ts";

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
  /**
   * The latest per-workload attribution snapshot, or null (the default) when attribution is off:
   * the workload family is then exported without samples.
   */
  readonly workloads?: WorkloadTotals | null;
}

/** Formats bigint microjoules as an exact decimal number of joules. */
function joules(uj: bigint): string {
  const whole = uj / 1_000_000n;
  const frac = (uj % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac === "" ? `${whole}` : `${whole}.${frac}`;
}

type Domain = Snapshot["domains"][string];

/** The per-domain counters: family name, help, and the field they read. */
const DOMAIN_COUNTERS: readonly [string, string, (d: Domain) => number][] = [
  ["carbon_ops_domain_wraps", "Counter wraps handled.", (d) => d.wraps],
  [
    "carbon_ops_domain_resets",
    "Counter resets (energy across them not counted).",
    (d) => d.resets,
  ],
  ["carbon_ops_discarded_frames", "Samples discarded as implausible.", (d) => d.discarded],
  ["carbon_ops_read_errors", "Failed counter reads.", (d) => d.readErrors],
  ["carbon_ops_stalls", "Stall episodes (counter unchanged while others move).", (d) => d.stalls],
];

const HEALTH_STATES = ["ok", "degraded", "failing"] as const;

/**
 * One sample per domain and bucket. Every sample carries all five labels; the Kubernetes ones are
 * "" outside Kubernetes and on the named buckets (`(idle)`, `(system)`, `(other)`), which
 * Prometheus treats as absent. At most `maxWorkloads + 3` buckets per domain.
 */
function workloadSamples(totals: WorkloadTotals | null | undefined) {
  if (!totals) return [];
  const samples = [];
  for (const [domain, d] of Object.entries(totals.domains)) {
    for (const [cgroup, uj] of Object.entries(d.buckets)) {
      const who = totals.workloads[cgroup];
      samples.push({
        labels: {
          domain,
          cgroup,
          pod_uid: who?.podUid ?? "",
          container_id: who?.containerId ?? "",
          qos: who?.qos ?? "",
        },
        value: joules(uj),
      });
    }
  }
  return samples;
}

/**
 * The governor's metric families, the one list both expositions are rendered from. Energy
 * counters are exact decimal joules from the accumulated totals (they never wrap). No label is
 * named like a label Prometheus sets on the target (`job`, `instance`): the governor's own
 * instance id is `governor_instance`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metricFamilies } from "./metrics.ts";
 * const families = metricFamilies({
 *   snapshot: { instance: "i", continues: null, source: "sim", monoNs: 0n, timeMs: 0, frames: 1,
 *     domains: {}, hostTotalUj: 1_500_000n, hostTotalDomains: ["package-0"] },
 *   health: { status: "ok", problems: [] },
 *   scheduler: { intervalMs: 100, ticks: 1, overruns: 0, missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 }, lastTickMonoNs: 0n },
 * });
 * const host = families.find((f) => f.name === "carbon_ops_host_energy_joules");
 * assert.deepEqual(host?.samples, [{ labels: { basis: "package-0" }, value: "1.5" }]);
 * ```
 */
export function metricFamilies(input: MetricsInput): MetricFamily[] {
  const { snapshot: s, health, scheduler } = input;
  const domains = Object.entries(s.domains);
  const perDomain = (value: (d: Domain) => number | string) =>
    domains.map(([domain, d]) => ({ labels: { domain }, value: value(d) }));
  const lateness = scheduler.lateness;
  return [
    {
      name: "carbon_ops_energy_joules",
      type: "counter",
      unit: "joules",
      help: "Energy counted for the RAPL domain by this governor (wrap-corrected; never wraps).",
      samples: perDomain((d) => joules(d.totalUj)),
    },
    {
      name: "carbon_ops_host_energy_joules",
      type: "counter",
      unit: "joules",
      help: "Host energy: the sum of the domains named in the basis label.",
      samples: [{ labels: { basis: s.hostTotalDomains.join("+") }, value: joules(s.hostTotalUj) }],
    },
    ...DOMAIN_COUNTERS.map(([name, help, get]): MetricFamily => ({
      name,
      type: "counter",
      help,
      samples: perDomain(get),
    })),
    {
      name: "carbon_ops_domain_stalled",
      type: "gauge",
      help: "1 while the domain's counter is stalled.",
      samples: perDomain((d) => d.stalled ? 1 : 0),
    },
    {
      name: "carbon_ops_domain_coverage_ratio",
      type: "gauge",
      unit: "ratio",
      help: "Share of time since start covered by valid samples.",
      samples: perDomain((d) => d.coverage),
    },
    {
      name: "carbon_ops_governor",
      type: "info",
      help: "The running governor instance.",
      samples: [{ labels: { governor_instance: s.instance, source: s.source }, value: 1 }],
    },
    {
      name: "carbon_ops_health",
      type: "stateset",
      help: "Governor health verdict.",
      samples: HEALTH_STATES.map((st) => ({
        labels: { carbon_ops_health: st },
        value: health.status === st ? 1 : 0,
      })),
    },
    {
      name: "carbon_ops_ticks",
      type: "counter",
      help: "Sampling ticks run.",
      samples: [{ value: scheduler.ticks }],
    },
    {
      name: "carbon_ops_tick_overruns",
      type: "counter",
      help: "Ticks that overran the next deadline.",
      samples: [{ value: scheduler.overruns }],
    },
    {
      name: "carbon_ops_tick_lateness_seconds",
      type: "gauge",
      unit: "seconds",
      help: "Tick start lateness over the recent window (p50, p99) and since start (max).",
      samples:
        ([["p50", lateness.p50Ms], ["p99", lateness.p99Ms], ["max", lateness.maxMs]] as const)
          .map(([stat, ms]) => ({ labels: { stat }, value: ms / 1000 })),
    },
    {
      name: "carbon_ops_workload_energy_joules",
      type: "counter",
      unit: "joules",
      help: "Energy of the RAPL domain attributed to a workload (cgroup) by CPU time, or to the " +
        "(idle), (system) or (other) bucket; per domain the buckets sum exactly to the domain's " +
        "energy since attribution started.",
      samples: workloadSamples(input.workloads),
    },
  ];
}

/**
 * Renders the governor's families as OpenMetrics text (ending in `# EOF`).
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
 * assert.match(text, /^carbon_ops_host_energy_joules_total\{basis=""\} 1\.5$/m);
 * ```
 */
export function renderOpenMetrics(input: MetricsInput): string {
  return renderExposition(metricFamilies(input), "openmetrics");
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
 * What the renderer is told about the request: its method, its `Accept` header and the format the
 * endpoint negotiated from it ({@link negotiateMetricsFormat}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsRequest } from "./metrics.ts";
 * const req: MetricsRequest = {
 *   method: "GET",
 *   accept: "application/openmetrics-text",
 *   format: "openmetrics",
 * };
 * assert.equal(req.format, "openmetrics");
 * ```
 */
export interface MetricsRequest {
  /** `GET` or `HEAD`. */
  readonly method: "GET" | "HEAD";
  /** The request's `Accept` header (several joined with ", "), or null when absent. */
  readonly accept: string | null;
  /** The exposition negotiated from `accept`: the endpoint answers in it when given families. */
  readonly format: MetricsFormat;
}

/**
 * What a metrics renderer returns: the metric families, which the endpoint renders in the
 * negotiated format with its content type; or a page already rendered as OpenMetrics text, which
 * is served as OpenMetrics whatever the client asked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsPage } from "./metrics.ts";
 * const page: MetricsPage = [{ name: "up_seconds", type: "gauge", unit: "seconds", help: "Up.",
 *   samples: [{ value: 1 }] }];
 * assert.ok(Array.isArray(page));
 * ```
 */
export type MetricsPage = readonly MetricFamily[] | string;

/**
 * Options of {@link serveMetrics}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsServeOptions } from "./metrics.ts";
 * const options: MetricsServeOptions = { maxConnections: 8, headerTimeoutMs: 2_000 };
 * assert.equal(options.maxHeaderBytes, undefined); // 8192 by default
 * ```
 */
export interface MetricsServeOptions {
  /** The body is rebuilt at most once per this period (default 1000 ms). */
  readonly minPeriodMs?: number;
  /** Monotonic milliseconds (default `performance.now`). */
  readonly nowMs?: () => number;
  /**
   * Concurrent connections (default 64). When all are taken, a new connection evicts the oldest
   * one that is not being answered; when every one is being answered, it gets 503.
   */
  readonly maxConnections?: number;
  /**
   * A connection must send its complete request head within this many ms of being accepted,
   * and then take its answer within as long again, or it is closed (default 5000).
   */
  readonly headerTimeoutMs?: number;
  /** Longest request head in bytes; longer ones get 431 (default 8192). */
  readonly maxHeaderBytes?: number;
  /** Where accept failures are logged, once per burst (default: nowhere). */
  readonly log?: (line: string) => void;
}

/**
 * Connection counters of the metrics endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricsCounters } from "./metrics.ts";
 * const c: MetricsCounters = {
 *   active: 0, accepted: 3, evicted: 1, rejected: 0, timedOut: 1, badRequests: 0, served: 1,
 *   acceptErrors: 0,
 * };
 * assert.equal(c.accepted - c.evicted - c.timedOut, c.served);
 * ```
 */
export interface MetricsCounters {
  /** Connections open now. */
  readonly active: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections closed to make room for a new one (all `maxConnections` taken). */
  readonly evicted: number;
  /** Connections answered 503 because every slot was busy answering. */
  readonly rejected: number;
  /** Connections closed at the header (or answer) deadline. */
  readonly timedOut: number;
  /** Requests answered with a 4xx status. */
  readonly badRequests: number;
  /** Requests answered 200. */
  readonly served: number;
  /** Failed accepts (e.g. EMFILE), survived with backoff. */
  readonly acceptErrors: number;
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
 * assert.equal(server.counters().active, 0);
 * await server.close();
 * ```
 */
export interface MetricsServer {
  /** The bound address (port resolved when 0 was asked). */
  readonly addr: { hostname: string; port: number };
  /** Connection counters. */
  counters(): MetricsCounters;
  /** Stops serving and closes every connection. */
  close(): Promise<void>;
}

const CACHE_ENTRIES = 8;

type Phase = "head" | "answer" | "linger";
interface Slot {
  readonly conn: Deno.Conn;
  phase: Phase;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Serves `GET /metrics` on `listen` with a small, strict HTTP/1.1 server: OpenMetrics text when the
 * `Accept` header asks for it, else Prometheus text format 0.0.4 (see
 * {@link negotiateMetricsFormat}) when `render` returns families, rendered from them by
 * {@link renderExposition};
 * one request per connection (`Connection: close`), request heads bounded in size and time,
 * connections bounded in number, failed accepts (EMFILE) survived with backoff. The body is
 * rebuilt at most once per `minPeriodMs`: scrapers get fresh totals, never a high-rate power
 * trace. Throws `Deno.errors.AddrInUse` naming the address and the setting to change when the
 * address is taken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metricFamilies, renderOpenMetrics, serveMetrics } from "./metrics.ts";
 * const input = {
 *   snapshot: { instance: "i", continues: null, source: "sim" as const, monoNs: 0n, timeMs: 0,
 *     frames: 1, domains: {}, hostTotalUj: 0n, hostTotalDomains: [] },
 *   health: { status: "ok" as const, problems: [] },
 *   scheduler: { intervalMs: 100, ticks: 1, overruns: 0, missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 }, lastTickMonoNs: 0n },
 * };
 * const m = serveMetrics("127.0.0.1:0", () => metricFamilies(input));
 * const om = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`, {
 *   headers: { accept: "application/openmetrics-text; version=1.0.0" },
 * });
 * assert.equal(om.status, 200);
 * assert.equal(await om.text(), renderOpenMetrics(input));
 * const classic = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`);
 * assert.equal(classic.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
 * assert.ok(!(await classic.text()).includes("# EOF"));
 * await m.close();
 * ```
 */
export function serveMetrics(
  listen: string,
  render: (request: MetricsRequest) => MetricsPage,
  options: MetricsServeOptions = {},
): MetricsServer {
  const { hostname, port } = parseListen(listen);
  const minPeriodMs = options.minPeriodMs ?? 1000;
  const nowMs = options.nowMs ?? (() => performance.now());
  const maxConnections = options.maxConnections ?? 64;
  const headerTimeoutMs = options.headerTimeoutMs ?? 5000;
  const maxHeaderBytes = options.maxHeaderBytes ?? 8192;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port, transport: "tcp" });
  } catch (e) {
    const next = "choose another with --metrics-listen HOST:PORT or governor.metricsListen in " +
      "the config file, or set governor.metricsListen to null to turn the endpoint off";
    if (e instanceof Deno.errors.AddrInUse) {
      throw new Deno.errors.AddrInUse(
        `metrics address ${listen} is already in use (another governor or exporter?); ${next}`,
        { cause: e },
      );
    }
    throw new Error(
      `cannot listen on metrics address ${listen}: ${(e as Error).message}; ${next}`,
      {
        cause: e,
      },
    );
  }
  const stop = new AbortController();
  const slots = new Map<Deno.Conn, Slot>();
  const c = { accepted: 0, evicted: 0, rejected: 0, timedOut: 0, badRequests: 0, served: 0 };
  let acceptErrors = 0;
  // Answers by Accept header, all dropped once the period is over.
  let cache = new Map<string, { text: string; contentType: string }>();
  let cacheEpoch = -Infinity;
  const body = (method: "GET" | "HEAD", accept: string | null) => {
    const now = nowMs();
    if (now - cacheEpoch >= minPeriodMs) {
      cache = new Map();
      cacheEpoch = now;
    }
    const key = accept ?? "";
    let answer = cache.get(key);
    if (answer === undefined) {
      const format = negotiateMetricsFormat(accept);
      const page = render({ method, accept, format });
      answer = typeof page === "string"
        ? { text: page, contentType: METRICS_CONTENT_TYPES.openmetrics }
        : { text: renderExposition(page, format), contentType: METRICS_CONTENT_TYPES[format] };
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
      cache.set(key, answer);
    }
    return answer;
  };
  const closeSlot = (slot: Slot) => {
    clearTimeout(slot.timer);
    slots.delete(slot.conn);
    try {
      slot.conn.close();
    } catch { /* already closed */ }
  };
  const deadline = (slot: Slot) => {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      c.timedOut++;
      closeSlot(slot);
    }, headerTimeoutMs);
  };
  const serveOne = async (slot: Slot) => {
    const { conn } = slot;
    deadline(slot);
    const head = await readHead(conn, maxHeaderBytes);
    if (head === null) return;
    slot.phase = "answer";
    deadline(slot);
    let answer: Uint8Array;
    if (head === "too_large") {
      c.badRequests++;
      answer = response(431, `request head exceeds ${maxHeaderBytes} bytes\n`);
    } else {
      const parsed = parseRequestHead(head);
      if (!parsed.ok) {
        c.badRequests++;
        answer = response(parsed.status, `bad request: ${parsed.message}\n`);
      } else if (parsed.method !== "GET" && parsed.method !== "HEAD") {
        c.badRequests++;
        answer = response(405, "method not allowed\n", { allow: "GET, HEAD" });
      } else if (parsed.path !== "/metrics") {
        c.badRequests++;
        answer = response(404, "not found: try /metrics\n");
      } else {
        const method = parsed.method;
        let page: { text: string; contentType: string };
        try {
          page = body(method, parsed.accept);
        } catch (e) {
          answer = response(500, `cannot render metrics: ${(e as Error).message}\n`);
          await writeAll(conn, answer);
          return;
        }
        c.served++;
        const headers = { "content-type": page.contentType, vary: "accept" };
        answer = response(200, page.text, headers, method === "HEAD");
      }
    }
    await writeAll(conn, answer);
    // Lingering close: stop sending, drain what the client still sends (bounded), then close, so
    // unread input cannot turn the close into a reset that cuts the answer short.
    slot.phase = "linger";
    await conn.closeWrite();
    const sink = new Uint8Array(4096);
    for (let drained = 0; drained < 65_536;) {
      const n = await conn.read(sink);
      if (n === null) break;
      drained += n;
    }
  };
  const admit = (conn: Deno.Conn) => {
    if (slots.size >= maxConnections) {
      let victim: Slot | undefined;
      for (const s of slots.values()) { // insertion order: oldest first
        if (s.phase !== "answer") {
          victim = s;
          break;
        }
      }
      if (!victim) {
        c.rejected++;
        const busy = response(503, "too many connections; retry later\n", { "retry-after": "1" });
        conn.write(busy).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        });
        return;
      }
      c.evicted++;
      closeSlot(victim);
    }
    c.accepted++;
    const slot: Slot = { conn, phase: "head" };
    slots.set(conn, slot);
    serveOne(slot).catch(() => {/* reset by peer, or closed by a deadline or eviction */})
      .finally(() => closeSlot(slot));
  };
  const accepting = acceptLoop(listener, admit, {
    what: `metrics ${listen}`,
    signal: stop.signal,
    log: (line) => options.log?.(line),
    onFailure: () => void acceptErrors++,
  });
  const a = listener.addr;
  return {
    addr: { hostname: a.hostname, port: a.port },
    counters: () => ({ active: slots.size, ...c, acceptErrors }),
    async close() {
      if (stop.signal.aborted) return;
      stop.abort();
      try {
        listener.close();
      } catch { /* closed */ }
      for (const s of [...slots.values()]) closeSlot(s);
      await accepting;
    },
  };
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

function response(
  status: number,
  text: string,
  headers: Record<string, string> = {},
  headOnly = false,
): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const all: Record<string, string> = {
    "content-type": "text/plain; charset=utf-8",
    ...headers,
    "content-length": String(payload.length),
    connection: "close",
  };
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
    Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
  const headBytes = new TextEncoder().encode(head);
  if (headOnly) return headBytes;
  const out = new Uint8Array(headBytes.length + payload.length);
  out.set(headBytes);
  out.set(payload, headBytes.length);
  return out;
}

/** Reads up to the end of the request head; null at end of input, "too_large" past `max`. */
async function readHead(conn: Deno.Conn, max: number): Promise<Uint8Array | null | "too_large"> {
  const buf = new Uint8Array(max);
  let len = 0;
  while (len < max) {
    const n = await conn.read(buf.subarray(len));
    if (n === null) return null;
    const from = Math.max(0, len - 3);
    len += n;
    for (let i = from; i + 3 < len; i++) {
      if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) {
        return buf.slice(0, i + 4);
      }
    }
  }
  return "too_large";
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}
