/**
 * `carbon-ops demo pipeline`: the main job end to end on embedded defaults, no RAPL needed. A
 * governor on the simulated source in a temporary directory, a real workload, attribution by CPU
 * time, an estimate with its interval, a signed record in a fresh ledger, a checkpoint, and
 * verification by our verifier, an independent node:crypto check, and OpenSSL when present.
 *
 * @module
 */

import { shellQuote } from "../lib/base/shell_quote.ts";
import { resolve } from "node:path";
import { numberOption, parseCommandArgs } from "../lib/cli/args.ts";
import { type Command, writeJson } from "../lib/cli/command.ts";
import { runGovernor } from "../governor/daemon.ts";
import { openEnergySource } from "../lib/energy/rapl/mod.ts";
import { EnergyLogger } from "../lib/energy/mod.ts";
import { CarbonEstimator } from "../lib/carbon/mod.ts";
import {
  generateSigningKey,
  initLedger,
  verifyLedger,
  writeCheckpoint,
  writeKeyPair,
} from "../lib/ledger/mod.ts";
import { appendEmission, prepareEmission, ratioDecimal } from "../lib/cli/emission.ts";
import { independentCheck } from "./independent_check.ts";
import { opensslVerifyRecord } from "./openssl_check.ts";

const USAGE = "carbon-ops demo pipeline [--dir DIR] [--region R] [--workload-s S] [--json]";

async function groupName(gid: number): Promise<string> {
  const text = await Deno.readTextFile("/etc/group").catch(() => "");
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (name && Number(id) === gid) return name;
  }
  throw new Error(
    `no group with id ${gid} in /etc/group; the governor's socket needs a group name`,
  );
}

/**
 * The `demo pipeline` subcommand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demoPipelineCommand } from "./pipeline_command.ts";
 * assert.equal(demoPipelineCommand.name, "pipeline");
 * assert.match(demoPipelineCommand.summary, /no RAPL needed/);
 * ```
 */
