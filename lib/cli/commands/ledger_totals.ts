/**
 * `carbon-ops ledger totals`: exact sums of emission records, superseded ones excluded.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { ledgerTotals } from "../../ledger/query.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger totals DIR [--by scope|category|month|label:KEY] [--json|--csv]";

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * `ledger totals`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerTotalsCommand } from "./ledger_totals.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerTotalsCommand])];
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
 *   const totals = await cli("ledger", "totals", `${dir}/l`, "--json");
 *   assert.equal(totals.code, 0);
 *   assert.deepEqual(JSON.parse(totals.out).total, {
 *     group: "total",
 *     records: 0,
 *     co2e_g: "0",
 *     embodied_co2e_g: "0",
 *     total_co2e_g: "0",
 *     embodied_records: 0,
 *     energy_kwh: "0",
 *   });
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerTotalsCommand: Command = {
  name: "totals",
  summary: "Exact CO2e (operational, embodied, total) and energy sums, grouped",
  help: `Usage: ${USAGE}

Sums the emission records as exact decimals (no floating point), excluding records a correction
supersedes (they are counted separately). Reads the ledger without verifying signatures: run
'ledger verify' first for audit figures.

Columns (the same names in text, --json and --csv):
  co2e_g            operational emissions: the sum of result.co2e_g (unchanged meaning)
  embodied_co2e_g   embodied emissions of cloud instances: the sum of embodied.co2e_g (records
                    without an embodied block add 0)
  total_co2e_g      co2e_g + embodied_co2e_g
  embodied_records  records that carry an embodied block
  energy_kwh        the sum of activity.energy_kwh

Options:
  --by G     scope, category (scope 1, scope 2 by method, scope 3 by category), month (of the
             activity period start, UTC) or label:KEY (default: one total)
  --json     print {by, rows, total, superseded, corrections} as JSON, each row {group, records,
             co2e_g, embodied_co2e_g, total_co2e_g, embodied_records, energy_kwh}
  --csv      print group,records,co2e_g,energy_kwh,embodied_co2e_g,total_co2e_g,embodied_records
             rows with a header (the first four columns as before embodied was added)

Exit codes: 0 ok, 1 unreadable or invalid record, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { by: { type: "string" }, json: { type: "boolean" }, csv: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (values.json && values.csv) {
      throw new UsageError("give --json or --csv, not both", { usage: USAGE });
    }
    const by = values.by ?? "none";
    if (!["none", "scope", "category", "month"].includes(by) && !/^label:.+$/.test(by)) {
      throw new UsageError(`--by must be scope, category, month or label:KEY, got '${by}'`, {
        usage: USAGE,
      });
    }
    const t = await ledgerTotals(positionals[0], { by });
    const rows = [...t.rows, t.total];
    if (values.json) {
      const row = (r: (typeof rows)[number]) => ({
        group: r.group,
        records: r.records,
        co2e_g: r.co2eG,
        embodied_co2e_g: r.embodiedCo2eG,
        total_co2e_g: r.totalCo2eG,
        embodied_records: r.embodiedRecords,
        energy_kwh: r.energyKwh,
      });
      writeJson(ctx.stdout, {
        by: t.by,
        rows: t.rows.map(row),
        total: row(t.total),
        superseded: t.superseded,
        corrections: t.corrections,
      });
    } else if (values.csv) {
      ctx.stdout.write(
        "group,records,co2e_g,energy_kwh,embodied_co2e_g,total_co2e_g,embodied_records\n",
      );
      for (const r of rows) {
        ctx.stdout.write(
          `${csvField(r.group)},${r.records},${r.co2eG},${r.energyKwh},${r.embodiedCo2eG},` +
            `${r.totalCo2eG},${r.embodiedRecords}\n`,
        );
      }
    } else {
      const table = [
        ["group", "records", "co2e_g", "embodied_co2e_g", "total_co2e_g", "energy_kwh"],
        ...rows.map((r) => [
          r.group,
          String(r.records),
          r.co2eG,
          r.embodiedCo2eG,
          r.totalCo2eG,
          r.energyKwh,
        ]),
      ];
      const widths = table[0].map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
      for (const cells of table) {
        const line = cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]));
        ctx.stdout.write(`${line.join("  ")}\n`);
      }
      ctx.stdout.write(`superseded (excluded): ${t.superseded}; corrections: ${t.corrections}\n`);
    }
    return 0;
  },
};
