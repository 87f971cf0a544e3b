/**
 * `carbon-ops report --ledger DIR --key FILE [--state FILE] [--region R]`: for cron. Appends one
 * host emission record covering exactly the time since the previous report.
 *
 * @module
 */

import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import { GovernorClient, GovernorUnavailableError } from "../../energy/governor_client.ts";
import type { GovernorReading } from "../../energy/wire.ts";
import { governorEvidence } from "../../energy/governor_reader.ts";
import { showRecords } from "../../ledger/query.ts";
import { planPeriod, type ReportState } from "../../energy/report_period.ts";
import { loadReportState, saveReportState, withStateLock } from "../../energy/report_state.ts";
import { appendEmission, EMISSION_OPTIONS, ledgerFailure, prepareEmission } from "../emission.ts";
import { estimatorFromConfig } from "./_estimator_from_config.ts";

const USAGE = "carbon-ops report --ledger DIR --key FILE [--state FILE] [--region R] " +
  "[--socket PATH] [--min-period S] [--json]";

const OPTIONS = {
  state: { type: "string" },
  region: { type: "string" },
  socket: { type: "string" },
  "min-period": { type: "string" },
  json: { type: "boolean" },
  ...EMISSION_OPTIONS,
} as const;

function hostEvents(r: GovernorReading): number {
  let n = 0;
  for (const name of r.hostTotalDomains) {
    const d = r.domains[name];
    if (d) n += d.resets + d.discarded + d.stalls;
  }
  return n;
}

/** Adopts a pending period whose record reached the ledger (crash between append and save). */
async function settlePending(
  state: ReportState,
  ledgerDir: string,
): Promise<{ state: ReportState; adopted: boolean }> {
  const p = state.pending;
  if (!p) return { state, adopted: false };
  const recent = await showRecords(ledgerDir, { tail: 1000 }); // other writers may have appended since
  const found = recent.some((r) => {
    const labels = (r.record.body as { labels?: Record<string, unknown> }).labels;
    return r.record.type === "emission" && labels?.report_id === p.id;
  });
  return { state: found ? { ...p.state } : { ...state, pending: undefined }, adopted: found };
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
export const reportCommand: Command = {
  name: "report",
  summary: "Append the host's emission record for the time since the previous report (cron)",
  help: `Usage: ${USAGE}

Meant for cron. Reads the governor's host energy total and appends ONE emission record for the
host covering exactly the time since the previous report: each period starts where the previous
one ended (the governor's reading times), so records tile time with no gap or overlap. The state
file keeps the last governor instance, total and time. The first run records a baseline only.

A governor restart (new instance id) or a counter reset is detected and written into the record
(assumptions and labels), never turned into negative or doubled energy. Runs hold a lock on
STATE.lock; a run within --min-period of the previous report appends nothing, so two cron runs at
once append one record. With the governor down the run exits 1 with the reason and keeps the
state. A crash between the ledger append and the state update is repaired on the next run (the
record is found in the ledger by its report_id label).

Options:
  --ledger DIR --key FILE   the ledger and its signing key (required)
  --state FILE              state file (default DIR.report-state.json, beside the ledger)
  --region R                grid region (default carbon.region)
  --socket PATH             governor socket (default governor.socketPath)
  --min-period S            shortest period in seconds (default 60)
  --json                    print the outcome as JSON
  --label K=V               extra labels (repeatable); --reporting-entity TEXT, --host NAME,
                            --scope 2|3, --scope3-category N

Labels written: report_id, governor_instance, period_energy_uj (exact), start_total_uj,
end_total_uj, governor_source.

Exit codes: 0 record appended, baseline written or nothing due yet; 1 governor unavailable,
ledger append failed or state unreadable (state kept); 2 bad options.

Examples:
  */15 * * * * carbon-ops report --ledger /var/lib/carbon-ops/ledger --key /etc/carbon-ops/ledger.key --region DE
`,
  async run(ctx) {
    const { values: v } = parseCommandArgs(ctx.argv, { options: OPTIONS, usage: USAGE });
    if (v.ledger === undefined || v.key === undefined) {
      throw new UsageError("report needs --ledger DIR and --key FILE", { usage: USAGE });
    }
    const minPeriodS = v["min-period"] === undefined
      ? 60
      : numberOption(v["min-period"], "--min-period", { min: 0, max: 366 * 86400 });
    const config = await ctx.loadConfig({
      carbon: { region: v.region },
      governor: { socketPath: v.socket },
    });
    const { estimator, catalog } = await estimatorFromConfig(config, ctx);
    const target = await prepareEmission(v, USAGE, ctx, { defaultHost: true });
    if (!target) throw new UsageError("report needs --ledger DIR and --key FILE", { usage: USAGE });
    const statePath = v.state ?? `${v.ledger.replace(/\/+$/, "")}.report-state.json`;
    const out = (obj: Record<string, unknown>, text: string) => {
      if (v.json) writeJson(ctx.stdout, obj);
      else ctx.stdout.write(text + "\n");
    };

    return await withStateLock(statePath, async () => {
      let state: ReportState | null;
      try {
        state = await loadReportState(statePath);
      } catch (err) {
        ctx.stderr.write(`carbon-ops report: ${(err as Error).message}\n`);
        return 1;
      }
      if (state?.pending) {
        const settled = await settlePending(state, target.dir);
        state = settled.state;
        await saveReportState(statePath, state);
        ctx.stderr.write(
          `carbon-ops report: ${
            settled.adopted ? "adopted" : "dropped"
          } an unfinished period from an interrupted run\n`,
        );
      }
      const client = new GovernorClient({
        socketPath: config.governor.socketPath,
        timeoutMs: 2000,
      });
      let reading: GovernorReading;
      try {
        reading = await client.read();
      } catch (err) {
        const why = err instanceof GovernorUnavailableError ? err.message : String(err);
        ctx.stderr.write(
          `carbon-ops report: governor unavailable: ${why}\n  state kept: ${statePath}\n`,
        );
        return 1;
      } finally {
        client.close();
      }
      const plan = planPeriod(state, {
        instance: reading.instance,
        continues: reading.continues,
        hostTotalUj: reading.hostTotalUj,
        time: reading.time,
        events: hostEvents(reading),
      }, { minPeriodS });
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
      let ledger;
      try {
        ledger = await appendEmission(target, estimate, catalog, {
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
          events: plan.events,
        },
        `carbon-ops report: ${plan.startTs} .. ${plan.endTs}: ${energyWh.toFixed(3)} Wh, ` +
          `${estimate.grams.toFixed(3)} g CO2e (${estimate.region}); ledger seq ${ledger.seq}`,
      );
      return 0;
    });
  },
};
