/**
 * `carbon-ops report --ledger DIR --key FILE [--state FILE] [--region R]`: for cron. Appends one
 * host emission record covering exactly the time since the previous report.
 *
 * @module
 */

import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, type CommandContext, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import { GovernorClient, GovernorUnavailableError } from "../../energy/governor_client.ts";
import type { GovernorModelInfo, GovernorReading } from "../../energy/wire.ts";
import { governorEvidence } from "../../energy/governor_reader.ts";
import { showRecords } from "../../ledger/query.ts";
import {
  type PendingPeriod,
  type PendingRecord,
  planPeriod,
  type ReportState,
} from "../../energy/report_period.ts";
import { loadReportState, saveReportState, withStateLock } from "../../energy/report_state.ts";
import type { WorkloadTotals } from "../../energy/workloads/workload.ts";
import { splitExact } from "../../energy/workloads/split_exact.ts";
import {
  attributedHostUj,
  exactShare,
  shareRatio,
  workloadPeriod,
  workloadReportState,
} from "../../energy/workloads/workload_period.ts";
import {
  groupTenants,
  parseTenantGrouping,
  readPodLogDirs,
  type TenantContext,
  type TenantGrouping,
} from "../../energy/workloads/tenants.ts";
import { parseTenantMap } from "../../energy/workloads/tenant_map.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import type { CarbonEstimator } from "../../carbon/estimator.ts";
import {
  appendEmission,
  type EmissionTarget,
  ledgerFailure,
  prepareEmission,
} from "../emission.ts";
import { EMISSION_OPTIONS } from "../emission_options.ts";
import { estimatorFromConfig } from "./_estimator_from_config.ts";
import { type CloudContext, resolveCloudContext, withCloudRegion } from "../cloud_context.ts";
import { type EmbodiedEmission, embodiedForInstance } from "../../carbon/embodied_estimate.ts";
import { rfc3339Ms } from "../../base/rfc3339.ts";

const USAGE = "carbon-ops report --ledger DIR --key FILE [--state FILE] [--region R] " +
  "[--socket PATH] [--min-period S] [--by cgroup|pod|namespace|label=KEY] [--pods-dir DIR] " +
  "[--tenants FILE] [--json]";

const OPTIONS = {
  state: { type: "string" },
  region: { type: "string" },
  socket: { type: "string" },
  "min-period": { type: "string" },
  by: { type: "string" },
  "pods-dir": { type: "string" },
  tenants: { type: "string" },
  json: { type: "boolean" },
  ...EMISSION_OPTIONS,
} as const;

/**
 * How `report` reads the governor (injected in tests; the default is a `GovernorClient` on the
 * socket).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportReaders } from "./report.ts";
 * const readers: ReportReaders = {
 *   readWorkloads: () => Promise.reject(new Error("no governor in this example")),
 * };
 * await assert.rejects(readers.readWorkloads!("/run/carbon-ops.sock"), /no governor/);
 * ```
 */
export interface ReportReaders {
  /** The governor's `read` (host totals, host-total domains, source). */
  readonly readHost?: (socketPath: string) => Promise<GovernorReading>;
  /** The governor's per-workload totals (`report --by`). */
  readonly readWorkloads?: (socketPath: string) => Promise<WorkloadTotals>;
}

async function defaultReadHost(socketPath: string): Promise<GovernorReading> {
  const client = new GovernorClient({ socketPath, timeoutMs: 2000 });
  try {
    return await client.read();
  } finally {
    client.close();
  }
}

async function defaultReadWorkloads(socketPath: string): Promise<WorkloadTotals> {
  const client = new GovernorClient({ socketPath, timeoutMs: 2000 });
  try {
    return await client.workloads();
  } finally {
    client.close();
  }
}

function hostEvents(r: GovernorReading): number {
  let n = 0;
  for (const name of r.hostTotalDomains) {
    const d = r.domains[name];
    if (d) n += d.resets + d.discarded + d.stalls;
  }
  return n;
}

