/**
 * `carbon-ops ledger report DIR --html FILE [--trust FILE]`: a self-contained HTML page.
 *
 * @module
 */

import { numberOptions, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { replaceFileAtomic } from "../../base/durable_file.ts";
import { UsageError } from "../../base/errors.ts";
import { defaultVerifyJobs } from "../../ledger/verify_parallel.ts";
import { buildLedgerReport } from "../../report/ledger_report_data.ts";
import { renderLedgerReport } from "../../report/ledger_report.ts";

const USAGE =
  "carbon-ops ledger report DIR --html FILE [--trust FILE] [--stack-by DIM] [--rows N] [--seed N] [--jobs N]";

/**
 * The `ledger report` subcommand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerReportCommand } from "./ledger_report.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerReportCommand])];
 * const cli = async (...argv: string[]) => {
 *   const stdout = bufferSink(), stderr = bufferSink();
 *   const code = await runCli(argv, { commands, stdout, stderr });
 *   return { code, out: stdout.text(), err: stderr.text() };
 * };
 * const dir = await Deno.makeTempDir();
 * try {
 *   await cli("keys", "generate", "--out", dir, "--name", "k");
 *   const key = `${dir}/k.key`;
 *   await cli("ledger", "init", `${dir}/l`, "--origin", "example.org/host-01", "--key", key);
 *   const html = `${dir}/report.html`;
 *   const made = await cli("ledger", "report", `${dir}/l`, "--html", html, "--trust", `${dir}/l/trust.json`);
 *   assert.equal(made.code, 0);
 *   assert.match(await Deno.readTextFile(html), /^<!doctype html>/);
 *   assert.equal((await cli("ledger", "report", `${dir}/l`)).code, 2); // --html is required
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerReportCommand: Command = {
  name: "report",
  summary:
    "Write a self-contained HTML report: totals with intervals, verdict, method, charts, records",
  help: `Usage: ${USAGE}

Writes one printable HTML file that needs no network (docs/ledger-report.md): total emissions
with the 95% interval of the total (correlated records grouped), energy, the period, the
verification verdict with what was checked (--trust), breakdowns by month, scope and category,
region, energy evidence and each label, the method statement (every emission factor with its
source, year, basis and licence, PUE profiles, models and data versions, corrections), charts by
date and the first and last records. The ledger is read once, in constant memory. With --trust
the verification runs at the same time as the report's own pass over the same bytes; the page
is written only when the Merkle root of the lines the figures come from equals the verified
root (a ledger rewritten between the two passes is an error, exit 1).

Options:
  --html FILE      where to write the page (required)
  --trust FILE     trust file to verify the ledger with; without it the page says "not verified"
  --stack-by DIM   group of the stacked chart: category, region, evidence, month or label:KEY
                   (default label:team, label:project or label:tenant when present, else category)
  --rows N         records shown at each end of the records table (default 50)
  --seed N         seed of the Monte Carlo interval of the total (default 1)
  --jobs N         threads that verify (as 'ledger verify --jobs'; default one per core)

Exit codes: 0 written (whatever the verdict; the page shows it), 1 the ledger cannot be read
or changed while the report was made, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        html: { type: "string" },
        trust: { type: "string" },
        "stack-by": { type: "string" },
        rows: { type: "string" },
        seed: { type: "string" },
        jobs: { type: "string" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.html) {
      throw new UsageError("--html FILE is required", { usage: USAGE });
    }
    const num = numberOptions(values);
    const int = (flag: "rows" | "seed" | "jobs", min: number, max?: number) =>
      num(flag, { min, max, integer: true });
    const stackBy = values["stack-by"];
    if (stackBy !== undefined && !/^(category|region|evidence|month|label:.+)$/.test(stackBy)) {
      throw new UsageError(
        `--stack-by must be category, region, evidence, month or label:KEY, got '${stackBy}'`,
        { usage: USAGE },
      );
    }
    // Trust files (and their key and witness parsers) are loaded only when one is given.
    const trust = values.trust
      ? await (await import("../../ledger/trust.ts")).loadTrustFile(values.trust)
      : undefined;
    const model = await buildLedgerReport(positionals[0], {
      trust,
      stackBy,
      tableRows: int("rows", 1),
      seed: int("seed", 0),
      verifyJobs: int("jobs", 1, 1024) ?? defaultVerifyJobs(),
    });
    await replaceFileAtomic(values.html, renderLedgerReport(model));
    const verdict = model.verdict ? `verdict ${model.verdict.status}` : "not verified (no --trust)";
    ctx.stdout.write(
      `wrote ${values.html}: ${model.data.emissions} emission records, ${verdict}\n`,
    );
    return 0;
  },
};
