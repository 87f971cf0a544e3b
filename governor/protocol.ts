/**
 * The daemon side of governor protocol v1: answers one request line from the state a
 * {@link ProtocolContext} exposes, and judges health. Pure. The wire format itself (request
 * parsing, every response line, snake_case, bigints as decimal strings) is defined in
 * `lib/energy/wire.ts`; this module only turns the daemon's values into its typed answers.
 * See docs/governor-protocol.md.
 *
 * @module
 */

import { rfc3339 } from "../lib/base/clock.ts";
import type { Snapshot } from "../lib/energy/rapl/accumulator.ts";
import type { DomainInfo } from "../lib/energy/rapl/energy_source.ts";
import type { WorkloadTotals } from "../lib/energy/workloads/workload.ts";
import {
  decodeRequestLine,
  encodeErrorLine,
  encodeOkLine,
  type ErrorCode,
  type GovernorClientCounts,
  type GovernorDomainHealth,
  type GovernorDomainList,
  type GovernorHealth,
  type GovernorLatency,
  type GovernorReading,
  type GovernorStats,
  type GovernorWorkloadStats,
  type HealthStatus,
  type Op,
  prepareBody,
  type PreparedBody,
} from "../lib/energy/wire.ts";
import type { LatencySummary, SchedulerStats } from "./scheduler.ts";

/**
 * Per-workload attribution as the handler sees it: on, with the latest totals and figures, or
 * off with the reason (said in the `workloads_off` error).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkloadsView } from "./protocol.ts";
 * const off: WorkloadsView = { on: false, reason: "governor.attributionIntervalMs is 0" };
 * assert.equal(off.on, false);
 * ```
 */
export type WorkloadsView =
  | {
    readonly on: true;
    /** The latest attribution snapshot (a new object after each attributed interval). */
    totals(): WorkloadTotals;
    /** Attribution figures for `stats`. */
    stats(): GovernorWorkloadStats;
  }
  | { readonly on: false; readonly reason: string };

/**
 * What the handler reads from the running daemon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProtocolContext } from "./protocol.ts";
 * import { handleRequestLine } from "./protocol.ts";
 * const ctx: ProtocolContext = {
 *   snapshot: () => ({
 *     instance: "i",
 *     continues: null,
 *     source: "sim" as const,
 *     monoNs: 0n,
 *     timeMs: 0,
 *     frames: 1,
 *     domains: {},
 *     hostTotalUj: 1_500_000n,
 *     hostTotalDomains: [],
 *   }),
 *   domains: [],
 *   scheduler: () => ({
 *     intervalMs: 100,
 *     ticks: 1,
 *     overruns: 0,
 *     missedTicks: 0,
 *     lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
 *     lastTickMonoNs: 0n,
 *   }),
 *   server: () => ({ active: 1, accepted: 1, rejected: 0, timedOut: 0, oversized: 0, badRequests: 0, requests: 1,
 *     evicted: 0, requestTimedOut: 0 }),
 *   process: () => ({ rssBytes: 1 << 20, uptimeS: 1 }),
 *   nowMonoNs: () => 0n,
 * };
 * const reply = JSON.parse(handleRequestLine('{"v":1,"op":"read","id":1}', ctx).line);
 * assert.equal(reply.ok, true);
 * assert.equal(reply.id, 1);
 * ```
 */
export interface ProtocolContext {
  /** Latest accumulator snapshot. */
  snapshot(): Snapshot;
  /** The source's domains. */
  readonly domains: readonly DomainInfo[];
  /** Scheduler figures. */
  scheduler(): SchedulerStats;
  /** Socket server counters. */
  server(): GovernorClientCounts;
  /** Process figures (resident memory, uptime). */
  process(): { rssBytes: number; uptimeS: number };
  /** Monotonic now (ns), to tell whether sampling has stopped. */
  nowMonoNs(): bigint;
  /** Per-workload attribution (default: off, "not configured"). */
  workloads?(): WorkloadsView;
}

/**
 * Health verdict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Health } from "./protocol.ts";
 * import { assessHealth } from "./protocol.ts";
 * const h: Health = assessHealth(
 *   { domains: {}, frames: 0 } as never,
 *   { intervalMs: 100, lastTickMonoNs: null } as never,
 *   0n,
 * );
 * assert.equal(h.status, "failing");
 * ```
 */
export interface Health {
  /** `ok`: every domain sampled in the last tick; `degraded`: some failing or stalled; `failing`: none valid or sampling stopped. */
  readonly status: HealthStatus;
  /** One line per problem, naming the domain. */
  readonly problems: readonly string[];
}

/**
 * Judges health from a snapshot and the scheduler: sampling late by 5 intervals or no domain
 * read in the last frame is `failing`; any domain with a read error or a stall is `degraded`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assessHealth } from "./protocol.ts";
 * const h = assessHealth(
 *   { domains: {}, frames: 0 } as never,
 *   { intervalMs: 100, lastTickMonoNs: null } as never,
 *   0n,
 * );
 * assert.deepEqual(h, { status: "failing", problems: ["no samples taken yet"] });
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

const latency = (s: LatencySummary): GovernorLatency => ({
  p50Ms: s.p50Ms,
  p99Ms: s.p99Ms,
  maxMs: s.maxMs,
  window: s.window,
});

/** The `read` answer for a snapshot. */
function reading(s: Snapshot): GovernorReading {
  return {
    instance: s.instance,
    continues: s.continues,
    source: s.source,
    monoNs: s.monoNs,
    time: rfc3339(s.timeMs),
    domains: s.domains,
    hostTotalUj: s.hostTotalUj,
    hostTotalDomains: s.hostTotalDomains,
    ...(s.model === undefined ? {} : { model: s.model }),
  };
}