/** Key of a record within its period: its part and tenant. */
const partKey = (labels: Readonly<Record<string, unknown>> | undefined) =>
  `${labels?.report_part ?? "host"}\u0000${labels?.tenant ?? ""}`;

/** The ledger keys (part and tenant) of the emission records carrying `reportId`. */
async function recordsOfReport(ledgerDir: string, reportId: string, expected: number) {
  // other writers may have appended since: look well past the period's own records
  const recent = await showRecords(ledgerDir, { tail: 1000 + expected });
  const keys = new Set<string>();
  for (const r of recent) {
    const labels = (r.record.body as { labels?: Record<string, unknown> }).labels;
    if (r.record.type === "emission" && labels?.report_id === reportId) keys.add(partKey(labels));
  }
  return keys;
}

/**
 * Settles a pending period (crash between the appends and the state update): when none of its
 * records reached the ledger it is dropped (its time goes into the next period); otherwise the
 * missing records (`report --by`) are appended and the period adopted.
 */
async function settlePending(
  state: ReportState,
  target: EmissionTarget,
  append: (period: PendingPeriod, records: readonly PendingRecord[]) => Promise<AppendOutcome>,
): Promise<{ state: ReportState; outcome: "adopted" | "dropped" | "repaired"; appended: number }> {
  const p = state.pending;
  if (!p) return { state, outcome: "adopted", appended: 0 };
  const found = await recordsOfReport(target.dir, p.id, p.records?.records.length ?? 1);
  if (found.size === 0) {
    return { state: { ...state, pending: undefined }, outcome: "dropped", appended: 0 };
  }
  const missing = (p.records?.records ?? []).filter((r) => !found.has(partKey(r.labels)));
  if (missing.length === 0) return { state: { ...p.state }, outcome: "adopted", appended: 0 };
  const done = await append(p.records as PendingPeriod, missing);
  if (done.error) throw done.error;
  return { state: { ...p.state }, outcome: "repaired", appended: done.written.length };
}

/** What an append of a period's records did. */
interface AppendOutcome {
  readonly written: { record: PendingRecord; seq: number; leaf: string; grams: number }[];
  readonly error?: Error;
}

/** 1e-12 kWh (the emission body's energy resolution) is 3.6 uJ: the nearest count of units. */
const kwhUnits = (uj: bigint) => (uj * 10n + 18n) / 36n;

/**
 * A pending `--by` period as this command stores it: the governor's instance power model (when
 * its source is `instance`) and the instance whose embodied emissions the host record carries, so
 * a period repaired after a crash is signed with the same evidence. Older state files lack both.
 */
type ModelPeriod = PendingPeriod & {
  readonly model?: {
    readonly name: string;
    readonly instance_id: string;
    readonly match: string;
    readonly flags: readonly string[];
    readonly sigma_ln: number;
  };
  readonly embodied_instance?: string;
};

function storedModel(m: GovernorModelInfo | undefined): ModelPeriod["model"] {
  if (m === undefined) return undefined;
  return {
    name: m.name,
    instance_id: m.instanceId,
    match: m.match,
    flags: [...m.flags],
    sigma_ln: m.sigmaLn,
  };
}

/** The stored model back, or undefined when absent or not well formed (then: governor evidence). */
function periodModel(period: PendingPeriod): GovernorModelInfo | undefined {
  const m = (period as ModelPeriod).model;
  if (
    typeof m !== "object" || m === null || typeof m.name !== "string" ||
    typeof m.instance_id !== "string" || (m.match !== "exact" && m.match !== "provider_average") ||
    !Array.isArray(m.flags) || !m.flags.every((f) => typeof f === "string") ||
    typeof m.sigma_ln !== "number"
  ) return undefined;
  return {
    name: m.name,
    instanceId: m.instance_id,
    match: m.match,
    flags: m.flags,
    sigmaLn: m.sigma_ln,
  };
}

