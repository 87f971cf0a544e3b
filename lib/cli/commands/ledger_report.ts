/**
 * `carbon-ops ledger report DIR --html FILE [--trust FILE]`: a self-contained HTML page.
 *
 * @module
 */

import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { replaceFileAtomic } from "../../base/durable_file.ts";
import { UsageError } from "../../base/errors.ts";
import { loadTrustFile } from "../../ledger/trust.ts";
import { buildLedgerReport } from "../../report/ledger_report_data.ts";
import { renderLedgerReport } from "../../report/ledger_report.ts";

const USAGE = "carbon-ops ledger report DIR --html FILE [--trust FILE]";

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
  summary: "Write a self-contained HTML report: emissions over time, totals, verdict, checkpoint",
  help: `Usage: ${USAGE}

Writes one HTML file that needs no network: emissions over time with their intervals, totals by
scope, category and each label, the verification verdict (with --trust) and the head checkpoint.

Options:
  --html FILE    where to write the page (required)
  --trust FILE   trust file to verify the ledger with; without it the page says "not verified"

Exit codes: 0 written (whatever the verdict; the page shows it), 1 the ledger cannot be read,
2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { html: { type: "string" }, trust: { type: "string" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.html) {
      throw new UsageError("--html FILE is required", { usage: USAGE });
    }
    const trust = values.trust ? await loadTrustFile(values.trust) : undefined;
    const model = await buildLedgerReport(positionals[0], { trust });
    await replaceFileAtomic(values.html, renderLedgerReport(model));
    const verdict = model.verdict ? `verdict ${model.verdict.status}` : "not verified (no --trust)";
    ctx.stdout.write(
      `wrote ${values.html}: ${model.emissions.length} emission records, ${verdict}\n`,
    );
    return 0;
  },
};