// Encoded `read` bodies by snapshot: snapshots change once per tick, reads are far more often.
const readCache = new WeakMap<Snapshot, PreparedBody>();

function readBody(s: Snapshot): PreparedBody {
  let body = readCache.get(s);
  if (body === undefined) {
    body = prepareBody("read", reading(s));
    readCache.set(s, body);
  }
  return body;
}

function domainList(ctx: ProtocolContext): GovernorDomainList {
  const s = ctx.snapshot();
  return { instance: s.instance, source: s.source, domains: ctx.domains };
}

function health(ctx: ProtocolContext): GovernorHealth {
  const s = ctx.snapshot();
  const h = assessHealth(s, ctx.scheduler(), ctx.nowMonoNs());
  const domains: Record<string, GovernorDomainHealth> = {};
  for (const [name, d] of Object.entries(s.domains)) {
    domains[name] = {
      ok: d.lastError === null && !d.stalled,
      lastError: d.lastError,
      stalled: d.stalled,
      coverage: d.coverage,
    };
  }
  return {
    instance: s.instance,
    source: s.source,
    status: h.status,
    problems: h.problems,
    simulated: s.source === "sim",
    uptimeS: ctx.process().uptimeS,
    domains,
  };
}

function stats(ctx: ProtocolContext): GovernorStats {
  const sch = ctx.scheduler();
  const view = ctx.workloads?.() ?? OFF;
  const proc = ctx.process();
  return {
    instance: ctx.snapshot().instance,
    intervalMs: sch.intervalMs,
    ticks: sch.ticks,
    overruns: sch.overruns,
    missedTicks: sch.missedTicks,
    tickLatenessMs: latency(sch.lateness),
    tickDurationMs: latency(sch.duration),
    clients: ctx.server(),
    rssBytes: proc.rssBytes,
    uptimeS: proc.uptimeS,
    workloads: view.on ? view.stats() : null,
  };
}

/** A request the daemon refuses with an error code (not a failure of the daemon). */
class Refusal extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const OFF: WorkloadsView = { on: false, reason: "attribution is not configured" };

// Encoded `workloads` bodies by totals object: a new object once per attributed interval.
const workloadsCache = new WeakMap<WorkloadTotals, PreparedBody>();

function workloadsBody(ctx: ProtocolContext): PreparedBody {
  const view = ctx.workloads?.() ?? OFF;
  if (!view.on) {
    throw new Refusal(
      "workloads_off",
      `this governor attributes no energy to workloads: ${view.reason}; start it with a ` +
        "readable --cgroup-root and a non-zero --attribution-interval-ms",
    );
  }
  const totals = view.totals();
  let body = workloadsCache.get(totals);
  if (body === undefined) {
    body = prepareBody("workloads", totals);
    workloadsCache.set(totals, body);
  }
  return body;
}

/** How each operation is answered: a new op is a compile error until it has an answer. */
const ANSWERS: { readonly [O in Op]: (ctx: ProtocolContext) => PreparedBody } = {
  read: (ctx) => readBody(ctx.snapshot()),
  domains: (ctx) => prepareBody("domains", domainList(ctx)),
  health: (ctx) => prepareBody("health", health(ctx)),
  stats: (ctx) => prepareBody("stats", stats(ctx)),
  workloads: workloadsBody,
};

/**
 * Result of {@link handleRequestLine}: the response line and whether it was an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HandledRequest } from "./protocol.ts";
 * import { handleRequestLine } from "./protocol.ts";
 * const handled: HandledRequest = handleRequestLine("not json", {} as never);
 * assert.equal(handled.error, true);
 * assert.ok(handled.line.endsWith("\n"));
 * ```
 */
export interface HandledRequest {
  /** Response JSON plus `\n`. */
  readonly line: string;
  /** Whether the response is an error. */
  readonly error: boolean;
}

/**
 * Answers one request line (without its newline). Never throws: malformed input gets an error
 * response, and a failure inside the daemon (including a value the wire format refuses) gets
 * `internal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { handleRequestLine, type ProtocolContext } from "./protocol.ts";
 * const r = handleRequestLine('{"v":1,"op":"nope"}', {} as ProtocolContext);
 * assert.equal(r.error, true);
 * assert.equal(JSON.parse(r.line).error.code, "unknown_op");
 * ```
 */
export function handleRequestLine(line: string, ctx: ProtocolContext): HandledRequest {
  const decoded = decodeRequestLine(line);
  if (!decoded.ok) {
    return {
      line: encodeErrorLine(decoded.error.code, decoded.error.message, decoded.id),
      error: true,
    };
  }
  const { op, id } = decoded.request;
  let body: PreparedBody;
  try {
    body = ANSWERS[op](ctx);
  } catch (e) {
    if (e instanceof Refusal) return { line: encodeErrorLine(e.code, e.message, id), error: true };
    const message = `governor failed to answer: ${e instanceof Error ? e.message : e}`;
    return { line: encodeErrorLine("internal", message, id), error: true };
  }
  return { line: encodeOkLine(body, id), error: false };
}
