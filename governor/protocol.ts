/**
 * Governor protocol v1: newline-delimited JSON, one request line, one response line, several
 * per connection. Pure: {@link handleRequestLine} turns a request line into a response line
 * from the state a {@link ProtocolContext} exposes. Bigints travel as decimal strings.
 *
 * Requests: `{"v":1,"op":"read"|"domains"|"health"|"stats"}`, optionally with an `id` (string up
 * to 128 characters or a number) that is echoed. Errors:
 * `{"v":1,"ok":false,"error":{"code":"...","message":"..."}}`. See docs/governor-protocol.md.
 *
 * @module
 */

import { rfc3339 } from "../lib/base/clock.ts";
import type { Snapshot } from "../lib/energy/rapl/accumulator.ts";
import type { DomainInfo } from "../lib/energy/rapl/energy_source.ts";
import type { LatencySummary, SchedulerStats } from "./scheduler.ts";

/** The only protocol version spoken. */
export const PROTOCOL_VERSION = 1;

/** Operations of protocol v1. */
export const OPS = ["read", "domains", "health", "stats"] as const;

/** One operation. */
export type Op = (typeof OPS)[number];

/** Error codes a response can carry. */
export type ErrorCode =
  | "bad_json"
  | "bad_request"
  | "unsupported_version"
  | "unknown_op"
  | "line_too_long"
  | "too_many_clients"
  | "internal";

/** Connection counters kept by the socket server. */
export interface ServerCounters {
  /** Connections open now. */
  readonly active: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections refused because `maxClients` were open. */
  readonly rejected: number;
  /** Connections closed for idling past `idleTimeoutMs` (or not reading their responses). */
  readonly timedOut: number;
  /** Request lines longer than `maxLineBytes`. */
  readonly oversized: number;
  /** Requests answered with an error. */
  readonly badRequests: number;
  /** Requests answered. */
  readonly requests: number;
}

/** What the handler reads from the running daemon. */
export interface ProtocolContext {
  /** Latest accumulator snapshot. */
  snapshot(): Snapshot;
  /** The source's domains. */
  readonly domains: readonly DomainInfo[];
  /** Scheduler figures. */
  scheduler(): SchedulerStats;
  /** Socket server counters. */
  server(): ServerCounters;
  /** Process figures (resident memory, uptime). */
  process(): { rssBytes: number; uptimeS: number };
  /** Monotonic now (ns), to tell whether sampling has stopped. */
  nowMonoNs(): bigint;
}

/** Health verdict. */
export interface Health {
  /** `ok`: every domain sampled in the last tick; `degraded`: some failing or stalled; `failing`: none valid or sampling stopped. */
  readonly status: "ok" | "degraded" | "failing";
  /** One line per problem, naming the domain. */
  readonly problems: readonly string[];
}

/**
 * Judges health from a snapshot and the scheduler: sampling late by 5 intervals or no domain
 * read in the last frame is `failing`; any domain with a read error or a stall is `degraded`.
 *
 * @example
 * ```ts
 * import { assessHealth } from "./protocol.ts";
 * const h = assessHealth({ domains: {}, frames: 0 } as never, { intervalMs: 100, lastTickMonoNs: null } as never, 0n);
 * console.log(h.status); // "failing"
 * ```
 */
export function assessHealth(
  snapshot: Snapshot,
  scheduler: Pick<SchedulerStats, "intervalMs" | "lastTickMonoNs">,
  nowMonoNs: bigint,
): Health {
  const problems: string[] = [];
  if (scheduler.lastTickMonoNs === null || snapshot.frames === 0) {
    return { status: "failing", problems: ["no samples taken yet"] };
  }
  const ageMs = Number(nowMonoNs - scheduler.lastTickMonoNs) / 1e6;
  const stale = ageMs > 5 * scheduler.intervalMs;
  if (stale) problems.push(`sampling stopped: last tick ${Math.round(ageMs)} ms ago`);
  const entries = Object.entries(snapshot.domains);
  let failing = 0;
  for (const [name, d] of entries) {
    if (d.lastError !== null) {
      failing++;
      problems.push(`${name}: read error: ${d.lastError}`);
    }
    if (d.stalled) problems.push(`${name}: counter stalled (unchanged while others move)`);
  }
  const status = stale || (entries.length > 0 && failing === entries.length)
    ? "failing"
    : problems.length > 0
    ? "degraded"
    : "ok";
  return { status, problems };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const latency = (s: LatencySummary) => ({
  p50: round6(s.p50Ms),
  p99: round6(s.p99Ms),
  max: round6(s.maxMs),
  window: s.window,
});

// Serialised `read` bodies by snapshot: snapshots change once per tick, reads are far more often.
const readCache = new WeakMap<Snapshot, string>();

/** The `read` body as JSON text (an object literal), cached per snapshot. */
function readBodyJson(s: Snapshot): string {
  let text = readCache.get(s);
  if (text === undefined) {
    text = JSON.stringify(readBody(s));
    readCache.set(s, text);
  }
  return text;
}

/** Builds the `read` response body (without `v`/`ok`). */
function readBody(s: Snapshot): Record<string, unknown> {
  const domains: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(s.domains)) {
    domains[name] = {
      total_uj: d.totalUj.toString(),
      delta_uj: d.deltaUj.toString(),
      wraps: d.wraps,
      resets: d.resets,
      discarded: d.discarded,
      read_errors: d.readErrors,
      stalls: d.stalls,
      stalled: d.stalled,
      coverage: round6(d.coverage),
    };
  }
  return {
    instance: s.instance,
    continues: s.continues,
    source: s.source,
    mono_ns: s.monoNs.toString(),
    time: rfc3339(s.timeMs),
    domains,
    host_total_uj: s.hostTotalUj.toString(),
    host_total_domains: s.hostTotalDomains,
  };
}

