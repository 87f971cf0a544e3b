/**
 * The governor socket's wire format, protocol v1: newline-delimited JSON, one request line, one
 * response line. Pure, no I/O. This module is the only place that knows how a typed value
 * (camelCase, bigint) looks on the wire (snake_case, bigints as decimal strings): the daemon
 * encodes every line it writes here and the client decodes every line it reads here.
 *
 * Each response body is described once, field by field (typed name, wire name, codec). The
 * encoder and the strict decoder both run from that description, and the description is typed
 * against both the typed interface and the wire interface: a field added to either interface
 * is a compile error until the description maps it, and then both sides handle it.
 *
 * @module
 */

import type { DomainTotals } from "./rapl/accumulator.ts";
import type { DomainInfo, DomainKind } from "./rapl/energy_source.ts";
import type {
  ContainerRuntime,
  DomainWorkloadTotals,
  QosClass,
  WorkloadIdentity,
  WorkloadIdlePolicy,
  WorkloadTotals,
} from "./workloads/workload.ts";

/**
 * The only protocol version spoken.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestLine, PROTOCOL_VERSION } from "./wire.ts";
 * assert.equal(PROTOCOL_VERSION, 1);
 * assert.equal(JSON.parse(encodeRequestLine({ op: "read" })).v, PROTOCOL_VERSION);
 * ```
 */
export const PROTOCOL_VERSION = 1;

/**
 * Operations of protocol v1, in the order error messages list them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OPS } from "./wire.ts";
 * assert.deepEqual(OPS, ["read", "domains", "health", "stats", "workloads"]);
 * ```
 */
export const OPS = ["read", "domains", "health", "stats", "workloads"] as const;

/**
 * One operation of protocol v1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRequestLine, type Op, OPS } from "./wire.ts";
 * const op: Op = "health";
 * assert.ok(OPS.includes(op));
 * assert.deepEqual(decodeRequestLine('{"v":1,"op":"health"}'), { ok: true, request: { op } });
 * ```
 */
export type Op = (typeof OPS)[number];

/**
 * Error codes an error response can carry. `workloads_off` answers `workloads` when this governor
 * attributes no energy to workloads (`governor.attributionIntervalMs` 0, or no cgroup root).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ERROR_CODES } from "./wire.ts";
 * assert.ok(ERROR_CODES.includes("unknown_op"));
 * ```
 */
export const ERROR_CODES = [
  "bad_json",
  "bad_request",
  "unsupported_version",
  "unknown_op",
  "line_too_long",
  "too_many_clients",
  "internal",
  "workloads_off",
] as const;

/**
 * One error code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRequestLine, type ErrorCode } from "./wire.ts";
 * const d = decodeRequestLine('{"v":1,"op":"launch"}');
 * const code: ErrorCode | null = d.ok ? null : d.error.code;
 * assert.equal(code, "unknown_op");
 * ```
 */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Health verdicts: `ok`, `degraded` (a domain failing or stalled), `failing` (nothing valid, or
 * sampling stopped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEALTH_STATUSES } from "./wire.ts";
 * assert.deepEqual(HEALTH_STATUSES, ["ok", "degraded", "failing"]);
 * ```
 */
export const HEALTH_STATUSES = ["ok", "degraded", "failing"] as const;

/**
 * One health verdict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HEALTH_STATUSES, type HealthStatus } from "./wire.ts";
 * const worst: HealthStatus = HEALTH_STATUSES[HEALTH_STATUSES.length - 1];
 * assert.equal(worst, "failing");
 * ```
 */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * A request id, echoed in the response: a string of at most 128 characters or a finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestLine, type RequestId } from "./wire.ts";
 * const ids: RequestId[] = [7, "req-7"];
 * assert.deepEqual(ids.map((id) => encodeRequestLine({ op: "read", id })), [
 *   '{"v":1,"op":"read","id":7}\n',
 *   '{"v":1,"op":"read","id":"req-7"}\n',
 * ]);
 * ```
 */
export type RequestId = string | number;

/** Longest request id accepted, in characters. */
const MAX_ID_LENGTH = 128;
const ID_EXPECTED = `a string of at most ${MAX_ID_LENGTH} characters or a number`;

// ---------------------------------------------------------------------------------------------
// Typed values (what the daemon encodes and the client gets back)
// ---------------------------------------------------------------------------------------------

/**
 * A request as code sees it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestLine, type GovernorRequest } from "./wire.ts";
 * const request: GovernorRequest = { op: "domains", id: "d1" };
 * assert.equal(encodeRequestLine(request), '{"v":1,"op":"domains","id":"d1"}\n');
 * ```
 */
export interface GovernorRequest {
  /** The operation. */
  readonly op: Op;
  /** Echoed in the response (default none). */
  readonly id?: RequestId;
}

/**
 * One domain in a {@link GovernorReading}: the accumulator's {@link DomainTotals} without
 * `lastError` (that travels in {@link GovernorDomainHealth}). Coverage has 6 decimals on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type GovernorDomainReading } from "./wire.ts";
 * const d: GovernorDomainReading = {
 *   totalUj: 3_600_000_000n,
 *   deltaUj: 39_000n,
 *   wraps: 1,
 *   resets: 0,
 *   discarded: 0,
 *   readErrors: 0,
 *   stalls: 0,
 *   stalled: false,
 *   coverage: 1,
 * };
 * const wire = encodeBody("read", {
 *   instance: "i", continues: null, source: "sysfs", monoNs: 0n, time: "2026-01-01T00:00:00.000Z",
 *   domains: { "package-0": d }, hostTotalUj: d.totalUj, hostTotalDomains: ["package-0"],
 * });
 * assert.equal(wire.domains["package-0"].total_uj, "3600000000"); // bigints travel as strings
 * assert.equal("lastError" in wire.domains["package-0"], false);
 * ```
 */
export type GovernorDomainReading = Omit<DomainTotals, "lastError">;

/**
 * The answer to `read`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorReading } from "./wire.ts";
 * const reading: GovernorReading = {
 *   instance: "i",
 *   continues: null,
 *   source: "sysfs",
 *   monoNs: 5_000_000_000n,
 *   time: "2026-01-01T00:00:05.000Z",
 *   domains: { "package-0": {
 *     totalUj: 3_600_000_000n,
 *     deltaUj: 39_000n,
 *     wraps: 1,
 *     resets: 0,
 *     discarded: 0,
 *     readErrors: 0,
 *     stalls: 0,
 *     stalled: false,
 *     coverage: 1,
 *   } },
 *   hostTotalUj: 3_600_000_000n,
 *   hostTotalDomains: ["package-0"],
 * };
 * assert.deepEqual(decodeBody("read", encodeBody("read", reading)), reading);
 * ```
 */
export interface GovernorReading {
  /** Instance id of the governor run; a change means it restarted. */
  readonly instance: string;
  /** Instance whose totals this run continues (persisted), or null: totals restarted at 0. */
  readonly continues: string | null;
  /**
   * Source kind: `sysfs`, `msr`, `sim` (simulated, not a measurement) or `instance` (a cloud
   * instance power model: modelled, not a measurement; see `model`).
   */
  readonly source: string;
  /** Governor's monotonic time of the sample, ns. */
  readonly monoNs: bigint;
  /** Wall time of the sample, RFC 3339. */
  readonly time: string;
  /** Per-domain figures. */
  readonly domains: Readonly<Record<string, GovernorDomainReading>>;
  /** Host energy (sum of `hostTotalDomains`), uJ. */
  readonly hostTotalUj: bigint;
  /** Domains in the host total. */
  readonly hostTotalDomains: readonly string[];
  /**
   * Present only when the source is `instance`: the instance power model whose MODELLED energy
   * the totals are (never a measurement). Absent on the wire for every other source.
   */
  readonly model?: GovernorModelInfo;
}

/**
 * The instance power model behind an `instance` source's totals (the `model` field of `read`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorModelInfo } from "./wire.ts";
 * const model: GovernorModelInfo = {
 *   name: "ccf-linear@2026-12-02", instanceId: "aws:m5.large", match: "exact", flags: [], sigmaLn: 0.355,
 * };
 * const reading = {
 *   instance: "i", continues: null, source: "instance", monoNs: 0n, time: "2026-01-01T00:00:00.000Z",
 *   domains: {}, hostTotalUj: 0n, hostTotalDomains: [], model,
 * };
 * assert.equal(encodeBody("read", reading).model?.instance_id, "aws:m5.large");
 * assert.deepEqual(decodeBody("read", encodeBody("read", reading)), reading);
 * ```
 */