/** The instance's embodied emissions over a period, at the estimate's level, or undefined. */
function periodEmbodied(
  instanceId: string | undefined,
  startTs: string,
  endTs: string,
  estimate: CarbonEstimate,
): EmbodiedEmission | undefined {
  if (instanceId === undefined) return undefined;
  const durationMs = rfc3339Ms(endTs) - rfc3339Ms(startTs);
  if (!(durationMs > 0)) return undefined;
  return embodiedForInstance(instanceId, durationMs, {
    confidenceLevelPct: estimate.meta.confidenceLevelPct,
  }) ?? undefined;
}

/** Estimates and appends `records` of `period`, in order; stops at the first failure. */
async function appendRecords(
  target: EmissionTarget,
  estimator: CarbonEstimator,
  catalog: Parameters<typeof appendEmission>[2],
  period: PendingPeriod,
  records: readonly PendingRecord[],
): Promise<AppendOutcome> {
  const model = periodModel(period);
  const evidence = governorEvidence({
    source: period.source,
    ...(model !== undefined ? { model } : {}),
  });
  const embodiedInstance = (period as ModelPeriod).embodied_instance ?? model?.instanceId;
  const estimates: CarbonEstimate[] = [];
  try {
    for (const r of records) {
      estimates.push(
        await estimator.estimateOverSpan({
          startTs: period.start,
          endTs: period.end,
          energyWh: Number(BigInt(r.kwh_units)) / 1e9,
          energyEvidence: evidence,
        }),
      );
    }
  } catch (err) {
    return {
      written: [],
      error: new Error(`no estimate: ${(err as Error).message}`, { cause: err }),
    };
  }
  const written: AppendOutcome["written"] = [];
  for (const [i, r] of records.entries()) {
    try {
      // Embodied emissions belong to the instance: on the host record only, never per tenant.
      const embodied = r.part === "host"
        ? periodEmbodied(embodiedInstance, period.start, period.end, estimates[i])
        : undefined;
      const ledger = await appendEmission(target, estimates[i], catalog, {
        allocation: { ...r.allocation },
        labels: r.labels,
        assumptions: period.assumptions,
        ...(embodied ? { embodied } : {}),
      });
      written.push({ record: r, seq: ledger.seq, leaf: ledger.leaf, grams: estimates[i].grams });
    } catch (err) {
      return { written, error: new Error(ledgerFailure(err), { cause: err }) };
    }
  }
  return { written };
}

/** A label value within the schema's 256 characters (long cgroup paths keep their end). */
const labelValue = (v: string) => (v.length <= 256 ? v : `...${v.slice(-253)}`);

/** The records of one `report --by` period: the host record, then one per tenant. */
function periodRecords(
  reportId: string,
  bucketsUj: Readonly<Record<string, bigint>>,
  hostUj: bigint,
  totals: WorkloadTotals,
  tenantCtx: TenantContext,
  common: Record<string, string>,
): PendingRecord[] {
  const method = `cpu_time_share; idle policy ${totals.policy}`;
  const tenants = groupTenants(bucketsUj, totals.workloads, tenantCtx).filter((t) =>
    t.energyUj > 0n
  );
  const hostUnits = kwhUnits(hostUj);
  // The tenants' buckets sum to hostUj, so a period with energy has a tenant with a share.
  const units = splitExact(hostUnits, tenants.map((t) => t.energyUj)) ?? [];
  const by = byLabel(tenantCtx.grouping);
  const host: PendingRecord = {
    part: "host",
    kwh_units: hostUnits.toString(),
    allocation: { rule: "whole_host" },
    labels: {
      ...common,
      report_id: reportId,
      report_part: "host",
      tenant_by: by,
      tenants: String(tenants.length),
      allocation_method: method,
      period_energy_uj: hostUj.toString(),
    },
  };
  return [
    host,
    ...tenants.map((t, i): PendingRecord => ({
      part: "tenant",
      tenant: labelValue(t.tenant),
      kwh_units: units[i].toString(),
      allocation: { rule: "cpu_time_share", ratio: shareRatio(t.energyUj, hostUj) },
      labels: {
        report_id: reportId,
        governor_instance: common.governor_instance,
        governor_source: common.governor_source,
        report_part: "tenant",
        tenant: labelValue(t.tenant),
        tenant_by: by,
        allocation_method: method,
        share: exactShare(t.energyUj, hostUj),
        period_energy_uj: t.energyUj.toString(),
      },
    })),
  ];
}