function domainsBody(ctx: ProtocolContext): Record<string, unknown> {
  const s = ctx.snapshot();
  return {
    instance: s.instance,
    source: s.source,
    domains: ctx.domains.map((d) => ({
      name: d.name,
      kind: d.kind,
      parent: d.parent,
      in_host_total: d.inHostTotal,
      wrap_modulus: d.wrapModulus.toString(),
      uj_per_raw: { num: d.ujPerRaw.num.toString(), den: d.ujPerRaw.den.toString() },
      origin: d.origin,
      note: d.note,
    })),
  };
}

function healthBody(ctx: ProtocolContext): Record<string, unknown> {
  const s = ctx.snapshot();
  const h = assessHealth(s, ctx.scheduler(), ctx.nowMonoNs());
  const domains: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(s.domains)) {
    domains[name] = {
      ok: d.lastError === null && !d.stalled,
      last_error: d.lastError,
      stalled: d.stalled,
      coverage: round6(d.coverage),
    };
  }
  return {
    instance: s.instance,
    source: s.source,
    status: h.status,
    problems: h.problems,
    simulated: s.source === "sim",
    uptime_s: round6(ctx.process().uptimeS),
    domains,
  };
}

function statsBody(ctx: ProtocolContext): Record<string, unknown> {
  const sch = ctx.scheduler();
  const srv = ctx.server();
  const proc = ctx.process();
  return {
    instance: ctx.snapshot().instance,
    interval_ms: sch.intervalMs,
    ticks: sch.ticks,
    overruns: sch.overruns,
    missed_ticks: sch.missedTicks,
    tick_lateness_ms: latency(sch.lateness),
    tick_duration_ms: latency(sch.duration),
    clients: {
      active: srv.active,
      accepted: srv.accepted,
      rejected: srv.rejected,
      timed_out: srv.timedOut,
      oversized: srv.oversized,
      bad_requests: srv.badRequests,
      requests: srv.requests,
    },
    rss_bytes: proc.rssBytes,
    uptime_s: round6(proc.uptimeS),
  };
}

/**
 * Serialises an error response line (with trailing newline).
 *
 * @example
 * ```ts
 * import { errorLine } from "./protocol.ts";
 * console.log(errorLine("unknown_op", "unknown op 'x'"));
 * ```
 */
export function errorLine(code: ErrorCode, message: string, id?: string | number): string {
  const body: Record<string, unknown> = { v: PROTOCOL_VERSION, ok: false };
  if (id !== undefined) body.id = id;
  body.error = { code, message };
  return JSON.stringify(body) + "\n";
}

/** Result of {@link handleRequestLine}: the response line and whether it was an error. */
export interface HandledRequest {
  /** Response JSON plus `\n`. */
  readonly line: string;
  /** Whether the response is an error. */
  readonly error: boolean;
}

/**
 * Answers one request line (without its newline). Never throws: malformed input gets an error
 * response, and a failure inside the daemon gets `internal`.
 *
 * @example
 * ```ts
 * import { handleRequestLine } from "./protocol.ts";
 * const r = handleRequestLine('{"v":1,"op":"nope"}', {} as never);
 * console.log(r.line); // {"v":1,"ok":false,"error":{"code":"unknown_op",...}}
 * ```
 */
export function handleRequestLine(line: string, ctx: ProtocolContext): HandledRequest {
  const err = (code: ErrorCode, message: string, id?: string | number) => ({
    line: errorLine(code, message, id),
    error: true,
  });
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return err("bad_json", "request is not valid JSON; send one JSON object per line");
  }
  if (typeof req !== "object" || req === null || Array.isArray(req)) {
    return err("bad_request", 'request must be a JSON object such as {"v":1,"op":"read"}');
  }
  const r = req as Record<string, unknown>;
  let id: string | number | undefined;
  if (r.id !== undefined) {
    if (
      (typeof r.id === "string" && r.id.length <= 128) ||
      (typeof r.id === "number" && Number.isFinite(r.id))
    ) {
      id = r.id;
    } else {
      return err("bad_request", "id must be a string of at most 128 characters or a number");
    }
  }
  if (r.v !== PROTOCOL_VERSION) {
    return err(
      "unsupported_version",
      `protocol version ${JSON.stringify(r.v ?? null)} is not supported; this governor speaks v1`,
      id,
    );
  }
  if (typeof r.op !== "string" || !(OPS as readonly string[]).includes(r.op)) {
    const shown = typeof r.op === "string" ? r.op.slice(0, 64) : JSON.stringify(r.op ?? null);
    return err("unknown_op", `unknown op '${shown}'; expected one of ${OPS.join(", ")}`, id);
  }
  const head: Record<string, unknown> = { v: PROTOCOL_VERSION, ok: true };
  if (id !== undefined) head.id = id;
  let body: Record<string, unknown>;
  try {
    const op = r.op as Op;
    if (op === "read") {
      const headJson = JSON.stringify(head);
      return {
        line: `${headJson.slice(0, -1)},${readBodyJson(ctx.snapshot()).slice(1)}\n`,
        error: false,
      };
    }
    body = op === "domains" ? domainsBody(ctx) : op === "health" ? healthBody(ctx) : statsBody(ctx);
  } catch (e) {
    return err("internal", `governor failed to answer: ${e instanceof Error ? e.message : e}`, id);
  }
  return { line: JSON.stringify({ ...head, ...body }) + "\n", error: false };
}