export interface GovernorModelInfo {
  /** Model name and data version, e.g. `ccf-linear@2026-12-02`. */
  readonly name: string;
  /** Canonical instance id, `provider:type`. */
  readonly instanceId: string;
  /** How the type matched the catalog: `exact` or `provider_average`. */
  readonly match: "exact" | "provider_average";
  /** What the model could not use or assumed. */
  readonly flags: readonly string[];
  /** 1-sigma of ln(power) of the model at the latest utilisation. */
  readonly sigmaLn: number;
}

/**
 * One energy domain as the governor describes it (answer to `domains`): the energy source's
 * {@link DomainInfo}. The decoder accepts only a known {@link DomainKind} as `kind`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorDomainInfo } from "./wire.ts";
 * const info: GovernorDomainInfo = {
 *   name: "package-0",
 *   kind: "package",
 *   parent: null,
 *   inHostTotal: true,
 *   wrapModulus: 262143328911n,
 *   ujPerRaw: { num: 1n, den: 1n },
 *   origin: "/sys/class/powercap/intel-rapl:0/energy_uj",
 *   note: null,
 * };
 * const list = { instance: "i", source: "sysfs", domains: [info] };
 * assert.deepEqual(decodeBody("domains", encodeBody("domains", list)), list);
 * const wire = encodeBody("domains", list);
 * const gpu = { ...wire, domains: [{ ...wire.domains[0], kind: "gpu" }] };
 * assert.throws(() => decodeBody("domains", gpu), /field domains\[0\]\.kind must be one of package/);
 * ```
 */
export type GovernorDomainInfo = DomainInfo;

/**
 * The answer to `domains`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine, encodeResponseLine, type GovernorDomainList } from "./wire.ts";
 * const list: GovernorDomainList = { instance: "i", source: "sim", domains: [] };
 * const decoded = decodeResponseLine("domains", encodeResponseLine("domains", list).trimEnd());
 * assert.deepEqual(decoded, { ok: true, value: list });
 * ```
 */
export interface GovernorDomainList {
  /** Instance id of the governor run. */
  readonly instance: string;
  /** Source kind. */
  readonly source: string;
  /** The domains, in source order. */
  readonly domains: readonly GovernorDomainInfo[];
}

/**
 * One domain in a {@link GovernorHealth}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorDomainHealth } from "./wire.ts";
 * const failing: GovernorDomainHealth = { ok: false, lastError: "EIO", stalled: false, coverage: 0.5 };
 * assert.equal(failing.lastError, "EIO");
 * ```
 */
export interface GovernorDomainHealth {
  /** Read in the last tick and not stalled. */
  readonly ok: boolean;
  /** Last read error, or null when the last read succeeded. */
  readonly lastError: string | null;
  /** Whether the counter is stalled now. */
  readonly stalled: boolean;
  /** Share of time covered by valid samples, 0..1 (6 decimals on the wire). */
  readonly coverage: number;
}

/**
 * The answer to `health`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorHealth } from "./wire.ts";
 * const health: GovernorHealth = {
 *   instance: "i",
 *   source: "sim",
 *   status: "ok",
 *   problems: [],
 *   simulated: true,
 *   uptimeS: 12.5,
 *   domains: { "package-0": { ok: true, lastError: null, stalled: false, coverage: 0.99 } },
 * };
 * assert.deepEqual(decodeBody("health", encodeBody("health", health)), health);
 * ```
 */
export interface GovernorHealth {
  /** Instance id of the governor run. */
  readonly instance: string;
  /** Source kind (`sim` is never a measurement). */
  readonly source: string;
  /** `ok`, `degraded` (a domain failing or stalled) or `failing` (nothing valid, or stopped). */
  readonly status: HealthStatus;
  /** One line per problem, naming the domain. */
  readonly problems: readonly string[];
  /** Whether the source is simulated. */
  readonly simulated: boolean;
  /** Seconds since the daemon started (6 decimals on the wire). */
  readonly uptimeS: number;
  /** Per-domain verdicts. */
  readonly domains: Readonly<Record<string, GovernorDomainHealth>>;
}

/**
 * Percentiles over the recent ticks plus the maximum since start, in milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorLatency } from "./wire.ts";
 * const lateness: GovernorLatency = { p50Ms: 0.1, p99Ms: 0.4, maxMs: 1.2, window: 1024 };
 * assert.ok(lateness.p50Ms <= lateness.p99Ms && lateness.p99Ms <= lateness.maxMs);
 * ```
 */
export interface GovernorLatency {
  /** Median over the window. */
  readonly p50Ms: number;
  /** 99th percentile over the window. */
  readonly p99Ms: number;
  /** Largest value since start. */
  readonly maxMs: number;
  /** Number of ticks the percentiles cover. */
  readonly window: number;
}

/**
 * Connection counters of the socket server, as `stats` reports them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorClientCounts } from "./wire.ts";
 * const clients: GovernorClientCounts = { active: 1, accepted: 3, rejected: 0, timedOut: 1, oversized: 0, badRequests: 0, requests: 9, evicted: 0, requestTimedOut: 0 };
 * assert.equal(clients.requests / clients.accepted, 3);
 * ```
 */
export interface GovernorClientCounts {
  /** Connections open now. */
  readonly active: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections refused because `maxClients` were open and every one was being answered. */
  readonly rejected: number;
  /** Connections closed for idling past `idleTimeoutMs` (or not reading their responses). */
  readonly timedOut: number;
  /** Request lines longer than `maxLineBytes`. */
  readonly oversized: number;
  /** Requests answered with an error. */
  readonly badRequests: number;
  /** Requests answered. */
  readonly requests: number;
  /**
   * Connections closed to make room for a new one when `maxClients` were open (the oldest
   * incomplete request line, else the longest idle connection).
   */
  readonly evicted: number;
  /** Connections closed because a request line did not complete within `requestTimeoutMs`. */
  readonly requestTimedOut: number;
}

/**
 * The answer to `stats`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorStats } from "./wire.ts";
 * const stats: GovernorStats = {
 *   instance: "i",
 *   intervalMs: 100,
 *   ticks: 50,
 *   overruns: 0,
 *   missedTicks: 0,
 *   tickLatenessMs: { p50Ms: 0.1, p99Ms: 0.4, maxMs: 1.2, window: 1024 },
 *   tickDurationMs: { p50Ms: 0.1, p99Ms: 0.4, maxMs: 1.2, window: 1024 },
 *   clients: { active: 1, accepted: 3, rejected: 0, timedOut: 1, oversized: 0, badRequests: 0, requests: 9, evicted: 0, requestTimedOut: 0 },
 *   rssBytes: 41_943_040,
 *   uptimeS: 5,
 *   workloads: null,
 * };
 * assert.deepEqual(decodeBody("stats", encodeBody("stats", stats)), stats);
 * ```
 */
export interface GovernorStats {
  /** Instance id of the governor run. */
  readonly instance: string;
  /** Tick period, ms. */
  readonly intervalMs: number;
  /** Ticks run. */
  readonly ticks: number;
  /** Ticks that ended after the next deadline. */
  readonly overruns: number;
  /** Deadlines skipped because of overruns. */
  readonly missedTicks: number;
  /** How late ticks started. */
  readonly tickLatenessMs: GovernorLatency;
  /** How long ticks' work took. */
  readonly tickDurationMs: GovernorLatency;
  /** Socket server counters. */
  readonly clients: GovernorClientCounts;
  /** Resident memory of the daemon, bytes. */
  readonly rssBytes: number;
  /** Seconds since the daemon started (6 decimals on the wire). */
  readonly uptimeS: number;
  /**
   * Per-workload attribution figures, or null when attribution is off. A governor from before
   * attribution sends no such field: the decoder reads its absence as null.
   */
  readonly workloads: GovernorWorkloadStats | null;
}

/**
 * How per-workload attribution is doing, as `stats` reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorWorkloadStats } from "./wire.ts";
 * const w: GovernorWorkloadStats = {
 *   intervalMs: 1000, runs: 11, intervals: 10, lastDurationMs: 0.8, maxDurationMs: 2.5,
 *   cgroups: 42, skipped: 0, workloads: 42, overCap: 0, cgroupResets: 0, domainResets: 0,
 *   scanFailures: 0,
 * };
 * assert.equal(w.runs - w.intervals, 1); // the first run only sets the baseline
 * ```
 */
