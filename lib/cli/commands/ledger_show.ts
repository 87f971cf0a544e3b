/**
 * `carbon-ops ledger show`: print one record or the last N.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { type ShownRecord, showRecords } from "../../ledger/query.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger show DIR [--seq N | --tail N] [--json]";

function summary(r: ShownRecord): string {
  const b = r.record.body as Record<string, unknown>;
  switch (r.record.type) {
    case "emission": {
      const result = b.result as {
        co2e_g: string;
        interval: { lower_g: string; upper_g: string };
        confidence_level_pct: number;
      };
      const scope = b.scope === 3
        ? `scope 3 cat ${b.scope3_category}`
        : b.scope === 2
        ? `scope 2 ${b.scope2_method}`
        : `scope ${b.scope}`;
      return `${result.co2e_g} gCO2e [${result.interval.lower_g}, ${result.interval.upper_g}] @${result.confidence_level_pct}%, ` +
        `${(b.activity as { energy_kwh: string }).energy_kwh} kWh, ${scope}`;
    }
    case "correction": {
      const s = b.supersedes as { seq: number };
      return `supersedes seq ${s.seq}: ${b.reason}`;
    }
    case "note":
      return String(b.text);
    case "genesis":
      return `origin ${b.origin}`;
    default:
      return "";
  }
}

/**
 * `ledger show`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerShowCommand } from "./ledger_show.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerShowCommand])];
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
 *   const shown = await cli("ledger", "show", `${dir}/l`, "--json");
 *   assert.equal(shown.code, 0);
 *   assert.equal(JSON.parse(shown.out)[0].seq, 0);
 *   assert.equal(JSON.parse(shown.out)[0].record.type, "genesis");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerShowCommand: Command = {
  name: "show",
  summary: "Show one record (--seq) or the last N (--tail, default 10)",
  help: `Usage: ${USAGE}

Prints records with their seq, time, type, a one-line summary and leaf hash (the value a
correction's supersedes.leaf needs). Does not verify signatures; use 'ledger verify'.

Options:
  --seq N    the record with this sequence number
  --tail N   the last N records (default 10)
  --json     print [{seq, leaf, offset, record}] as JSON

Exit codes: 0 shown, 1 no such record or unreadable line, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { seq: { type: "string" }, tail: { type: "string" }, json: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (values.seq !== undefined && values.tail !== undefined) {
      throw new UsageError("give --seq or --tail, not both", { usage: USAGE });
    }
    const seq = values.seq === undefined
      ? undefined
      : numberOption(values.seq, "--seq", { min: 0, integer: true });
    const tail = values.tail === undefined
      ? undefined
      : numberOption(values.tail, "--tail", { min: 1, integer: true });
    const records = await showRecords(positionals[0], { seq, tail });
    if (seq !== undefined && records.length === 0) {
      ctx.stderr.write(`carbon-ops: error: no record with seq ${seq}\n`);
      return 1;
    }
    if (values.json) {
      writeJson(
        ctx.stdout,
        records.map((r) => ({ seq: r.seq, leaf: r.leaf, offset: r.offset, record: r.record })),
      );
      return 0;
    }
    for (const r of records) {
      ctx.stdout.write(
        `${String(r.seq).padStart(6)}  ${r.record.ts}  ${r.record.type.padEnd(10)}  ${
          summary(r)
        }  leaf ${r.leaf.slice(0, 16)}\n`,
      );
    }
    return 0;
  },
};