const byLabel = (g: TenantGrouping) => (g.kind === "label" ? `label=${g.key}` : g.kind);

/** Loads what `--by` needs: the pod directory names and the mapping file. */
async function tenantContext(
  grouping: TenantGrouping,
  podsDir: string,
  tenantsFile: string | undefined,
): Promise<TenantContext> {
  const pods = grouping.kind === "namespace" || grouping.kind === "label"
    ? await readPodLogDirs(podsDir)
    : new Map();
  if (tenantsFile === undefined) return { grouping, pods };
  let text: string;
  try {
    text = await Deno.readTextFile(tenantsFile);
  } catch (err) {
    throw new UsageError(`cannot read the tenant mapping file ${tenantsFile}`, {
      usage: USAGE,
      cause: err,
    });
  }
  return { grouping, pods, map: parseTenantMap(text, tenantsFile) };
}

/** What a run needs, parsed. */
interface RunSetup {
  readonly ctx: CommandContext;
  readonly target: EmissionTarget;
  readonly estimator: CarbonEstimator;
  readonly catalog: Parameters<typeof appendEmission>[2];
  readonly socketPath: string;
  readonly statePath: string;
  readonly minPeriodS: number;
  readonly out: (obj: Record<string, unknown>, text: string) => void;
  /** The detected (or configured) cloud instance and the region the estimates use. */
  readonly cloud: CloudContext;
}

/** Today's host-only report: one record from the governor's host total. */
async function hostReport(
  run: RunSetup,
  state: ReportState | null,
  readHost: (socketPath: string) => Promise<GovernorReading>,
): Promise<number> {
  const { ctx, target, estimator, catalog, statePath, out } = run;
  let reading: GovernorReading;
  try {
    reading = await readHost(run.socketPath);
  } catch (err) {
    return unavailable(ctx, err, statePath);
  }
  if (state?.workloads) {
    const s = baselineState(
      reading.instance,
      reading.hostTotalUj,
      reading.time,
      hostEvents(reading),
    );
    await saveReportState(statePath, s);
    const message = "the previous reports were per tenant (--by): new host-only baseline " +
      "recorded; the time since the last report is not reported (use one mode per state file)";
    out({ outcome: "baseline", state: s, message }, `carbon-ops report: ${message}`);
    return 0;
  }
  const plan = planPeriod(state, {
    instance: reading.instance,
    continues: reading.continues,
    hostTotalUj: reading.hostTotalUj,
    time: reading.time,
    events: hostEvents(reading),
  }, { minPeriodS: run.minPeriodS });
  if (plan.kind === "baseline") {
    await saveReportState(statePath, plan.state);
    out({ outcome: "baseline", state: plan.state }, `carbon-ops report: ${plan.message}`);
    return 0;
  }
  if (plan.kind === "skip") {
    out({ outcome: "skip", message: plan.message }, `carbon-ops report: ${plan.message}`);
    return 0;
  }
  const energyWh = Number(plan.energyUj) / 3.6e9;
  const evidence = governorEvidence(reading);
  let estimate;
  try {
    estimate = await estimator.estimateOverSpan({
      startTs: plan.startTs,
      endTs: plan.endTs,
      energyWh,
      energyEvidence: evidence,
    });
  } catch (err) {
    ctx.stderr.write(
      `carbon-ops report: no estimate: ${(err as Error).message}\n  state kept\n`,
    );
    return 1;
  }
  const reportId = crypto.randomUUID();
  await saveReportState(statePath, {
    ...(state as ReportState),
    pending: { id: reportId, state: plan.state },
  });
  const embodied = periodEmbodied(
    reading.model?.instanceId ?? run.cloud.instance?.id,
    plan.startTs,
    plan.endTs,
    estimate,
  );
  let ledger;
  try {
    ledger = await appendEmission(target, estimate, catalog, {
      ...(embodied ? { embodied } : {}),
      allocation: { rule: "whole_host" },
      labels: {
        report_id: reportId,
        governor_instance: reading.instance,
        governor_source: reading.source,
        period_energy_uj: plan.energyUj.toString(),
        start_total_uj: (state as ReportState).total_uj,
        end_total_uj: reading.hostTotalUj.toString(),
      },
      assumptions: plan.events,
    });
  } catch (err) {
    await saveReportState(statePath, state as ReportState);
    ctx.stderr.write(`carbon-ops report: ${ledgerFailure(err)}\n  state kept\n`);
    return 1;
  }
  await saveReportState(statePath, plan.state);
  for (const e of plan.events) ctx.stderr.write(`carbon-ops report: ${e}\n`);
  out(
    {
      outcome: "appended",
      seq: ledger.seq,
      leaf: ledger.leaf,
      start: plan.startTs,
      end: plan.endTs,
      energy_uj: plan.energyUj.toString(),
      energy_wh: energyWh,
      grams: estimate.grams,
      ...(embodied ? { embodied_grams: embodied.co2eG } : {}),
      events: plan.events,
    },
    `carbon-ops report: ${plan.startTs} .. ${plan.endTs}: ${energyWh.toFixed(3)} Wh, ` +
      `${estimate.grams.toFixed(3)} g CO2e (${estimate.region})` +
      (embodied ? ` + ${embodied.co2eG.toFixed(3)} g embodied (${embodied.instanceId})` : "") +
      `; ledger seq ${ledger.seq}`,
  );
  return 0;
}