export interface GovernorWorkloadStats {
  /** Attribution period, ms. */
  readonly intervalMs: number;
  /** Attribution steps that scanned the cgroups successfully. */
  readonly runs: number;
  /** Intervals attributed (every successful run but the first). */
  readonly intervals: number;
  /** How long the last step (scan + attribution) took, ms (6 decimals on the wire). */
  readonly lastDurationMs: number;
  /** Longest step since start, ms. */
  readonly maxDurationMs: number;
  /** Cgroups tracked (read) by the last scan. */
  readonly cgroups: number;
  /** Cgroups the last scan saw but could not read. */
  readonly skipped: number;
  /** Workloads holding a bucket of their own (at most `governor.maxWorkloads`). */
  readonly workloads: number;
  /** Cgroups of the last scan beyond the cap, counted in `(other)`. */
  readonly overCap: number;
  /** Cgroup CPU-time counters that went backwards (a cgroup recreated under the same path). */
  readonly cgroupResets: number;
  /** Energy totals that went backwards: intervals not attributed. */
  readonly domainResets: number;
  /** Scans that failed (logged once per kind, retried at the next period). */
  readonly scanFailures: number;
}

/**
 * The answer to `workloads`: an attribution snapshot, the {@link WorkloadTotals} of
 * `lib/energy/workloads/workload.ts`. For every domain the buckets sum exactly to `hostUj`; the
 * decoder refuses a body where they do not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody, encodeBody, type GovernorWorkloads } from "./wire.ts";
 * const totals: GovernorWorkloads = {
 *   instance: "i",
 *   monoNs: 2_000_000_000n,
 *   timeMs: 1_767_225_602_000,
 *   policy: "idle",
 *   intervals: 1,
 *   domains: { "package-0": { hostUj: 1_000n, buckets: { "(idle)": 750n, "a.slice": 250n } } },
 *   workloads: {
 *     "a.slice": { cgroup: "a.slice", podUid: null, containerId: null, qos: null, runtime: null },
 *   },
 * };
 * const wire = encodeBody("workloads", totals);
 * assert.equal(wire.domains["package-0"].buckets["a.slice"], "250");
 * assert.deepEqual(decodeBody("workloads", wire), totals);
 * ```
 */
export type GovernorWorkloads = WorkloadTotals;

/**
 * The body of an error response (the same on the wire and in code).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine, encodeErrorLine, type GovernorErrorBody } from "./wire.ts";
 * const body: GovernorErrorBody = { code: "unknown_op", message: "unknown op 'x'" };
 * const line = encodeErrorLine(body.code, body.message).trimEnd();
 * assert.deepEqual(decodeResponseLine("read", line), { ok: false, error: body });
 * ```
 */
export interface GovernorErrorBody {
  /** What kind of failure. */
  readonly code: ErrorCode;
  /** What failed and what to do. */
  readonly message: string;
}

/**
 * The typed answer of each operation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine, encodeResponseLine, type ResponseValues } from "./wire.ts";
 * const value: ResponseValues["domains"] = { instance: "i", source: "sim", domains: [] };
 * assert.deepEqual(decodeResponseLine("domains", encodeResponseLine("domains", value).trimEnd()), {
 *   ok: true,
 *   value,
 * });
 * ```
 */
export interface ResponseValues {
  /** Totals. */
  readonly read: GovernorReading;
  /** What is measured. */
  readonly domains: GovernorDomainList;
  /** Whether the numbers can be trusted. */
  readonly health: GovernorHealth;
  /** How the daemon is doing. */
  readonly stats: GovernorStats;
  /** Energy per workload. */
  readonly workloads: GovernorWorkloads;
}

// ---------------------------------------------------------------------------------------------
// Wire forms (snake_case, bigints as decimal strings)
// ---------------------------------------------------------------------------------------------

/**
 * A request line's object. Other fields are ignored by the daemon.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestLine, type WireRequest } from "./wire.ts";
 * const wire: WireRequest = JSON.parse(encodeRequestLine({ op: "stats", id: 1 }));
 * assert.deepEqual(wire, { v: 1, op: "stats", id: 1 });
 * ```
 */
export interface WireRequest {
  /** Protocol version, always 1. */
  readonly v: typeof PROTOCOL_VERSION;
  /** The operation. */
  readonly op: Op;
  /** Echoed in the response. */
  readonly id?: RequestId;
}

/**
 * {@link GovernorDomainReading} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireDomainReading } from "./wire.ts";
 * const reading = {
 *   instance: "i",
 *   continues: null,
 *   source: "sysfs",
 *   monoNs: 5_000_000_000n,
 *   time: "2026-01-01T00:00:05.000Z",
 *   domains: { "package-0": {
 *     totalUj: 3_600_000_000n,
 *     deltaUj: 39_000n,
 *     wraps: 1,
 *     resets: 0,
 *     discarded: 0,
 *     readErrors: 0,
 *     stalls: 0,
 *     stalled: false,
 *     coverage: 1,
 *   } },
 *   hostTotalUj: 3_600_000_000n,
 *   hostTotalDomains: ["package-0"],
 * };
 * const wire: WireDomainReading = encodeBody("read", reading).domains["package-0"];
 * assert.equal(wire.delta_uj, "39000");
 * assert.equal(wire.read_errors, 0);
 * ```
 */
export interface WireDomainReading {
  /** Decimal string, uJ. */
  readonly total_uj: string;
  /** Decimal string, uJ. */
  readonly delta_uj: string;
  /** Counter wraps handled. */
  readonly wraps: number;
  /** Counter resets. */
  readonly resets: number;
  /** Samples discarded. */
  readonly discarded: number;
  /** Failed reads. */
  readonly read_errors: number;
  /** Stall episodes. */
  readonly stalls: number;
  /** Stalled now. */
  readonly stalled: boolean;
  /** 0..1, 6 decimals. */
  readonly coverage: number;
}

/**
 * {@link GovernorReading} on the wire (the `read` body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireReading } from "./wire.ts";
 * const wire: WireReading = encodeBody("read", {
 *   instance: "i",
 *   continues: null,
 *   source: "sysfs",
 *   monoNs: 5_000_000_000n,
 *   time: "2026-01-01T00:00:05.000Z",
 *   domains: { "package-0": {
 *     totalUj: 3_600_000_000n,
 *     deltaUj: 39_000n,
 *     wraps: 1,
 *     resets: 0,
 *     discarded: 0,
 *     readErrors: 0,
 *     stalls: 0,
 *     stalled: false,
 *     coverage: 1,
 *   } },
 *   hostTotalUj: 3_600_000_000n,
 *   hostTotalDomains: ["package-0"],
 * });
 * assert.equal(wire.mono_ns, "5000000000");
 * assert.equal(wire.host_total_uj, "3600000000");
 * ```
 */
export interface WireReading {
  /** Instance id. */
  readonly instance: string;
  /** Continued instance, or null. */
  readonly continues: string | null;
  /** Source kind. */
  readonly source: string;
  /** Decimal string, ns. */
  readonly mono_ns: string;
  /** RFC 3339. */
  readonly time: string;
  /** Per-domain figures. */
  readonly domains: Readonly<Record<string, WireDomainReading>>;
  /** Decimal string, uJ. */
  readonly host_total_uj: string;
  /** Domains in the host total. */
  readonly host_total_domains: readonly string[];
  /** `instance` source only: the model (absent otherwise). */
  readonly model?: WireModelInfo;
}

/**
 * {@link GovernorModelInfo} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WireModelInfo } from "./wire.ts";
 * const wire: WireModelInfo = {
 *   name: "ccf-linear@2026-12-02", instance_id: "aws:m5.large", match: "exact", flags: [], sigma_ln: 0.355,
 * };
 * assert.equal(wire.instance_id, "aws:m5.large");
 * ```
 */
export interface WireModelInfo {
  /** Model name and data version. */
  readonly name: string;
  /** `provider:type`. */
  readonly instance_id: string;
  /** `exact` or `provider_average`. */
  readonly match: "exact" | "provider_average";
  /** Flags. */
  readonly flags: readonly string[];
  /** 1-sigma of ln(power). */
  readonly sigma_ln: number;
}

