/**
 * `carbon-ops ledger export`: the emission records as CSV or JSON Lines, one row per record,
 * every field in its own column (docs/ledger-export.md).
 *
 * @module
 */

import { type Clock, systemClock } from "../../base/clock.ts";
import { openFileReplacement } from "../../base/durable_file.ts";
import { UsageError } from "../../base/errors.ts";
import { tryParseRfc3339 } from "../../base/rfc3339.ts";
import { exportLedger, type ExportProgress } from "../../ledger/export.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { parseLabels } from "../emission.ts";

const USAGE = "carbon-ops ledger export DIR --csv|--jsonl [--out FILE] [--from DATE] [--to DATE] " +
  "[--label K=V]... [--include-superseded]";

/** Milliseconds before the first progress line, and between progress lines. */
const PROGRESS_EVERY_MS = 2000;

const DAY_MS = 86_400_000;

/**
 * Parses `--from`/`--to`: `YYYY-MM-DD` (a UTC day) or an RFC 3339 date-time. A day given to
 * `--to` includes that whole day.
 */
function dateOption(text: string, flag: "--from" | "--to"): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const t = tryParseRfc3339(day ? `${text}T00:00:00Z` : text);
  if (t === null) {
    throw new UsageError(
      `${flag} expects a date YYYY-MM-DD or an RFC 3339 date-time such as ` +
        `2026-01-31T12:00:00Z, got '${text}'`,
      { usage: USAGE },
    );
  }
  return flag === "--to" && day ? t.epochMs + DAY_MS : t.epochMs;
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * Makes the `ledger export` command; `clock` paces the progress lines (default the system clock).
 *
 * @param options `clock` (default `systemClock`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makeLedgerExportCommand } from "./ledger_export.ts";
 * const command = makeLedgerExportCommand();
 * assert.equal(command.name, "export");
 * assert.match(command.help, /--csv\|--jsonl/);
 * ```
 */
export function makeLedgerExportCommand(options: { clock?: Clock } = {}): Command {
  const clock = options.clock ?? systemClock;
  return {
    name: "export",
    summary: "Emission records as CSV or JSON Lines, one row per record, for spreadsheets",
    help: `Usage: ${USAGE}

Writes one row per emission record, in ledger order, with every field of the emission body in
its own column: seq, ts, leaf, superseded_by, then the body's fields by path
(activity.energy_kwh, emission_factor.region, embodied.co2e_g when recorded, ...), the result's
fields as co2e_g, interval.lower_g, interval.upper_g, ..., and label.<name> for every label name
in the ledger. Quantities are the record's exact decimal strings. Records a correction
supersedes are left out (as in 'ledger totals'), so the co2e_g column sums to 'ledger totals'.
Reads without verifying signatures: run 'ledger verify' first for audit figures.
Columns: docs/ledger-export.md.

Options:
  --csv                 CSV (RFC 4180: header row, quoted fields, CRLF line ends, UTF-8)
  --jsonl               JSON Lines: one flat JSON object per record, same keys as the CSV
                        columns, null for an absent field
  --out FILE            write to FILE (replaced when the export is complete) instead of stdout
  --from DATE           only records whose activity period starts at or after DATE
  --to DATE             only records whose activity period starts before DATE; a day
                        (YYYY-MM-DD) includes that whole day. DATE: YYYY-MM-DD (UTC) or
                        RFC 3339 (2026-01-31T12:00:00Z)
  --label K=V           only records with label K equal to V (repeatable: all must match)
  --include-superseded  also export superseded records (superseded_by names the correction)

Progress goes to stderr every ${
      PROGRESS_EVERY_MS / 1000
    } s for long exports, and a summary at the end.

Exit codes: 0 ok, 1 unreadable ledger, invalid record or output not writable, 2 usage.

