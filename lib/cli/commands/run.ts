/**
 * `carbon-ops run [options] -- CMD ARGS...`: runs a command, measures host energy over its
 * lifetime, attributes it to the command, estimates carbon with its interval, optionally appends
 * an emission record. The command's exit code is passed through.
 *
 * @module
 */

import { rfc3339Ms } from "../../base/rfc3339.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import { runMeasured } from "../../energy/run_measured.ts";
import {
  type AppendedEmission,
  appendEmission,
  EMISSION_OPTIONS,
  ledgerFailure,
  prepareEmission,
  ratioDecimal,
} from "../emission.ts";
import { estimatorFromConfig } from "./_estimator_from_config.ts";

const USAGE = "carbon-ops run [--json] [--output FILE] [--region R] [--ledger DIR --key FILE " +
  "[--label K=V]...] [options] -- CMD [ARGS...]";

const OPTIONS = {
  json: { type: "boolean" },
  output: { type: "string" },
  region: { type: "string" },
  socket: { type: "string" },
  "idle-policy": { type: "string" },
  "tdp-watts": { type: "string" },
  "poll-ms": { type: "string" },
  "no-cgroup": { type: "boolean" },
  "no-gpu": { type: "boolean" },
  ...EMISSION_OPTIONS,
} as const;

function fmtWh(wh: number): string {
  return wh >= 1 ? `${wh.toFixed(3)} Wh` : `${(wh * 1000).toFixed(3)} mWh`;
}

function fmtG(g: number): string {
  return g >= 1000
    ? `${(g / 1000).toFixed(3)} kg`
    : g >= 0.01
    ? `${g.toFixed(3)} g`
    : `${(g * 1000).toFixed(3)} mg`;
}

/**
 * The `run` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { runCommand } from "./run.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [runCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * assert.equal(await runCli(["run"], options), 2);
 * assert.match(stderr.text(), /expected at least 1, got 0/);
 * ```
 */