/**
 * {@link GovernorDomainInfo} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type GovernorDomainList, type WireDomainInfo } from "./wire.ts";
 * const list: GovernorDomainList = { instance: "i", source: "sysfs", domains: [{
 *   name: "package-0",
 *   kind: "package",
 *   parent: null,
 *   inHostTotal: true,
 *   wrapModulus: 262143328911n,
 *   ujPerRaw: { num: 1n, den: 1n },
 *   origin: "/sys/class/powercap/intel-rapl:0/energy_uj",
 *   note: null,
 * }] };
 * const wire: WireDomainInfo = encodeBody("domains", list).domains[0];
 * assert.equal(wire.wrap_modulus, "262143328911");
 * assert.deepEqual(wire.uj_per_raw, { num: "1", den: "1" });
 * ```
 */
export interface WireDomainInfo {
  /** Stable name. */
  readonly name: string;
  /** Domain kind. */
  readonly kind: string;
  /** Enclosing domain, or null. */
  readonly parent: string | null;
  /** Part of host energy. */
  readonly in_host_total: boolean;
  /** Decimal string, raw counts. */
  readonly wrap_modulus: string;
  /** Decimal strings: exact microjoules per raw count. */
  readonly uj_per_raw: { readonly num: string; readonly den: string };
  /** Where it is read from. */
  readonly origin: string;
  /** Caveat, or null. */
  readonly note: string | null;
}

/**
 * {@link GovernorDomainList} on the wire (the `domains` body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireDomainList } from "./wire.ts";
 * const wire: WireDomainList = encodeBody("domains", { instance: "i", source: "sysfs", domains: [] });
 * assert.deepEqual(wire, { instance: "i", source: "sysfs", domains: [] });
 * ```
 */
export interface WireDomainList {
  /** Instance id. */
  readonly instance: string;
  /** Source kind. */
  readonly source: string;
  /** The domains. */
  readonly domains: readonly WireDomainInfo[];
}

/**
 * {@link GovernorDomainHealth} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireDomainHealth } from "./wire.ts";
 * const wire: WireDomainHealth = encodeBody("health", {
 *   instance: "i",
 *   source: "sim",
 *   status: "ok",
 *   problems: [],
 *   simulated: true,
 *   uptimeS: 12.5,
 *   domains: { "package-0": { ok: true, lastError: null, stalled: false, coverage: 0.99 } },
 * }).domains["package-0"];
 * assert.deepEqual(wire, { ok: true, last_error: null, stalled: false, coverage: 0.99 });
 * ```
 */
export interface WireDomainHealth {
  /** Read in the last tick and not stalled. */
  readonly ok: boolean;
  /** Last read error, or null. */
  readonly last_error: string | null;
  /** Stalled now. */
  readonly stalled: boolean;
  /** 0..1, 6 decimals. */
  readonly coverage: number;
}

/**
 * {@link GovernorHealth} on the wire (the `health` body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireHealth } from "./wire.ts";
 * const wire: WireHealth = encodeBody("health", {
 *   instance: "i",
 *   source: "sim",
 *   status: "ok",
 *   problems: [],
 *   simulated: true,
 *   uptimeS: 12.5,
 *   domains: { "package-0": { ok: true, lastError: null, stalled: false, coverage: 0.99 } },
 * });
 * assert.equal(wire.uptime_s, 12.5);
 * ```
 */
export interface WireHealth {
  /** Instance id. */
  readonly instance: string;
  /** Source kind. */
  readonly source: string;
  /** Verdict. */
  readonly status: HealthStatus;
  /** One line per problem. */
  readonly problems: readonly string[];
  /** Source is simulated. */
  readonly simulated: boolean;
  /** Seconds, 6 decimals. */
  readonly uptime_s: number;
  /** Per-domain verdicts. */
  readonly domains: Readonly<Record<string, WireDomainHealth>>;
}

/**
 * {@link GovernorLatency} on the wire (milliseconds, 6 decimals).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WireLatency } from "./wire.ts";
 * const lateness: WireLatency = { p50: 0.1, p99: 0.4, max: 1.2, window: 1024 };
 * assert.ok(lateness.p99 <= lateness.max);
 * ```
 */
export interface WireLatency {
  /** Median, ms. */
  readonly p50: number;
  /** 99th percentile, ms. */
  readonly p99: number;
  /** Maximum since start, ms. */
  readonly max: number;
  /** Ticks in the window. */
  readonly window: number;
}

/**
 * {@link GovernorClientCounts} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireClientCounts } from "./wire.ts";
 * const lat = { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 0 };
 * const clients: WireClientCounts = encodeBody("stats", {
 *   instance: "i", intervalMs: 100, ticks: 0, overruns: 0, missedTicks: 0,
 *   tickLatenessMs: lat, tickDurationMs: lat, rssBytes: 0, uptimeS: 0, workloads: null,
 *   clients: { active: 0, accepted: 2, rejected: 1, timedOut: 0, oversized: 0, badRequests: 3, requests: 4,
 *     evicted: 2, requestTimedOut: 1 },
 * }).clients;
 * assert.equal(clients.bad_requests, 3);
 * assert.equal(clients.evicted, 2);
 * ```
 */
export interface WireClientCounts {
  /** Open now. */
  readonly active: number;
  /** Accepted since start. */
  readonly accepted: number;
  /** Refused at `maxClients`. */
  readonly rejected: number;
  /** Closed for idling. */
  readonly timed_out: number;
  /** Oversized request lines. */
  readonly oversized: number;
  /** Requests answered with an error. */
  readonly bad_requests: number;
  /** Requests answered. */
  readonly requests: number;
  /** Closed to make room for a new connection. */
  readonly evicted: number;
  /** Closed because a request line took longer than `requestTimeoutMs`. */
  readonly request_timed_out: number;
}

/**
 * {@link GovernorStats} on the wire (the `stats` body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireStats } from "./wire.ts";
 * const wire: WireStats = encodeBody("stats", {
 *   instance: "i",
 *   intervalMs: 100,
 *   ticks: 50,
 *   overruns: 0,
 *   missedTicks: 0,
 *   tickLatenessMs: { p50Ms: 0.1, p99Ms: 0.4, maxMs: 1.2, window: 1024 },
 *   tickDurationMs: { p50Ms: 0.1, p99Ms: 0.4, maxMs: 1.2, window: 1024 },
 *   clients: { active: 1, accepted: 3, rejected: 0, timedOut: 1, oversized: 0, badRequests: 0, requests: 9, evicted: 0, requestTimedOut: 0 },
 *   rssBytes: 41_943_040,
 *   uptimeS: 5,
 *   workloads: null,
 * });
 * assert.equal(wire.rss_bytes, 41_943_040);
 * assert.equal(wire.clients.timed_out, 1);
 * assert.equal(wire.tick_lateness_ms.p99, 0.4);
 * ```
 */
export interface WireStats {
  /** Instance id. */
  readonly instance: string;
  /** Tick period, ms. */
  readonly interval_ms: number;
  /** Ticks run. */
  readonly ticks: number;
  /** Overrunning ticks. */
  readonly overruns: number;
  /** Skipped deadlines. */
  readonly missed_ticks: number;
  /** Tick lateness. */
  readonly tick_lateness_ms: WireLatency;
  /** Tick duration. */
  readonly tick_duration_ms: WireLatency;
  /** Socket server counters. */
  readonly clients: WireClientCounts;
  /** Resident memory, bytes. */
  readonly rss_bytes: number;
  /** Seconds, 6 decimals. */
  readonly uptime_s: number;
  /** Attribution figures, or null when off (absent from governors before attribution). */
  readonly workloads: WireWorkloadStats | null;
}

/**
 * {@link GovernorWorkloadStats} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WireWorkloadStats } from "./wire.ts";
 * const w: WireWorkloadStats = {
 *   interval_ms: 1000, runs: 2, intervals: 1, last_duration_ms: 0.5, max_duration_ms: 0.9,
 *   cgroups: 3, skipped: 0, workloads: 3, over_cap: 0, cgroup_resets: 0, domain_resets: 0,
 *   scan_failures: 0,
 * };
 * assert.equal(w.interval_ms, 1000);
 * ```
 */
export interface WireWorkloadStats {
  /** Attribution period, ms. */
  readonly interval_ms: number;
  /** Successful attribution steps. */
  readonly runs: number;
  /** Intervals attributed. */
  readonly intervals: number;
  /** Last step's duration, ms, 6 decimals. */
  readonly last_duration_ms: number;
  /** Longest step, ms, 6 decimals. */
  readonly max_duration_ms: number;
  /** Cgroups read by the last scan. */
  readonly cgroups: number;
  /** Cgroups the last scan could not read. */
  readonly skipped: number;
  /** Workloads with a bucket of their own. */
  readonly workloads: number;
  /** Cgroups beyond the cap in the last scan. */
  readonly over_cap: number;
  /** Cgroup usage counters that went backwards. */
  readonly cgroup_resets: number;
  /** Energy totals that went backwards. */
  readonly domain_resets: number;
  /** Failed scans. */
  readonly scan_failures: number;
}

