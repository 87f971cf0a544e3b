/**
 * `carbon-ops run [options] -- CMD ARGS...`: runs a command, measures host energy over its
 * lifetime, attributes it to the command, estimates carbon with its interval, optionally appends
 * an emission record. The command's exit code is passed through.
 *
 * @module
 */

import { rfc3339Ms } from "../../base/rfc3339.ts";
import type { JsonValue } from "../../ledger/canonical_json.ts";
import { csvLine, EMISSION_COLUMNS, flattenEmissionBody, parseCsv } from "../../ledger/export.ts";
import type { RecordBody } from "../../ledger/record.ts";
import type { RegionCatalog } from "../../carbon/catalog.ts";
import { toDecimalString } from "../../carbon/ledger_body.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import { runMeasured } from "../../energy/run_measured.ts";
import {
  type AppendedEmission,
  appendEmission,
  ledgerFailure,
  prepareEmission,
  ratioDecimal,
} from "../emission.ts";
import { EMISSION_OPTIONS } from "../emission_options.ts";
import { estimatorFromConfig } from "./_estimator_from_config.ts";
import { type CloudContext, resolveCloudContext, withCloudRegion } from "../cloud_context.ts";
import { type EmbodiedEmission, embodiedForInstance } from "../../carbon/embodied_estimate.ts";

const USAGE = "carbon-ops run [--json] [--output FILE] [--csv FILE] [--region R] " +
  "[--ledger DIR --key FILE [--label K=V]...] [options] -- CMD [ARGS...]";

const OPTIONS = {
  json: { type: "boolean" },
  output: { type: "string" },
  csv: { type: "string" },
  region: { type: "string" },
  socket: { type: "string" },
  "idle-policy": { type: "string" },
  "tdp-watts": { type: "string" },
  "poll-ms": { type: "string" },
  "no-cgroup": { type: "boolean" },
  "no-gpu": { type: "boolean" },
  ...EMISSION_OPTIONS,
} as const;

/** The labels `run` puts on its record (and in its CSV row), in column order. */
const RUN_LABELS = ["command", "exit_code", "cpu_time_scope", "idle_policy", "energy_source"];

/**
 * The columns of `run --csv`, in order: `seq`, `ts` and `leaf` of the appended ledger record
 * (empty without `--ledger`), the emission body's columns as `ledger export` names them
 * (`activity.energy_kwh`, `co2e_g`, `interval.lower_g`, ... docs/ledger-export.md), the run's
 * labels (`label.command`, `label.exit_code`, `label.cpu_time_scope`, `label.idle_policy`,
 * `label.energy_source`), then the run's own figures: `run.command_line` (the command and its
 * arguments as a JSON array), `run.signal`, `run.duration_s`, `run.energy_wh_total` (the host's),
 * `run.energy_wh_attributed` and `run.allocation_ratio`. `--label K=V` values add `label.K`
 * columns to a new file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RUN_CSV_COLUMNS } from "./run.ts";
 * assert.deepEqual(RUN_CSV_COLUMNS.slice(0, 3), ["seq", "ts", "leaf"]);
 * assert.ok(RUN_CSV_COLUMNS.includes("co2e_g"));
 * assert.ok(RUN_CSV_COLUMNS.includes("label.exit_code"));
 * assert.equal(RUN_CSV_COLUMNS.at(-1), "run.allocation_ratio");
 * ```
 */
export const RUN_CSV_COLUMNS: readonly string[] = [
  "seq",
  "ts",
  "leaf",
  ...EMISSION_COLUMNS,
  ...RUN_LABELS.map((l) => `label.${l}`),
  "run.command_line",
  "run.signal",
  "run.duration_s",
  "run.energy_wh_total",
  "run.energy_wh_attributed",
  "run.allocation_ratio",
];

/** The first CSV record of `path` (its header), or null when the file is empty. */
async function readHeader(path: string): Promise<string[] | null> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  let n = 0;
  for (;;) {
    const got = await file.read(buf.subarray(n));
    if (got === null) break;
    n += got;
    if (n === buf.length) break;
  }
  if (n === 0) return null;
  const text = new TextDecoder().decode(buf.subarray(0, n));
  const [header] = parseCsv(text, { maxRecords: 1 });
  return header;
}

/**
 * Appends `row` to the CSV file `path`: a new (or empty) file gets the header first; an existing
 * one keeps its header, and the row follows it (columns it lacks are left out and returned).
 */