export const runCommand: Command = {
  name: "run",
  summary: "Run a command and report the energy and carbon attributed to it",
  help: `Usage: ${USAGE}

Runs CMD with its arguments (stdin/stdout/stderr inherited; SIGINT, SIGTERM, SIGHUP, SIGQUIT,
SIGUSR1 and SIGUSR2 forwarded; from a terminal, Ctrl-C and Ctrl-\\ already reach CMD and are not
sent twice), measures the host's energy over its lifetime (governor socket,
else direct powercap reads when permitted, else the CPU power model) and attributes it to the
command: as root with a writable cgroup v2 hierarchy the command runs in a transient cgroup and
its cpu.stat usage is used; otherwise the CPU time of the command's process tree. The attributed
energy is turned into grams of CO2e with a confidence interval.

The summary goes to stderr (like 'time'); --json prints JSON to stdout after the command's own
output, or to --output FILE.

Options:
  --json                 print the result as JSON (energy summary, details, estimate)
  --output FILE          write the JSON result to FILE instead of stdout
  --region R             grid region (default carbon.region)
  --socket PATH          governor socket (default governor.socketPath)
  --idle-policy P        proportional (default energy.idlePolicy) or active-only
  --tdp-watts W          CPU TDP for the power model (default CPU_TDP_WATTS, energy.tdpWatts, 100)
  --poll-ms N            sampling period while the command runs (default 1000)
  --no-cgroup            do not create a transient cgroup (use process-tree CPU time)
  --no-gpu               do not query nvidia-smi
  --ledger DIR --key FILE
                         append an emission record (allocation cpu_time_share); --label K=V
                         (repeatable), --reporting-entity TEXT, --host NAME, --scope 2|3,
                         --scope3-category N

Exit codes: the command's exit code (128+N when killed by signal N, 127 not found); 2 bad
options (checked before the command starts); 1 when the command succeeded but the estimate or
the ledger append failed.

Examples:
  carbon-ops run -- python train.py --epochs 3
  carbon-ops run --json --region FR -- make -j8
  carbon-ops run --ledger /var/lib/carbon-ops/ledger --key ledger.key --label job=nightly -- ./etl.sh
`,
  async run(ctx) {
    const { values: v, positionals } = parseCommandArgs(ctx.argv, {
      options: OPTIONS,
      positionals: { min: 1, max: Number.MAX_SAFE_INTEGER },
      usage: USAGE,
    });
    const idle = v["idle-policy"];
    if (idle !== undefined && idle !== "proportional" && idle !== "active-only") {
      throw new UsageError(`--idle-policy must be proportional or active-only, got '${idle}'`, {
        usage: USAGE,
      });
    }
    const tdp = v["tdp-watts"] === undefined
      ? undefined
      : numberOption(v["tdp-watts"], "--tdp-watts", { min: 1, max: 10_000 });
    const pollMs = v["poll-ms"] === undefined
      ? 1000
      : numberOption(v["poll-ms"], "--poll-ms", { min: 10, max: 3_600_000, integer: true });
    const config = await ctx.loadConfig({
      carbon: { region: v.region },
      governor: { socketPath: v.socket },
      energy: { tdpWatts: tdp, idlePolicy: idle as "proportional" | undefined },
    });
    const { estimator, catalog } = await estimatorFromConfig(config, ctx);
    const target = await prepareEmission(v, USAGE, ctx, { defaultHost: true });
    const [command, ...args] = positionals;

    const result = await runMeasured(command, args, {
      useCgroup: v["no-cgroup"] !== true,
      cgroupRoot: config.energy.cgroupRoot,
      logger: {
        procRoot: config.energy.procRoot,
        sysRoot: config.energy.sysRoot,
        configTdpWatts: config.energy.tdpWatts,
        env: ctx.env,
        idlePolicy: config.energy.idlePolicy,
        governorSocket: config.governor.socketPath,
        pollIntervalMs: pollMs,
        ...(v["no-gpu"] ? { gpu: null } : {}),
      },
    });
    for (const w of result.warnings) ctx.stderr.write(`carbon-ops run: ${w}\n`);
    const e = result.record.energy;
    const d = result.record.energy_details;
    let failed = false;
    let estimate: CarbonEstimate | null = null;
    let ledger: AppendedEmission | null = null;
    try {
      const startMs = rfc3339Ms(result.record.timestamp_start);
      const endMs = Math.max(rfc3339Ms(result.record.timestamp_end), startMs + 1);
      estimate = await estimator.estimateOverSpan({
        startTs: result.record.timestamp_start,
        endTs: new Date(endMs).toISOString(),
        energyWh: e.energy_wh_attributed,
        energyEvidence: e.evidence,
      });
    } catch (err) {
      failed = true;
      ctx.stderr.write(`carbon-ops run: no carbon estimate: ${(err as Error).message}\n`);
    }
    if (target && estimate) {
      try {
        ledger = await appendEmission(target, estimate, catalog, {
          allocation: { rule: "cpu_time_share", ratio: ratioDecimal(e.allocation_ratio) },
          labels: {
            command: command.slice(0, 256),
            exit_code: String(result.exitCode),
            cpu_time_scope: result.scope,
            idle_policy: d.idle_policy,
            energy_source: e.source,
          },
          assumptions: d.notes,
        });
      } catch (err) {
        failed = true;
        ctx.stderr.write(`carbon-ops run: ${ledgerFailure(err)}\n`);
      }
    }

    const lines = [
      `carbon-ops run: ${command} ${
        result.signal ? `killed by ${result.signal}` : `exited ${result.exitCode}`
      } after ${e.duration_seconds.toFixed(3)} s`,
      `  energy    ${fmtWh(e.energy_wh_attributed)} attributed (${
        (e.allocation_ratio * 100).toFixed(1)
      }% of host CPU time, ${result.scope}, ${d.idle_policy}) of ${
        fmtWh(e.energy_wh_total)
      } host; source ${e.source}, coverage ${
        (e.coverage * 100).toFixed(0)
      }%, ${e.attribution_mode}`,
    ];
    if (estimate) {
      lines.push(
        `  carbon    ${fmtG(estimate.grams)} CO2e (${estimate.meta.confidenceLevelPct}% interval ${
          fmtG(estimate.meta.ciLowerG)
        } .. ${fmtG(estimate.meta.ciUpperG)}), ${estimate.region}, ${
          estimate.intensityGPerKwh.toFixed(0)
        } g/kWh`,
      );
    }
    if (ledger) lines.push(`  ledger    appended seq ${ledger.seq}`);
    for (const n of d.notes) lines.push(`  note      ${n}`);
    for (const ev of d.events) lines.push(`  event     ${ev}`);
    ctx.stderr.write(lines.join("\n") + "\n");

    const json = {
      command: [command, ...args],
      exit_code: result.exitCode,
      signal: result.signal,
      cpu_time_scope: result.scope,
      timestamp_start: result.record.timestamp_start,
      timestamp_end: result.record.timestamp_end,
      energy: e,
      energy_details: d,
      estimate: estimate ? estimate.toDict() : null,
      ledger: ledger ? { seq: ledger.seq, leaf: ledger.leaf } : null,
    };
    if (v.output !== undefined) {
      try {
        await Deno.writeTextFile(v.output, JSON.stringify(json, null, 2) + "\n");
      } catch (err) {
        failed = true;
        ctx.stderr.write(`carbon-ops run: cannot write ${v.output}: ${(err as Error).message}\n`);
      }
    } else if (v.json) writeJson(ctx.stdout, json);
    return result.exitCode !== 0 ? result.exitCode : failed ? 1 : 0;
  },
};