/**
 * {@link WorkloadIdentity} on the wire.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WireWorkloadIdentity } from "./wire.ts";
 * const id: WireWorkloadIdentity = {
 *   cgroup: "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c.slice",
 *   pod_uid: "1b2c",
 *   container_id: null,
 *   qos: "besteffort",
 *   runtime: null,
 * };
 * assert.equal(id.qos, "besteffort");
 * ```
 */
export interface WireWorkloadIdentity {
  /** Cgroup path under the root, no leading `/`. */
  readonly cgroup: string;
  /** Pod UID, or null. */
  readonly pod_uid: string | null;
  /** Container ID, or null. */
  readonly container_id: string | null;
  /** QoS class, or null. */
  readonly qos: QosClass | null;
  /** Container runtime, or null. */
  readonly runtime: ContainerRuntime | null;
}

/**
 * {@link DomainWorkloadTotals} on the wire: microjoules as decimal strings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WireDomainWorkloads } from "./wire.ts";
 * const d: WireDomainWorkloads = { host_uj: "10", buckets: { "(idle)": "4", "a.slice": "6" } };
 * const sum = Object.values(d.buckets).reduce((a, b) => a + BigInt(b), 0n);
 * assert.equal(sum, BigInt(d.host_uj));
 * ```
 */
export interface WireDomainWorkloads {
  /** Host energy attributed, uJ. */
  readonly host_uj: string;
  /** Bucket to uJ; they sum to `host_uj`. */
  readonly buckets: Readonly<Record<string, string>>;
}

/**
 * {@link GovernorWorkloads} on the wire (the `workloads` body).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireWorkloads } from "./wire.ts";
 * const wire: WireWorkloads = encodeBody("workloads", {
 *   instance: "i", monoNs: 1n, timeMs: 0, policy: "proportional", intervals: 0, domains: {},
 *   workloads: {},
 * });
 * assert.equal(wire.mono_ns, "1");
 * assert.equal(wire.time_ms, 0);
 * ```
 */
export interface WireWorkloads {
  /** Governor instance. */
  readonly instance: string;
  /** Monotonic time of the last attributed interval's end, ns (decimal string). */
  readonly mono_ns: string;
  /** Wall time of the same moment, ms since the epoch. */
  readonly time_ms: number;
  /** Idle policy. */
  readonly policy: WorkloadIdlePolicy;
  /** Intervals attributed. */
  readonly intervals: number;
  /** Per domain. */
  readonly domains: Readonly<Record<string, WireDomainWorkloads>>;
  /** Identity of each workload bucket. */
  readonly workloads: Readonly<Record<string, WireWorkloadIdentity>>;
}

/**
 * The wire body of each operation's success response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody, type WireBodies } from "./wire.ts";
 * const body: WireBodies["domains"] = encodeBody("domains", { instance: "i", source: "sim", domains: [] });
 * assert.deepEqual(body, { instance: "i", source: "sim", domains: [] });
 * ```
 */
export interface WireBodies {
  /** Totals. */
  readonly read: WireReading;
  /** What is measured. */
  readonly domains: WireDomainList;
  /** Whether the numbers can be trusted. */
  readonly health: WireHealth;
  /** How the daemon is doing. */
  readonly stats: WireStats;
  /** Energy per workload. */
  readonly workloads: WireWorkloads;
}

/**
 * The head every response line starts with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeErrorLine, type WireResponseHead } from "./wire.ts";
 * const head: WireResponseHead = JSON.parse(encodeErrorLine("internal", "boom", "r1"));
 * assert.equal(head.v, 1);
 * assert.equal(head.id, "r1");
 * ```
 */
export interface WireResponseHead {
  /** Protocol version, always 1. */
  readonly v: typeof PROTOCOL_VERSION;
  /** The request's id, when it had one. */
  readonly id?: RequestId;
}

/**
 * A whole response line's object for `op`: success with its body, or an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeResponseLine, type WireResponse } from "./wire.ts";
 * const line = encodeResponseLine("domains", { instance: "i", source: "sim", domains: [] }, 2);
 * const response: WireResponse<"domains"> = JSON.parse(line);
 * assert.equal(response.ok, true);
 * assert.equal(response.ok ? response.source : null, "sim");
 * ```
 */
export type WireResponse<O extends Op> =
  | (WireResponseHead & { readonly ok: true } & WireBodies[O])
  | (WireResponseHead & { readonly ok: false; readonly error: GovernorErrorBody });

// ---------------------------------------------------------------------------------------------
// Codecs: one description drives both directions
// ---------------------------------------------------------------------------------------------

/** How one value travels: typed form `T`, wire form `W`. */
interface Codec<T, W> {
  /** What the wire form must be, for messages ("a decimal string"). */
  readonly expected: string;
  /** Typed to wire; throws RangeError for a value the decoder would refuse. */
  encode(value: T, path: string): W;
  /** Wire JSON (already parsed) to typed; throws TypeError naming `path`. */
  decode(json: unknown, path: string): T;
}