async function appendCsvRow(path: string, row: Map<string, JsonValue>): Promise<string[]> {
  const extra = [...row.keys()].filter((c) => !RUN_CSV_COLUMNS.includes(c)).sort();
  const fresh = [...RUN_CSV_COLUMNS, ...extra];
  const enc = new TextEncoder();
  const write = async (file: Deno.FsFile, text: string) => {
    const bytes = enc.encode(text);
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
  };
  try {
    using file = await Deno.open(path, { write: true, createNew: true });
    await write(file, csvLine(fresh) + csvLine(fresh.map((c) => row.get(c))));
    return [];
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  const header = await readHeader(path);
  if (header !== null && !header.includes("co2e_g")) {
    throw new Error(
      `${path} has no co2e_g column: it is not a carbon-ops run CSV; give another file to --csv`,
    );
  }
  const columns = header ?? fresh;
  using file = await Deno.open(path, { append: true });
  await write(
    file,
    (header === null ? csvLine(columns) : "") + csvLine(columns.map((c) => row.get(c))),
  );
  return [...row.keys()].filter((c) => !columns.includes(c));
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/**
 * The emission body for a run's CSV row when no record was appended: built as `appendEmission`
 * builds it (reporting entity: the host name).
 */
function runBody(
  estimate: CarbonEstimate,
  catalog: RegionCatalog,
  extra: {
    ratio: string;
    labels: Record<string, string>;
    assumptions: readonly string[];
    embodied: EmbodiedEmission | null;
  },
): RecordBody {
  const id = catalog.resolveId(estimate.region);
  const cloud = id !== undefined && catalog.lookup(id).figure.kind === "cloud";
  const host = hostName();
  return estimate.toLedgerBody({
    reportingEntity: host,
    place: { host, ...(cloud ? { cloudRegion: estimate.region } : {}) },
    cloud,
    allocation: { rule: "cpu_time_share", ratio: extra.ratio },
    assumptions: extra.assumptions.map((a) => a.slice(0, 1024)),
    labels: extra.labels,
    ...(extra.embodied ? { embodied: extra.embodied } : {}),
  });
}

/** Whether the run's stderr summary names the cloud context (a cloud VM, or something to say). */
function sayCloud(cloud: CloudContext): boolean {
  return (cloud.location?.provider ?? null) !== null || cloud.instance !== null ||
    cloud.notes.length > 0 && cloud.region.source !== "config";
}

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

On a cloud VM nothing needs configuring: the instance (DMI, then the provider's metadata service,
cached per boot; see 'carbon-ops where') picks the instance power model and embodied emissions,
and its cloud region the grid factor unless carbon.region (--region) is set. The summary's first
line says what was detected. A host whose DMI names no cloud never contacts a metadata address.

The summary goes to stderr (like 'time'); --json prints JSON to stdout after the command's own
output, or to --output FILE.

Options:
  --json                 print the result as JSON (energy summary, details, estimate)
  --output FILE          write the JSON result to FILE instead of stdout
  --csv FILE             append one row for this run to FILE, like CodeCarbon's emissions.csv
                         (the header is written when FILE is new); columns as 'ledger export'
                         names them plus run.* (docs/ledger-export.md)
  --region R             grid region (default carbon.region, else the detected cloud region)
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
  carbon-ops run --csv emissions.csv -- python train.py
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
    // Zero configuration on a cloud VM: the instance's power model and the cloud region.
    const cloud = await resolveCloudContext(config, {
      regionSet: v.region !== undefined ? true : undefined,
      env: ctx.env,
    });
    const { estimator, catalog } = await estimatorFromConfig(withCloudRegion(config, cloud), ctx);
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
        instance: cloud.instance?.id ?? null,
        ...(v["no-gpu"] ? { gpu: null } : {}),
      },
    });
    for (const w of result.warnings) ctx.stderr.write(`carbon-ops run: ${w}\n`);
    const e = result.record.energy;
    const d = result.record.energy_details;
    let failed = false;
    let estimate: CarbonEstimate | null = null;
    let ledger: AppendedEmission | null = null;
    let embodied: EmbodiedEmission | null = null;
    try {
      const startMs = rfc3339Ms(result.record.timestamp_start);
      const endMs = Math.max(rfc3339Ms(result.record.timestamp_end), startMs + 1);
      estimate = await estimator.estimateOverSpan({
        startTs: result.record.timestamp_start,
        endTs: new Date(endMs).toISOString(),
        energyWh: e.energy_wh_attributed,
        energyEvidence: e.evidence,
      });
      // The instance's embodied emissions over the run's wall-clock time (SCI's M).
      const model = d.instance_model;
      const instanceId = e.evidence.model?.instanceId ?? cloud.instance?.id;
      if (instanceId !== undefined) {
        embodied = embodiedForInstance(instanceId, endMs - startMs, {
          confidenceLevelPct: estimate.meta.confidenceLevelPct,
          ...(model?.vcpus ? { vcpus: model.vcpus } : {}),
        });
      }
    } catch (err) {
      failed = true;
      ctx.stderr.write(`carbon-ops run: no carbon estimate: ${(err as Error).message}\n`);
    }
    const runLabels: Record<string, string> = {
      command: command.slice(0, 256),
      exit_code: String(result.exitCode),
      cpu_time_scope: result.scope,
      idle_policy: d.idle_policy,
      energy_source: e.source,
    };
    if (target && estimate) {
      try {
        ledger = await appendEmission(target, estimate, catalog, {
          allocation: { rule: "cpu_time_share", ratio: ratioDecimal(e.allocation_ratio) },
          labels: runLabels,
          assumptions: d.notes,
          ...(embodied ? { embodied } : {}),
        });
      } catch (err) {
        failed = true;
        ctx.stderr.write(`carbon-ops run: ${ledgerFailure(err)}\n`);
      }
    }

    const lines = [
      ...(sayCloud(cloud) ? [`carbon-ops run: ${cloud.line}`] : []),
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
    if (embodied) {
      lines.push(
        `  embodied  ${fmtG(embodied.co2eG)} CO2e (${embodied.confidenceLevelPct}% interval ${
          fmtG(embodied.ciLowerG)
        } .. ${fmtG(embodied.ciUpperG)}), ${embodied.instanceId}, ${embodied.model}`,
      );
    }
    if (ledger) lines.push(`  ledger    appended seq ${ledger.seq}`);
    if (v.csv !== undefined) {
      const labels = { ...runLabels, ...target?.labels };
      const row = new Map<string, JsonValue>();
      try {
        let body: RecordBody | null = null;
        if (ledger) {
          const record = JSON.parse(ledger.line) as { seq: number; ts: string; body: RecordBody };
          body = record.body;
          row.set("seq", record.seq).set("ts", record.ts).set("leaf", ledger.leaf);
        } else if (estimate) {
          body = runBody(estimate, catalog, {
            ratio: ratioDecimal(e.allocation_ratio),
            labels,
            assumptions: d.notes,
            embodied,
          });
        }
        if (body) { for (const [k, val] of flattenEmissionBody(body)) row.set(k, val); }
      } catch (err) {
        ctx.stderr.write(
          `carbon-ops run: the CSV row has no carbon columns: ${(err as Error).message}\n`,
        );
      }
      for (const [k, val] of Object.entries(labels)) row.set(`label.${k}`, val);
      row.set("run.command_line", [command, ...args]);
      if (result.signal) row.set("run.signal", result.signal);
      row.set("run.duration_s", toDecimalString(e.duration_seconds, 3));
      row.set("run.energy_wh_total", toDecimalString(e.energy_wh_total, 9));
      row.set("run.energy_wh_attributed", toDecimalString(e.energy_wh_attributed, 9));
      row.set("run.allocation_ratio", ratioDecimal(e.allocation_ratio));
      try {
        const dropped = await appendCsvRow(v.csv, row);
        lines.push(`  csv       appended a row to ${v.csv}`);
        if (dropped.length > 0) {
          lines.push(
            `  csv       ${v.csv}'s header has no column for ${dropped.join(", ")} ` +
              `(left out; start a new file to get them)`,
          );
        }
      } catch (err) {
        failed = true;
        ctx.stderr.write(`carbon-ops run: cannot append to ${v.csv}: ${(err as Error).message}\n`);
      }
    }
    for (const n of d.notes) lines.push(`  note      ${n}`);
    if (sayCloud(cloud)) { for (const n of cloud.notes) lines.push(`  note      ${n}`); }
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
      cloud: {
        provider: cloud.location?.provider ?? null,
        instance_type: cloud.location?.instanceType ?? null,
        instance: cloud.instance?.id ?? null,
        region: { id: cloud.region.id, source: cloud.region.source, reason: cloud.region.reason },
        detected: cloud.line,
        notes: cloud.notes,
      },
      embodied: embodied
        ? {
          instance_id: embodied.instanceId,
          co2e_g: embodied.co2eG,
          lower_g: embodied.ciLowerG,
          upper_g: embodied.ciUpperG,
          confidence_level_pct: embodied.confidenceLevelPct,
          model: embodied.model,
          data_version: embodied.dataVersion,
        }
        : null,
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