export const demoPipelineCommand: Command = {
  name: "pipeline",
  summary: "Run the whole pipeline end to end on embedded defaults (no RAPL needed)",
  help: `Usage: ${USAGE}

Runs every part of carbon-ops once, on this machine, without RAPL hardware:
  1. a governor on the simulated source (this host's real CPU utilisation x a 100 W power model),
     serving totals on a socket in the demo directory;
  2. a workload: a busy shell loop in a child process;
  3. attribution of the governor's host energy to this process tree by CPU time;
  4. a carbon estimate with its confidence interval from the embedded dataset;
  5. a key, a fresh ledger, and the estimate appended as a signed emission record;
  6. a signed checkpoint;
  7. verification: carbon-ops' verifier, an independent check written with node:crypto alone,
     and OpenSSL on the record's signature when openssl is installed.
It prints what happened at each step and where the files are.

Options:
  --dir DIR        where to put the files (default: a new temporary directory, kept)
  --region R       grid region (default carbon.region, i.e. global-average)
  --workload-s S   how long the workload runs, seconds (default 2)
  --json           print a JSON summary instead of the step-by-step text
`,
  async run(ctx) {
    const { values: v } = parseCommandArgs(ctx.argv, {
      options: {
        dir: { type: "string" },
        region: { type: "string" },
        "workload-s": { type: "string" },
        json: { type: "boolean" },
      },
      usage: USAGE,
    });
    const workloadS = numberOption(v["workload-s"] ?? "2", "--workload-s", { min: 0.2, max: 600 });
    // Absolute, so the command printed at the end runs from any directory.
    const dir = resolve(v.dir ?? await Deno.makeTempDir({ prefix: "carbon-ops-demo-" }));
    await Deno.mkdir(dir, { recursive: true });
    const say = v.json ? () => {} : (text: string) => ctx.stdout.write(`${text}\n`);
    const socketPath = `${dir}/governor.sock`;
    const group = await groupName(Deno.gid() ?? 0);
    const config = await ctx.loadConfig({
      governor: {
        raplMode: "sim",
        simProfile: "cpu",
        simPowerWatts: 100,
        socketPath,
        socketGroup: group,
        statePath: null,
        metricsListen: null,
      },
      carbon: { region: v.region },
    });
    say(`carbon-ops pipeline demo on embedded defaults (no RAPL needed); files in ${dir}`);

    // 1. Governor on the simulated source, in this process, until the demo ends.
    const stop = new AbortController();
    const governorLog: string[] = [];
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const governor = runGovernor({
      config,
      openSource: (c, clock) =>
        openEnergySource({
          raplMode: "sim",
          simProfile: c.governor.simProfile,
          simPowerWatts: c.governor.simPowerWatts,
          clock,
        }),
      log: { write: (t) => void governorLog.push(t) },
      signal: stop.signal,
      handleSignals: false,
      onReady: () => ready(),
    });
    const failed = governor.then((code) => {
      throw new Error(`the governor stopped (exit ${code}): ${governorLog.join("").trim()}`);
    });
    await Promise.race([started, failed]);
    say(
      `[1/7] governor: simulated source (host CPU utilisation x 100 W model), socket ${socketPath} (mode ${config.governor.socketMode}, group ${group})`,
    );
    try {
      // 2 + 3. Workload in a child process, measured by a span attributed by CPU time.
      const logger = new EnergyLogger({
        governorSocket: socketPath,
        powercap: null,
        gpu: null,
        idlePolicy: config.energy.idlePolicy,
      });
      const startTs = new Date().toISOString();
      const { energy } = await logger.monitor("pipeline workload", async () => {
        const child = new Deno.Command("timeout", {
          args: [String(workloadS), "sh", "-c", "while :; do :; done"],
          stdout: "null",
          stderr: "null",
        }).spawn();
        say(`[2/7] workload: busy shell loop in child process ${child.pid} for ${workloadS} s`);
        const status = await child.status;
        if (status.code !== 124 && status.code !== 0) {
          throw new Error(`the workload exited ${status.code}`);
        }
      });
      const endTs = new Date().toISOString();
      await logger.close();
      const simulated = energy.evidence.simulated ? " (SIMULATED: not a measurement)" : "";
      say(
        `[3/7] attribution: host ${
          energy.energy_wh_total.toFixed(6)
        } Wh from the ${energy.evidence.kind}${simulated}, allocation_ratio ${
          energy.allocation_ratio.toFixed(4)
        } ` +
          `(CPU time of this process tree / host) -> ${
            energy.energy_wh_attributed.toFixed(6)
          } Wh attributed (${energy.attribution_mode}, idle policy ${config.energy.idlePolicy})`,
      );

      // 4. Estimate with its interval.
      const estimator = new CarbonEstimator({ region: config.carbon.region });
      const estimate = await estimator.estimateOverSpan(
        {
          startTs,
          endTs,
          energyWh: energy.energy_wh_attributed,
          energyEvidence: energy.evidence,
        },
      );
      say(
        `[4/7] estimate: ${
          estimate.grams.toPrecision(4)
        } g CO2e, ${estimate.meta.confidenceLevelPct}% interval ${
          estimate.meta.ciLowerG.toPrecision(4)
        } to ${
          estimate.meta.ciUpperG.toPrecision(4)
        } g (${estimate.meta.method}); region ${estimate.region}, ${
          Number(estimate.intensityGPerKwh.toPrecision(6))
        } gCO2e/kWh, PUE ${estimate.pue}, source ${estimate.source}, quality ${estimate.qualityFlag}`,
      );

      // 5. Key, ledger, record.
      const origin = `carbon-ops.demo/${Deno.hostname()}`;
      const key = generateSigningKey();
      const keys = await writeKeyPair(`${dir}/keys`, key, { name: "demo", noteName: origin });
      const ledgerDir = `${dir}/ledger`;
      const init = await initLedger(ledgerDir, { origin, key });
      const trustPath = `${dir}/trust.json`; // the auditor's copy, kept apart from the ledger
      await Deno.writeTextFile(trustPath, init.trustText);
      const target = await prepareEmission(
        {
          ledger: ledgerDir,
          key: keys.keyPath,
          "reporting-entity": "carbon-ops demo",
          host: Deno.hostname(),
          label: ["demo=pipeline"],
        },
        USAGE,
        ctx,
      );
      if (target === null) throw new Error("the demo ledger options were not taken");
      const appended = await appendEmission(target, estimate, estimator.catalog, {
        allocation: { rule: "cpu_time_share", ratio: ratioDecimal(energy.allocation_ratio) },
      });
      say(
        `[5/7] ledger: key ${keys.keyPath} (kid ${
          key.kid.slice(0, 16)
        }...), ledger ${ledgerDir} (origin ${init.origin}), emission record at seq ${appended.seq}, leaf ${
          appended.leaf.slice(0, 16)
        }...`,
      );

      // 6. Checkpoint.
      const checkpoint = await writeCheckpoint(ledgerDir, key);
      say(
        `[6/7] checkpoint: size ${checkpoint.size}, written to ${ledgerDir}/checkpoint and ${checkpoint.archivePath}`,
      );

      // 7. Verification, three ways.
      const report = await verifyLedger(ledgerDir, { trust: init.trust });
      const independent = independentCheck(
        await Deno.readFile(`${ledgerDir}/ledger.jsonl`),
        checkpoint.note,
        { keyName: origin, publicRaw: key.publicRaw },
      );
      const openssl = await opensslVerifyRecord(appended.line, keys.pubPath);
      say(
        `[7/7] verification: carbon-ops verify: ${report.status} (exit ${report.exitCode}); independent node:crypto check: ` +
          `${
            independent.problems.length === 0
              ? "record signatures, chain, root and checkpoint signature all good"
              : independent.problems.join("; ")
          }; ` +
          `OpenSSL: ${
            openssl.ran
              ? openssl.ok ? "record signature verified" : `FAILED (${openssl.output})`
              : `skipped (${openssl.output})`
          }`,
      );
      const ok = report.status === "valid" && independent.problems.length === 0 &&
        (!openssl.ran || openssl.ok);
      say(
        `\nFiles:\n  ledger      ${ledgerDir}/ledger.jsonl\n  trust file  ${trustPath}\n  checkpoint  ${ledgerDir}/checkpoint\n  keys        ${keys.keyPath}, ${keys.pubPath}`,
      );
      say(
        `Verify again: carbon-ops ledger verify ${shellQuote(ledgerDir)} --trust ${
          shellQuote(trustPath)
        }`,
      );
      if (v.json) {
        writeJson(ctx.stdout, {
          ok,
          dir,
          energy,
          estimate: estimate.toDict(),
          ledger: {
            dir: ledgerDir,
            seq: appended.seq,
            leaf: appended.leaf,
            checkpoint_size: checkpoint.size,
          },
          verification: { status: report.status, exit_code: report.exitCode, independent, openssl },
        });
      }
      return ok ? 0 : 1;
    } finally {
      stop.abort();
      await governor.catch(() => {});
    }
  },
};