function unavailable(ctx: CommandContext, err: unknown, statePath: string): number {
  const why = err instanceof GovernorUnavailableError
    ? err.message
    : err instanceof Error
    ? err.message
    : String(err);
  ctx.stderr.write(`carbon-ops report: governor unavailable: ${why}\n  state kept: ${statePath}\n`);
  return 1;
}

function baselineState(instance: string, totalUj: bigint, time: string, events: number) {
  return { v: 1, instance, total_uj: totalUj.toString(), time, events } as const;
}

/** `report --by`: the host record and one record per tenant, from one attribution snapshot. */
async function tenantReport(
  run: RunSetup,
  state: ReportState | null,
  tenantCtx: TenantContext,
  readers: Required<ReportReaders>,
): Promise<number> {
  const { ctx, statePath, out } = run;
  let reading: GovernorReading;
  let totals: WorkloadTotals;
  try {
    reading = await readers.readHost(run.socketPath);
    totals = await readers.readWorkloads(run.socketPath);
  } catch (err) {
    return unavailable(ctx, err, statePath);
  }
  if (totals.instance !== reading.instance) {
    ctx.stderr.write(
      `carbon-ops report: the governor restarted between two reads (${reading.instance} -> ` +
        `${totals.instance}); nothing appended, state kept: run again\n`,
    );
    return 1;
  }
  if (totals.intervals === 0) {
    ctx.stderr.write(
      "carbon-ops report: the governor has not attributed an interval yet (it just started?); " +
        "nothing appended, state kept: run again in a few seconds\n",
    );
    return 1;
  }
  const domains = reading.hostTotalDomains;
  const hostTotalUj = attributedHostUj(totals, domains);
  const time = new Date(totals.timeMs).toISOString();
  const events = hostEvents(reading);
  const wState = workloadReportState(totals, domains);
  if (state !== null && !state.workloads) {
    const s = { ...baselineState(totals.instance, hostTotalUj, time, events), workloads: wState };
    await saveReportState(statePath, s);
    const message = "the previous reports were host-only: per-tenant baseline recorded; the " +
      "time since the last report is not reported (use one mode per state file)";
    out({ outcome: "baseline", state: s, message }, `carbon-ops report: ${message}`);
    return 0;
  }
  const plan = planPeriod(state, {
    instance: totals.instance,
    continues: null, // per-workload totals always start over with a new instance
    hostTotalUj,
    time,
    events,
  }, { minPeriodS: run.minPeriodS });
  if (plan.kind === "baseline") {
    const s = { ...plan.state, workloads: wState };
    await saveReportState(statePath, s);
    out({ outcome: "baseline", state: s }, `carbon-ops report: ${plan.message}`);
    return 0;
  }
  if (plan.kind === "skip") {
    out({ outcome: "skip", message: plan.message }, `carbon-ops report: ${plan.message}`);
    return 0;
  }
  const prev = state as ReportState;
  const period = workloadPeriod(prev.workloads ?? null, totals, domains);
  if (period.hostUj !== plan.energyUj) {
    throw new RangeError(
      `per-workload energy of the period (${period.hostUj} uJ) differs from the attributed host ` +
        `energy (${plan.energyUj} uJ): the governor's workload totals are inconsistent`,
    );
  }
  const reportId = crypto.randomUUID();
  const assumptions = [...plan.events, ...period.events];
  const records = periodRecords(reportId, period.bucketsUj, period.hostUj, totals, tenantCtx, {
    governor_instance: totals.instance,
    governor_source: reading.source,
    start_total_uj: prev.total_uj,
    end_total_uj: hostTotalUj.toString(),
  });
  const model = storedModel(reading.model);
  const embodiedInstance = reading.model?.instanceId ?? run.cloud.instance?.id;
  const pending: ModelPeriod = {
    start: plan.startTs,
    end: plan.endTs,
    source: reading.source,
    assumptions,
    records,
    ...(model ? { model } : {}),
    ...(embodiedInstance ? { embodied_instance: embodiedInstance } : {}),
  };
  const next: ReportState = { ...plan.state, workloads: period.state };
  await saveReportState(statePath, {
    ...prev,
    pending: { id: reportId, state: next, records: pending },
  });
  const done = await appendRecords(run.target, run.estimator, run.catalog, pending, records);
  if (done.error) {
    if (done.written.length === 0) {
      await saveReportState(statePath, prev);
      ctx.stderr.write(`carbon-ops report: ${done.error.message}\n  state kept\n`);
    } else {
      ctx.stderr.write(
        `carbon-ops report: ${done.error.message}\n  ${done.written.length} of ${records.length} ` +
          "records of the period appended; the next run appends the others\n",
      );
    }
    return 1;
  }
  await saveReportState(statePath, next);
  for (const e of assumptions) ctx.stderr.write(`carbon-ops report: ${e}\n`);
  const hostWh = Number(period.hostUj) / 3.6e9;
  out(
    {
      outcome: "appended",
      report_id: reportId,
      by: byLabel(tenantCtx.grouping),
      start: plan.startTs,
      end: plan.endTs,
      energy_uj: period.hostUj.toString(),
      events: assumptions,
      records: done.written.map((w) => ({
        seq: w.seq,
        leaf: w.leaf,
        part: w.record.part,
        ...(w.record.tenant !== undefined ? { tenant: w.record.tenant } : {}),
        energy_uj: w.record.labels.period_energy_uj,
        ...(w.record.labels.share !== undefined ? { share: w.record.labels.share } : {}),
        grams: w.grams,
      })),
    },
    `carbon-ops report: ${plan.startTs} .. ${plan.endTs}: ${hostWh.toFixed(3)} Wh over ` +
      `${records.length - 1} tenant(s) by ${byLabel(tenantCtx.grouping)}; ledger seq ` +
      `${done.written[0].seq}..${done.written[done.written.length - 1].seq}`,
  );
  return 0;
}