function shown(json: unknown): string {
  if (json === undefined) return "nothing (the field is missing)";
  const text = typeof json === "bigint" ? `${json}n` : JSON.stringify(json) ?? String(json);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function refuse(path: string, expected: string, json: unknown): never {
  throw new TypeError(`field ${path} must be ${expected}, got ${shown(json)}`);
}

function unencodable(path: string, expected: string, value: unknown): never {
  throw new RangeError(`cannot encode ${path}: it must be ${expected}, got ${shown(value)}`);
}

const join = (path: string, key: string) => path === "" ? key : `${path}.${key}`;

const DECIMAL = /^[0-9]{1,40}$/;

/** Non-negative bigint <-> decimal string of at most 40 digits. */
const decimal: Codec<bigint, string> = {
  expected: "a decimal string of at most 40 digits",
  encode(value, path) {
    const text = value.toString();
    return DECIMAL.test(text) ? text : unencodable(path, this.expected, value);
  },
  decode(json, path) {
    return typeof json === "string" && DECIMAL.test(json)
      ? BigInt(json)
      : refuse(path, this.expected, json);
  },
};

/** Non-negative safe integer (counts). */
const count: Codec<number, number> = {
  expected: "a non-negative integer",
  encode(value, path) {
    return Number.isSafeInteger(value) && value >= 0
      ? value
      : unencodable(path, this.expected, value);
  },
  decode(json, path) {
    return typeof json === "number" && Number.isSafeInteger(json) && json >= 0
      ? json
      : refuse(path, this.expected, json);
  },
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A finite number in [min, max], rounded to 6 decimals when encoded. */
function fixed6(min: number, max: number, expected: string): Codec<number, number> {
  const ok = (x: unknown): x is number =>
    typeof x === "number" && Number.isFinite(x) && x >= min && x <= max;
  return {
    expected,
    encode(value, path) {
      return ok(value) ? round6(value) : unencodable(path, expected, value);
    },
    decode(json, path) {
      return ok(json) ? json : refuse(path, expected, json);
    },
  };
}

const ratio = fixed6(0, 1, "a number from 0 to 1");
const nonNegative = fixed6(0, Number.MAX_VALUE, "a non-negative number");

const text: Codec<string, string> = {
  expected: "a string",
  encode: (value) => value,
  decode(json, path) {
    return typeof json === "string" ? json : refuse(path, this.expected, json);
  },
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const time: Codec<string, string> = {
  expected: "an RFC 3339 time",
  encode(value, path) {
    return RFC3339.test(value) ? value : unencodable(path, this.expected, value);
  },
  decode(json, path) {
    return typeof json === "string" && RFC3339.test(json)
      ? json
      : refuse(path, this.expected, json);
  },
};

const bool: Codec<boolean, boolean> = {
  expected: "true or false",
  encode: (value) => value,
  decode(json, path) {
    return typeof json === "boolean" ? json : refuse(path, this.expected, json);
  },
};

function nullable<T, W>(inner: Codec<T, W>): Codec<T | null, W | null> {
  const expected = `${inner.expected} or null`;
  return {
    expected,
    encode: (value, path) => value === null ? null : inner.encode(value, path),
    decode: (json, path) => json === null ? null : inner.decode(json, path),
  };
}

/**
 * `inner` or null, where a missing field also reads as null: for a field added to a body after
 * v1 shipped, so a new client still reads an older governor's answer.
 */
function absentAsNull<T, W>(inner: Codec<T, W>): Codec<T | null, W | null> {
  const plain = nullable(inner);
  return {
    expected: plain.expected,
    encode: plain.encode,
    decode: (json, path) => json === undefined ? null : plain.decode(json, path),
  };
}

/** `inner`, or absent: a field added after v1 that only some sources send (absent, not null). */
function optional<T, W>(inner: Codec<T, W>): Codec<T | undefined, W | undefined> {
  return {
    expected: `${inner.expected} or absent`,
    encode: (value, path) => value === undefined ? undefined : inner.encode(value, path),
    decode: (json, path) => json === undefined ? undefined : inner.decode(json, path),
  };
}

function oneOf<const V extends string>(values: readonly V[]): Codec<V, V> {
  const expected = `one of ${values.join(", ")}`;
  const ok = (x: unknown): x is V => (values as readonly unknown[]).includes(x);
  return {
    expected,
    encode: (value, path) => ok(value) ? value : unencodable(path, expected, value),
    decode: (json, path) => ok(json) ? json : refuse(path, expected, json),
  };
}

function list<T, W>(item: Codec<T, W>): Codec<readonly T[], readonly W[]> {
  const expected = `a list of ${item.expected}`;
  return {
    expected,
    encode: (value, path) => value.map((v, i) => item.encode(v, `${path}[${i}]`)),
    decode(json, path) {
      if (!Array.isArray(json)) return refuse(path, expected, json);
      return json.map((v, i) => item.decode(v, `${path}[${i}]`));
    },
  };
}

const isObject = (json: unknown): json is Record<string, unknown> =>
  typeof json === "object" && json !== null && !Array.isArray(json);

/** An object keyed by name (domain names): keys kept as they are. */
function byName<T, W>(
  item: Codec<T, W>,
): Codec<Readonly<Record<string, T>>, Readonly<Record<string, W>>> {
  const expected = "an object keyed by name";
  return {
    expected,
    // fromEntries defines own properties, so a name like "__proto__" stays a plain key
    encode: (value, path) =>
      Object.fromEntries(Object.entries(value).map(([k, v]) => [k, item.encode(v, join(path, k))])),
    decode(json, path) {
      if (!isObject(json)) return refuse(path, expected, json);
      return Object.fromEntries(
        Object.entries(json).map(([k, v]) => [k, item.decode(v, join(path, k))]),
      );
    },
  };
}

/** One typed field's entry: its wire key (a key of `W`) and a codec to that key's type. */
type FieldOf<V, W> = {
  [WK in keyof W & string]-?: readonly [WK, Codec<V, W[WK]>];
}[keyof W & string];

/** A description of `T` on the wire as `W`: every typed field, mapped to a wire field. */
type Fields<T, W> = { readonly [K in keyof T]-?: FieldOf<T[K], W> };

/** The wire keys a description uses. */
type WireKeysOf<F> = { [K in keyof F]: F[K] extends readonly [infer N, unknown] ? N : never }[
  keyof F
];

/** Compile error naming the wire fields a description leaves out (none: no constraint). */
type CoversWire<F, W> = [Exclude<keyof W, WireKeysOf<F>>] extends [never] ? unknown
  : { readonly "wire fields not described": Exclude<keyof W, WireKeysOf<F>> };

/**
 * A struct codec from a description. Curried so `T` and `W` are given and the description is
 * inferred: a typed field without an entry, an entry whose codec does not fit both sides, or a
 * wire field no entry writes is a compile error.
 */
function struct<T, W>() {
  return <const F extends Fields<T, W>>(fields: F & CoversWire<F, W>): Codec<T, W> => {
    const entries = Object.entries(fields) as [keyof T & string, FieldOf<unknown, W>][];
    const expected = "an object";
    return {
      expected,
      // an `optional` field that is absent stays absent (no key) on both sides
      encode(value, path) {
        const out: Record<string, unknown> = {};
        for (const [key, [wire, codec]] of entries) {
          const v = codec.encode(value[key], join(path, wire));
          if (v !== undefined) out[wire] = v;
        }
        return out as W;
      },
      decode(json, path) {
        if (!isObject(json)) return refuse(path, expected, json);
        const out: Record<string, unknown> = {};
        for (const [key, [wire, codec]] of entries) {
          const v = codec.decode(
            Object.hasOwn(json, wire) ? json[wire] : undefined,
            join(path, wire),
          );
          if (v !== undefined) out[key] = v;
        }
        return out as T;
      },
    };
  };
}

const DOMAIN_READING = struct<GovernorDomainReading, WireDomainReading>()({
  totalUj: ["total_uj", decimal],
  deltaUj: ["delta_uj", decimal],
  wraps: ["wraps", count],
  resets: ["resets", count],
  discarded: ["discarded", count],
  readErrors: ["read_errors", count],
  stalls: ["stalls", count],
  stalled: ["stalled", bool],
  coverage: ["coverage", ratio],
});

const MODEL_INFO = struct<GovernorModelInfo, WireModelInfo>()({
  name: ["name", text],
  instanceId: ["instance_id", text],
  match: ["match", oneOf(["exact", "provider_average"] as const)],
  flags: ["flags", list(text)],
  sigmaLn: ["sigma_ln", nonNegative],
});

const READING = struct<GovernorReading, WireReading>()({
  instance: ["instance", text],
  continues: ["continues", nullable(text)],
  source: ["source", text],
  monoNs: ["mono_ns", decimal],
  time: ["time", time],
  domains: ["domains", byName(DOMAIN_READING)],
  hostTotalUj: ["host_total_uj", decimal],
  hostTotalDomains: ["host_total_domains", list(text)],
  model: ["model", optional(MODEL_INFO)],
});

const UJ_PER_RAW = struct<GovernorDomainInfo["ujPerRaw"], WireDomainInfo["uj_per_raw"]>()({
  num: ["num", decimal],
  den: ["den", decimal],
});

// Every DomainKind once: a kind added to or dropped from the type is a compile error here. The
// wire module imports only types, so the governor client stays a two-file copy.
const KNOWN_KINDS: { readonly [K in DomainKind]: true } = {
  package: true,
  core: true,
  uncore: true,
  dram: true,
  psys: true,
};
const DOMAIN_KINDS = Object.keys(KNOWN_KINDS) as DomainKind[];

const DOMAIN_INFO = struct<GovernorDomainInfo, WireDomainInfo>()({
  name: ["name", text],
  kind: ["kind", oneOf(DOMAIN_KINDS)],
  parent: ["parent", nullable(text)],
  inHostTotal: ["in_host_total", bool],
  wrapModulus: ["wrap_modulus", decimal],
  ujPerRaw: ["uj_per_raw", UJ_PER_RAW],
  origin: ["origin", text],
  note: ["note", nullable(text)],
});

const DOMAIN_LIST = struct<GovernorDomainList, WireDomainList>()({
  instance: ["instance", text],
  source: ["source", text],
  domains: ["domains", list(DOMAIN_INFO)],
});

const DOMAIN_HEALTH = struct<GovernorDomainHealth, WireDomainHealth>()({
  ok: ["ok", bool],
  lastError: ["last_error", nullable(text)],
  stalled: ["stalled", bool],
  coverage: ["coverage", ratio],
});

const HEALTH = struct<GovernorHealth, WireHealth>()({
  instance: ["instance", text],
  source: ["source", text],
  status: ["status", oneOf(HEALTH_STATUSES)],
  problems: ["problems", list(text)],
  simulated: ["simulated", bool],
  uptimeS: ["uptime_s", nonNegative],
  domains: ["domains", byName(DOMAIN_HEALTH)],
});

const LATENCY = struct<GovernorLatency, WireLatency>()({
  p50Ms: ["p50", nonNegative],
  p99Ms: ["p99", nonNegative],
  maxMs: ["max", nonNegative],
  window: ["window", count],
});

const CLIENT_COUNTS = struct<GovernorClientCounts, WireClientCounts>()({
  active: ["active", count],
  accepted: ["accepted", count],
  rejected: ["rejected", count],
  timedOut: ["timed_out", count],
  oversized: ["oversized", count],
  badRequests: ["bad_requests", count],
  requests: ["requests", count],
  evicted: ["evicted", count],
  requestTimedOut: ["request_timed_out", count],
});

const WORKLOAD_STATS = struct<GovernorWorkloadStats, WireWorkloadStats>()({
  intervalMs: ["interval_ms", count],
  runs: ["runs", count],
  intervals: ["intervals", count],
  lastDurationMs: ["last_duration_ms", nonNegative],
  maxDurationMs: ["max_duration_ms", nonNegative],
  cgroups: ["cgroups", count],
  skipped: ["skipped", count],
  workloads: ["workloads", count],
  overCap: ["over_cap", count],
  cgroupResets: ["cgroup_resets", count],
  domainResets: ["domain_resets", count],
  scanFailures: ["scan_failures", count],
});

const STATS = struct<GovernorStats, WireStats>()({
  instance: ["instance", text],
  intervalMs: ["interval_ms", count],
  ticks: ["ticks", count],
  overruns: ["overruns", count],
  missedTicks: ["missed_ticks", count],
  tickLatenessMs: ["tick_lateness_ms", LATENCY],
  tickDurationMs: ["tick_duration_ms", LATENCY],
  clients: ["clients", CLIENT_COUNTS],
  rssBytes: ["rss_bytes", count],
  uptimeS: ["uptime_s", nonNegative],
  workloads: ["workloads", absentAsNull(WORKLOAD_STATS)],
});

// Every QosClass and ContainerRuntime once, as for DomainKind above.
const KNOWN_QOS: { readonly [Q in QosClass]: true } = {
  guaranteed: true,
  burstable: true,
  besteffort: true,
};
const KNOWN_RUNTIMES: { readonly [R in ContainerRuntime]: true } = {
  containerd: true,
  "cri-o": true,
  docker: true,
};
const KNOWN_POLICIES: { readonly [P in WorkloadIdlePolicy]: true } = {
  idle: true,
  proportional: true,
};

const WORKLOAD_IDENTITY = struct<WorkloadIdentity, WireWorkloadIdentity>()({
  cgroup: ["cgroup", text],
  podUid: ["pod_uid", nullable(text)],
  containerId: ["container_id", nullable(text)],
  qos: ["qos", nullable(oneOf(Object.keys(KNOWN_QOS) as QosClass[]))],
  runtime: ["runtime", nullable(oneOf(Object.keys(KNOWN_RUNTIMES) as ContainerRuntime[]))],
});

/** The domain totals, checked both ways: the buckets must sum to the host energy exactly. */
const DOMAIN_WORKLOADS: Codec<DomainWorkloadTotals, WireDomainWorkloads> = (() => {
  const inner = struct<DomainWorkloadTotals, WireDomainWorkloads>()({
    hostUj: ["host_uj", decimal],
    buckets: ["buckets", byName(decimal)],
  });
  const expected = "buckets that sum to host_uj exactly";
  const sum = (t: DomainWorkloadTotals) => Object.values(t.buckets).reduce((a, b) => a + b, 0n);
  return {
    expected,
    encode(value, path) {
      const wire = inner.encode(value, path);
      const total = sum(value);
      return total === value.hostUj
        ? wire
        : unencodable(join(path, "buckets"), expected, `${total} against ${value.hostUj}`);
    },
    decode(json, path) {
      const value = inner.decode(json, path);
      const total = sum(value);
      return total === value.hostUj ? value : refuse(
        join(path, "buckets"),
        `${expected}`,
        `a sum of ${total}, host_uj ${value.hostUj}`,
      );
    },
  };
})();

const WORKLOADS = struct<GovernorWorkloads, WireWorkloads>()({
  instance: ["instance", text],
  monoNs: ["mono_ns", decimal],
  timeMs: ["time_ms", count],
  policy: ["policy", oneOf(Object.keys(KNOWN_POLICIES) as WorkloadIdlePolicy[])],
  intervals: ["intervals", count],
  domains: ["domains", byName(DOMAIN_WORKLOADS)],
  workloads: ["workloads", byName(WORKLOAD_IDENTITY)],
});

const ERROR_BODY = struct<GovernorErrorBody, GovernorErrorBody>()({
  code: ["code", oneOf(ERROR_CODES)],
  message: ["message", text],
});

/** The body codec of every operation: a new op is a compile error until it has one. */
const BODIES: { readonly [O in Op]: Codec<ResponseValues[O], WireBodies[O]> } = {
  read: READING,
  domains: DOMAIN_LIST,
  health: HEALTH,
  stats: STATS,
  workloads: WORKLOADS,
};

// The head's keys are reserved: no body may use them.
type ReservedInBody = { [O in Op]: Extract<keyof WireBodies[O], "v" | "ok" | "id" | "error"> }[Op];
const noReservedKeys: [ReservedInBody] extends [never] ? true : never = true;
void noReservedKeys;

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const OP = oneOf(OPS);

const isRequestId = (x: unknown): x is RequestId =>
  (typeof x === "string" && x.length <= MAX_ID_LENGTH) ||
  (typeof x === "number" && Number.isFinite(x));

/**
 * Serialises a request line (with trailing newline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRequestLine } from "./wire.ts";
 * assert.equal(encodeRequestLine({ op: "read" }), '{"v":1,"op":"read"}\n');
 * assert.equal(encodeRequestLine({ op: "stats", id: 7 }), '{"v":1,"op":"stats","id":7}\n');
 * ```
 */
export function encodeRequestLine(request: GovernorRequest): string {
  const wire: WireRequest = { v: PROTOCOL_VERSION, op: OP.encode(request.op, "op") };
  if (request.id === undefined) return JSON.stringify(wire) + "\n";
  if (!isRequestId(request.id)) {
    unencodable("id", ID_EXPECTED, request.id);
  }
  return JSON.stringify({ ...wire, id: request.id }) + "\n";
}

/**
 * Result of {@link decodeRequestLine}: the request, or the error to answer with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRequestLine, type RequestDecoding } from "./wire.ts";
 * const d: RequestDecoding = decodeRequestLine('{"v":1,"op":"nope","id":5}');
 * assert.equal(d.ok, false);
 * assert.equal(d.ok ? null : d.id, 5); // echoed in the error answer
 * ```
 */
export type RequestDecoding =
  | { readonly ok: true; readonly request: GovernorRequest }
  | {
    readonly ok: false;
    readonly error: GovernorErrorBody;
    /** The request's id when it was readable, to echo in the error. */
    readonly id?: RequestId;
  };

/**
 * Reads one request line (without its newline), as the daemon does: never throws; a malformed
 * request comes back as the error code and message to answer with. Fields other than `v`, `op`
 * and `id` are ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRequestLine } from "./wire.ts";
 * assert.deepEqual(decodeRequestLine('{"v":1,"op":"read","id":"a"}'), {
 *   ok: true,
 *   request: { op: "read", id: "a" },
 * });
 * const bad = decodeRequestLine('{"v":2,"op":"read"}');
 * assert.equal(bad.ok ? null : bad.error.code, "unsupported_version");
 * ```
 */
export function decodeRequestLine(line: string): RequestDecoding {
  const refused = (code: ErrorCode, message: string, id?: RequestId): RequestDecoding =>
    id === undefined ? { ok: false, error: { code, message } } : {
      ok: false,
      error: { code, message },
      id,
    };
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return refused("bad_json", "request is not valid JSON; send one JSON object per line");
  }
  if (!isObject(req)) {
    return refused("bad_request", 'request must be a JSON object such as {"v":1,"op":"read"}');
  }
  let id: RequestId | undefined;
  if (req.id !== undefined) {
    if (!isRequestId(req.id)) {
      return refused(
        "bad_request",
        `id must be a string of at most ${MAX_ID_LENGTH} characters or a number`,
      );
    }
    id = req.id;
  }
  if (req.v !== PROTOCOL_VERSION) {
    return refused(
      "unsupported_version",
      `protocol version ${
        JSON.stringify(req.v ?? null)
      } is not supported; this governor speaks v${PROTOCOL_VERSION}`,
      id,
    );
  }
  const op = req.op;
  if (typeof op !== "string" || !(OPS as readonly string[]).includes(op)) {
    const name = typeof op === "string" ? op.slice(0, 64) : JSON.stringify(op ?? null);
    return refused("unknown_op", `unknown op '${name}'; expected one of ${OPS.join(", ")}`, id);
  }
  const request: GovernorRequest = id === undefined ? { op: op as Op } : { op: op as Op, id };
  return { ok: true, request };
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/**
 * Converts a typed answer to its wire body (snake_case keys, bigints as decimal strings,
 * ratios and seconds rounded to 6 decimals). Throws RangeError for a value the decoder would
 * refuse (a negative total, a count that is not an integer), so a bad line is never written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBody } from "./wire.ts";
 * const latency = { p50Ms: 0.5, p99Ms: 1, maxMs: 2, window: 3 };
 * const wire = encodeBody("stats", {
 *   instance: "i", intervalMs: 100, ticks: 3, overruns: 0, missedTicks: 0,
 *   tickLatenessMs: latency, tickDurationMs: latency,
 *   clients: { active: 1, accepted: 1, rejected: 0, timedOut: 0, oversized: 0, badRequests: 0, requests: 1,
 *     evicted: 0, requestTimedOut: 0 },
 *   rssBytes: 1024, uptimeS: 1.0000004, workloads: null,
 * });
 * assert.equal(wire.interval_ms, 100);
 * assert.deepEqual(wire.tick_lateness_ms, { p50: 0.5, p99: 1, max: 2, window: 3 });
 * assert.equal(wire.uptime_s, 1);
 * ```
 */
export function encodeBody<O extends Op>(op: O, value: ResponseValues[O]): WireBodies[O] {
  const codec: Codec<ResponseValues[O], WireBodies[O]> = BODIES[op];
  return codec.encode(value, "");
}

/**
 * Converts a parsed wire body (the response object; `v`, `ok` and `id` are ignored) to its typed
 * answer. Strict: a missing or mistyped field throws a TypeError naming the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBody } from "./wire.ts";
 * const list = decodeBody("domains", { instance: "i", source: "sim", domains: [] });
 * assert.deepEqual(list, { instance: "i", source: "sim", domains: [] });
 * assert.throws(() => decodeBody("domains", { instance: "i", domains: [] }), /field source must be a string/);
 * ```
 */
export function decodeBody<O extends Op>(op: O, json: unknown): ResponseValues[O] {
  const codec: Codec<ResponseValues[O], WireBodies[O]> = BODIES[op];
  try {
    return codec.decode(json, "");
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    throw new TypeError(`${op} response: ${e.message}`, { cause: e });
  }
}

const BODY_BRAND: unique symbol = Symbol("wire body");

/**
 * A success body serialised once, to answer many requests (e.g. one `read` per snapshot).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeOkLine, type PreparedBody, prepareBody } from "./wire.ts";
 * const body: PreparedBody = prepareBody("domains", { instance: "i", source: "sim", domains: [] });
 * assert.equal(body.op, "domains");
 * assert.equal(encodeOkLine(body, "a"), encodeOkLine(body, "a")); // one body, many answers
 * ```
 */
export interface PreparedBody {
  /** The operation it answers. */
  readonly op: Op;
  /** The body as JSON object text, without `v`, `ok` and `id`. */
  readonly json: string;
  /** Only {@link prepareBody} makes these. */
  readonly [BODY_BRAND]: true;
}

/**
 * Encodes a typed answer once into JSON text that {@link encodeOkLine} splices into each
 * response line. Throws like {@link encodeBody}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeOkLine, prepareBody } from "./wire.ts";
 * const body = prepareBody("domains", { instance: "i", source: "sim", domains: [] });
 * assert.equal(body.json, '{"instance":"i","source":"sim","domains":[]}');
 * assert.equal(encodeOkLine(body, 3), '{"v":1,"ok":true,"id":3,"instance":"i","source":"sim","domains":[]}\n');
 * ```
 */
export function prepareBody<O extends Op>(op: O, value: ResponseValues[O]): PreparedBody {
  return { op, json: JSON.stringify(encodeBody(op, value)), [BODY_BRAND]: true };
}

/**
 * Serialises a success response line (with trailing newline) from a prepared body, echoing `id`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeOkLine, prepareBody } from "./wire.ts";
 * const body = prepareBody("domains", { instance: "i", source: "sim", domains: [] });
 * assert.equal(encodeOkLine(body), '{"v":1,"ok":true,"instance":"i","source":"sim","domains":[]}\n');
 * ```
 */
export function encodeOkLine(body: PreparedBody, id?: RequestId): string {
  let head = `{"v":${PROTOCOL_VERSION},"ok":true`;
  if (id !== undefined) {
    if (!isRequestId(id)) unencodable("id", ID_EXPECTED, id);
    head += `,"id":${JSON.stringify(id)}`;
  }
  return body.json === "{}" ? `${head}}\n` : `${head},${body.json.slice(1)}\n`;
}

/**
 * Serialises a success response line (with trailing newline) from a typed answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine, encodeResponseLine } from "./wire.ts";
 * const line = encodeResponseLine("domains", { instance: "i", source: "sim", domains: [] }, "x");
 * assert.deepEqual(decodeResponseLine("domains", line), {
 *   ok: true,
 *   id: "x",
 *   value: { instance: "i", source: "sim", domains: [] },
 * });
 * ```
 */
export function encodeResponseLine<O extends Op>(
  op: O,
  value: ResponseValues[O],
  id?: RequestId,
): string {
  return encodeOkLine(prepareBody(op, value), id);
}

/**
 * Serialises an error response line (with trailing newline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeErrorLine } from "./wire.ts";
 * assert.equal(
 *   encodeErrorLine("unknown_op", "unknown op 'x'"),
 *   '{"v":1,"ok":false,"error":{"code":"unknown_op","message":"unknown op \'x\'"}}\n',
 * );
 * ```
 */
export function encodeErrorLine(code: ErrorCode, message: string, id?: RequestId): string {
  const head: Record<string, unknown> = { v: PROTOCOL_VERSION, ok: false };
  if (id !== undefined) {
    if (!isRequestId(id)) unencodable("id", ID_EXPECTED, id);
    head.id = id;
  }
  head.error = ERROR_BODY.encode({ code, message }, "error");
  return JSON.stringify(head) + "\n";
}

/**
 * Result of {@link decodeResponseLine}: the typed answer, or the governor's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine, encodeErrorLine, type ResponseDecoding } from "./wire.ts";
 * const line = encodeErrorLine("too_many_clients", "too many clients", 9).trimEnd();
 * const d: ResponseDecoding<"read"> = decodeResponseLine("read", line);
 * assert.deepEqual(d, { ok: false, id: 9, error: { code: "too_many_clients", message: "too many clients" } });
 * ```
 */
export type ResponseDecoding<O extends Op> =
  | { readonly ok: true; readonly id?: RequestId; readonly value: ResponseValues[O] }
  | { readonly ok: false; readonly id?: RequestId; readonly error: GovernorErrorBody };

/**
 * Reads one response line (without its newline) to a request for `op`, as the client does.
 * Fails closed: text that is not JSON, a version other than 1, a missing or mistyped `ok`, `id`,
 * error or body field throw a TypeError whose message names the field. Unknown extra fields are
 * ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeResponseLine } from "./wire.ts";
 * const r = decodeResponseLine("health", '{"v":1,"ok":false,"error":{"code":"internal","message":"boom"}}');
 * assert.deepEqual(r, { ok: false, error: { code: "internal", message: "boom" } });
 * assert.throws(() => decodeResponseLine("health", '{"v":2,"ok":true}'), /protocol version 2/);
 * ```
 */
export function decodeResponseLine<O extends Op>(op: O, line: string): ResponseDecoding<O> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (e) {
    throw new TypeError(`${op} response is not JSON`, { cause: e });
  }
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new TypeError(`${op} response: field ${field} must be ${expected}, got ${shown(got)}`);
  };
  if (!isObject(json)) return fail("(the whole line)", "a JSON object", json);
  const r = json;
  if (r.v !== PROTOCOL_VERSION) {
    throw new TypeError(
      `${op} response has unsupported protocol version ${JSON.stringify(r.v ?? null)}`,
    );
  }
  if (typeof r.ok !== "boolean") fail("ok", "true or false", r.ok);
  let id: RequestId | undefined;
  if (r.id !== undefined) {
    id = isRequestId(r.id) ? r.id : fail("id", ID_EXPECTED, r.id);
  }
  const withId = id === undefined ? {} : { id };
  if (r.ok === false) {
    let error: GovernorErrorBody;
    try {
      error = ERROR_BODY.decode(r.error, "error");
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      throw new TypeError(`${op} error response: ${e.message}`, { cause: e });
    }
    return { ok: false, ...withId, error };
  }
  return { ok: true, ...withId, value: decodeBody(op, r) };
}
