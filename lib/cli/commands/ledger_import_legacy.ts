/**
 * `carbon-ops ledger import-legacy`: bring a verified Python carbon-ops 0.1 ledger into a v1 ledger.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { importLegacyLedger } from "../../ledger/legacy/legacy_import_run.ts";
import { type AssumedPeriod, parseAssumedPeriod } from "../../ledger/legacy/legacy_import.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import {
  legacyPublicKeysOption,
  legacyReportJson,
  legacyReportText,
} from "./ledger_verify_legacy.ts";

const USAGE = "carbon-ops ledger import-legacy FILE --public-key HEX [--public-key HEX ...] DIR " +
  "--key FILE [--reporting-entity NAME] [--assume-period START/END] [--json]";

/**
 * `ledger import-legacy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { ledgerImportLegacyCommand } from "./ledger_import_legacy.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const commands = [defineGroup("ledger", "Ledger", [ledgerImportLegacyCommand])];
 * const code = await runCli(["ledger", "import-legacy"], { commands, stdout, stderr });
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /expected at least 2, got 0/);
 * ```
 */
export const ledgerImportLegacyCommand: Command = {
  name: "import-legacy",
  summary: "Import a verified Python carbon-ops 0.1 ledger as emission records",
  help: `Usage: ${USAGE}

Verifies FILE exactly as 'ledger verify-legacy' does, maps every entry to a v1 emission record
(exact decimals from the original number lexemes; defaults for fields 0.1 did not record are
listed in each record's 'assumptions'), and only if all of that succeeds appends to the ledger
in DIR: a 'legacy_import_begin' note naming the file's SHA-256, one emission record per entry
carrying the legacy line's SHA-256 (activity.evidence and labels), its signature, signing key
and chain hash, and a 'legacy_import_end' note. Nothing is appended from a file that fails.
Idempotency is per legacy line: a line whose SHA-256 is already in the ledger (from any earlier
import) is skipped, so importing a grown 0.1 ledger after its prefix appends only the new
lines, running it again appends nothing, and an interrupted import is resumed without
duplicating entries.

carbon-ops 0.1's default estimate path wrote entries without any timestamp; such a file is
refused unless you state the period those entries cover with --assume-period. A value whose
exact decimal exceeds the 64 characters a v1 record holds (e.g. 1.7976931348623157e+308) is
refused, naming the line, field and value.

Options:
  --public-key HEX         raw Ed25519 key (64 hex) the legacy ledger must be signed with;
                           repeat it for a ledger that switched keys
  --key FILE               PKCS#8 PEM key that signs the new records (mode 0600)
  --reporting-entity NAME  reporting_entity of the imported records
                           (default "unspecified (carbon-ops 0.1 import)")
  --assume-period START/END
                           activity period (two RFC 3339 date-times with offset, e.g.
                           2024-01-01T00:00:00Z/2025-01-01T00:00:00Z) of entries that recorded
                           no timestamp; recorded in each such record's assumptions and the
                           label legacy_period=assumed (default: such entries are refused)
  --json                   print {status, entries, imported_seqs, skipped, problem, flags,
                           key_ranges} as JSON

Exit codes: 0 imported, 1 legacy ledger invalid or an entry cannot be mapped (nothing
imported) or the ledger refused the append, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        "public-key": { type: "string", multiple: true },
        key: { type: "string" },
        "reporting-entity": { type: "string" },
        "assume-period": { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 2, max: 2 },
      usage: USAGE,
    });
    const pub = legacyPublicKeysOption(values["public-key"], USAGE);
    if (!values.key) throw new UsageError("missing --key FILE", { usage: USAGE });
    let assumedPeriod: AssumedPeriod | undefined;
    if (values["assume-period"] !== undefined) {
      try {
        assumedPeriod = parseAssumedPeriod(values["assume-period"]);
      } catch (err) {
        throw new UsageError(`--assume-period: ${(err as Error).message}`, {
          usage: USAGE,
          cause: err,
        });
      }
    }
    const [file, dir] = positionals;
    let data: Uint8Array;
    try {
      data = await Deno.readFile(file);
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, { usage: USAGE });
    }
    const key = await loadSigningKey(values.key);
    const r = await importLegacyLedger(data, {
      dir,
      key,
      publicKeyHex: pub,
      reportingEntity: values["reporting-entity"] ?? "unspecified (carbon-ops 0.1 import)",
      assumedPeriod,
    });
    const ok = r.report.ok && !r.mappingProblem;
    if (values.json) {
      writeJson(ctx.stdout, {
        ...legacyReportJson(r.report),
        status: r.alreadyImported
          ? "already_imported"
          : ok
          ? "imported"
          : r.report.ok
          ? "not_mappable"
          : "invalid",
        imported_seqs: r.importedSeqs,
        skipped: r.skipped,
        already_imported: r.alreadyImported ?? null,
        mapping_problem: r.mappingProblem ?? null,
      });
    } else if (!r.report.ok) {
      ctx.stdout.write(legacyReportText(r.report, file) + "nothing imported\n");
    } else if (r.mappingProblem) {
      ctx.stdout.write(
        `NOT IMPORTED: line ${r.mappingProblem.line} cannot be mapped to an emission record: ${r.mappingProblem.message}\n`,
      );
    } else if (r.alreadyImported) {
      const end = r.alreadyImported.endSeq === null
        ? "no end note (interrupted)"
        : `seq ${r.alreadyImported.endSeq}`;
      ctx.stdout.write(
        `ALREADY IMPORTED: all ${r.report.verifiedEntries} entries are in the ledger (the last ` +
          `one under the import begun at seq ${r.alreadyImported.beginSeq}, ended at ${end}); ` +
          "nothing appended\n",
      );
    } else {
      const range = r.importedSeqs.length
        ? ` as seq ${r.importedSeqs[0]}..${r.importedSeqs.at(-1)}`
        : "";
      const earlier = r.skipped ? ` (${r.skipped} entries were imported before)` : "";
      const details = legacyReportText(r.report, file).split("\n").slice(2).join("\n");
      ctx.stdout.write(`IMPORTED ${r.importedSeqs.length} entries${range}${earlier}\n${details}`);
    }
    return ok ? 0 : 1;
  },
};