/**
 * The `report` command, reading the governor through `readers` (default: a `GovernorClient` on
 * the socket). Tests inject readers to drive `--by` without a governor.
 *
 * @param readers Governor readers (each defaults to the socket client).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { createReportCommand } from "./report.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const command = createReportCommand({ readWorkloads: () => Promise.reject(new Error("none")) });
 * const options = { commands: [command], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * const argv = ["report", "--ledger", "l", "--key", "k", "--by", "node"];
 * assert.equal(await runCli(argv, options), 2);
 * assert.match(stderr.text(), /--by must be cgroup, pod, namespace or label=KEY/);
 * ```
 */
export function createReportCommand(readers: ReportReaders = {}): Command {
  const read: Required<ReportReaders> = {
    readHost: readers.readHost ?? defaultReadHost,
    readWorkloads: readers.readWorkloads ?? defaultReadWorkloads,
  };
  return {
    name: "report",
    summary: "Append the host's emission record for the time since the previous report (cron)",
    help: `Usage: ${USAGE}

Meant for cron. Reads the governor's host energy total and appends ONE emission record for the
host covering exactly the time since the previous report: each period starts where the previous
one ended (the governor's reading times), so records tile time with no gap or overlap. The state
file keeps the last governor instance, total and time. The first run records a baseline only.

With --by, the period's record for the host is followed by one record per tenant (cgroup, pod,
namespace or a label of a mapping file) from the governor's per-workload attribution; the tenant
records of a period sum EXACTLY to its host record (period_energy_uj labels), and all records of a
period share one report_id. See docs/workloads.md.

A governor restart (new instance id) or a counter reset is detected and written into the record
(assumptions and labels), never turned into negative or doubled energy. Runs hold a lock on
STATE.lock; a run within --min-period of the previous report appends nothing, so two cron runs at
once append one period. With the governor down the run exits 1 with the reason and keeps the
state. A crash between the ledger appends and the state update is repaired on the next run (the
records are found in the ledger by their report_id label; missing tenant records are appended).

Options:
  --ledger DIR --key FILE   the ledger and its signing key (required)
  --state FILE              state file (default DIR.report-state.json, beside the ledger)
  --region R                grid region (default carbon.region, else the detected cloud region)
  --socket PATH             governor socket (default governor.socketPath)
  --min-period S            shortest period in seconds (default 60)
  --by G                    one record per tenant too: cgroup, pod (pod UID), namespace (from
                            the kubelet's pod log directories) or label=KEY (from --tenants)
  --pods-dir DIR            kubelet pod log directories (default /var/log/pods): pod UID to
                            namespace and name, node-local, no API server, no credentials
  --tenants FILE            tenant mapping file (JSONC) for --by label=KEY
  --json                    print the outcome as JSON (with --by: the records written)
  --label K=V               extra labels (repeatable); --reporting-entity TEXT, --host NAME,
                            --scope 2|3, --scope3-category N

On a cloud VM nothing needs configuring: the region is the detected cloud region (unless
carbon.region or --region is set), the governor's instance power model (--rapl-mode instance) is
signed as model evidence naming the model, and the host record carries the instance's embodied
emissions for the period; stderr says what was detected (see 'carbon-ops where').

Labels written: report_id, governor_instance, period_energy_uj (exact), start_total_uj,
end_total_uj, governor_source; with --by also report_part (host or tenant), tenant_by,
allocation_method, and on tenant records tenant and share (exact num/den).

Exit codes: 0 records appended, baseline written or nothing due yet; 1 governor unavailable,
ledger append failed or state unreadable (state kept); 2 bad options or mapping file.

Examples:
  */15 * * * * carbon-ops report --ledger /var/lib/carbon-ops/ledger --key /etc/carbon-ops/ledger.key --region DE
  */15 * * * * carbon-ops report --by namespace --ledger /var/lib/carbon-ops/ledger --key /etc/carbon-ops/ledger.key
`,
    async run(ctx) {
      const { values: v } = parseCommandArgs(ctx.argv, { options: OPTIONS, usage: USAGE });
      if (v.ledger === undefined || v.key === undefined) {
        throw new UsageError("report needs --ledger DIR and --key FILE", { usage: USAGE });
      }
      let grouping: TenantGrouping | null = null;
      if (v.by !== undefined) {
        try {
          grouping = parseTenantGrouping(v.by);
        } catch (err) {
          throw new UsageError((err as Error).message, { usage: USAGE, cause: err });
        }
      }
      if (grouping === null && (v["pods-dir"] !== undefined || v.tenants !== undefined)) {
        throw new UsageError("--pods-dir and --tenants go with --by", { usage: USAGE });
      }
      if (grouping !== null && (grouping.kind === "label") !== (v.tenants !== undefined)) {
        throw new UsageError(
          "--by label=KEY needs --tenants FILE, and --tenants goes with --by label=KEY only",
          { usage: USAGE },
        );
      }
      const minPeriodS = v["min-period"] === undefined
        ? 60
        : numberOption(v["min-period"], "--min-period", { min: 0, max: 366 * 86400 });
      const config = await ctx.loadConfig({
        carbon: { region: v.region },
        governor: { socketPath: v.socket },
      });
      // Zero configuration on a cloud VM: the detected cloud region, the instance's embodied M.
      const cloud = await resolveCloudContext(config, {
        regionSet: v.region !== undefined ? true : undefined,
        env: ctx.env,
      });
      const { estimator, catalog } = await estimatorFromConfig(
        withCloudRegion(config, cloud),
        ctx,
      );
      const target = await prepareEmission(v, USAGE, ctx, { defaultHost: true });
      if (!target) {
        throw new UsageError("report needs --ledger DIR and --key FILE", { usage: USAGE });
      }
      const tenantCtx = grouping === null
        ? null
        : await tenantContext(grouping, v["pods-dir"] ?? "/var/log/pods", v.tenants);
      const statePath = v.state ?? `${v.ledger.replace(/\/+$/, "")}.report-state.json`;
      const out = (obj: Record<string, unknown>, text: string) => {
        if (v.json) writeJson(ctx.stdout, obj);
        else ctx.stdout.write(text + "\n");
      };
      const setup: RunSetup = {
        ctx,
        target,
        estimator,
        catalog,
        socketPath: config.governor.socketPath,
        statePath,
        minPeriodS,
        out,
        cloud,
      };
      if ((cloud.location?.provider ?? null) !== null || cloud.instance !== null) {
        ctx.stderr.write(`carbon-ops report: ${cloud.line}\n`);
        for (const n of cloud.notes) ctx.stderr.write(`carbon-ops report: note: ${n}\n`);
      }

      return await withStateLock(statePath, async () => {
        let state: ReportState | null;
        try {
          state = await loadReportState(statePath);
        } catch (err) {
          ctx.stderr.write(`carbon-ops report: ${(err as Error).message}\n`);
          return 1;
        }
        if (state?.pending) {
          let settled;
          try {
            settled = await settlePending(
              state,
              target,
              (period, records) => appendRecords(target, estimator, catalog, period, records),
            );
          } catch (err) {
            ctx.stderr.write(
              `carbon-ops report: repairing an interrupted period failed: ${
                (err as Error).message
              }\n  state kept: the next run tries again\n`,
            );
            return 1;
          }
          state = settled.state;
          await saveReportState(statePath, state);
          ctx.stderr.write(
            `carbon-ops report: ${settled.outcome} an unfinished period from an interrupted run` +
              (settled.appended > 0 ? ` (appended ${settled.appended} missing record(s))` : "") +
              "\n",
          );
        }
        return tenantCtx === null
          ? await hostReport(setup, state, read.readHost)
          : await tenantReport(setup, state, tenantCtx, read);
      });
    },
  };
}

/**
 * The `report` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { reportCommand } from "./report.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [reportCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * assert.equal(await runCli(["report"], options), 2);
 * assert.match(stderr.text(), /report needs --ledger DIR and --key FILE/);
 * ```
 */
export const reportCommand: Command = createReportCommand();