Examples:
  carbon-ops ledger export /var/lib/carbon-ops/ledger --csv --out emissions.csv
  carbon-ops ledger export /var/lib/carbon-ops/ledger --jsonl --from 2026-01-01 --to 2026-03-31 --label team=ml
`,
    async run(ctx) {
      const { values: v, positionals } = parseCommandArgs(ctx.argv, {
        options: {
          csv: { type: "boolean" },
          jsonl: { type: "boolean" },
          out: { type: "string" },
          from: { type: "string" },
          to: { type: "string" },
          label: { type: "string", multiple: true },
          "include-superseded": { type: "boolean" },
        },
        positionals: { min: 1, max: 1 },
        usage: USAGE,
      });
      if (v.csv === v.jsonl) {
        throw new UsageError("give exactly one of --csv or --jsonl", { usage: USAGE });
      }
      const fromMs = v.from === undefined ? undefined : dateOption(v.from, "--from");
      const toMs = v.to === undefined ? undefined : dateOption(v.to, "--to");
      if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) {
        throw new UsageError(`--to (${v.to}) must be after --from (${v.from})`, { usage: USAGE });
      }
      const labels = parseLabels(v.label, USAGE);
      const out = v.out === undefined ? null : await openFileReplacement(v.out).catch((err) => {
        throw new Error(`cannot write ${v.out}: ${(err as Error).message}`, { cause: err });
      });
      const started = clock.monoNs();
      let nextMs = PROGRESS_EVERY_MS;
      const onProgress = (p: ExportProgress) => {
        const elapsedMs = Number(clock.monoNs() - started) / 1e6;
        if (elapsedMs < nextMs) return;
        nextMs = elapsedMs + PROGRESS_EVERY_MS;
        const pct = p.totalBytes > 0 ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
        ctx.stderr.write(
          `ledger export: pass ${p.pass}/2 ${pct}% of ${mib(p.totalBytes)} MiB, ${p.rows} rows, ` +
            `${(elapsedMs / 1000).toFixed(0)} s\n`,
        );
      };
      let summary;
      try {
        summary = await exportLedger(positionals[0], {
          format: v.csv ? "csv" : "jsonl",
          write: (text) => ctx.stdout.write(text),
          ...(out ? { writeBytes: (bytes: Uint8Array) => out.write(bytes) } : {}),
          ...(fromMs !== undefined ? { fromMs } : {}),
          ...(toMs !== undefined ? { toMs } : {}),
          labels,
          includeSuperseded: v["include-superseded"] === true,
          onProgress,
        });
        await out?.commit();
      } catch (err) {
        await out?.abort();
        throw err;
      }
      ctx.stderr.write(
        `ledger export: ${summary.rows} record${summary.rows === 1 ? "" : "s"}${
          v.out === undefined ? "" : ` to ${v.out}`
        }` +
          ` (${summary.columns.length} columns; left out: ${summary.superseded} superseded, ` +
          `${summary.filtered} by the filters)\n`,
      );
      return 0;
    },
  };
}

/**
 * `ledger export`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerExportCommand } from "./ledger_export.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerExportCommand])];
 * const cli = async (...argv: string[]) => {
 *   const stdout = bufferSink(), stderr = bufferSink();
 *   const code = await runCli(argv, { commands, stdout, stderr });
 *   return { code, out: stdout.text(), err: stderr.text() };
 * };
 * const dir = await Deno.makeTempDir();
 * try {
 *   await cli("keys", "generate", "--out", dir, "--name", "k");
 *   await cli("ledger", "init", `${dir}/l`, "--origin", "example.org/host-01", "--key", `${dir}/k.key`);
 *   const r = await cli("ledger", "export", `${dir}/l`, "--csv");
 *   assert.equal(r.code, 0);
 *   assert.match(r.out, /^seq,ts,leaf,superseded_by,schema,/);
 *   assert.equal((await cli("ledger", "export", `${dir}/l`)).code, 2); // --csv or --jsonl
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerExportCommand: Command = makeLedgerExportCommand();
