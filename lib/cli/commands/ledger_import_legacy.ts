/**
 * `carbon-ops ledger import-legacy`: bring a verified Python carbon-ops 0.1 ledger into a v1 ledger.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { importLegacyLedger } from "../../ledger/legacy/legacy_import_run.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { legacyReportJson, legacyReportText } from "./ledger_verify_legacy.ts";

const USAGE =
  "carbon-ops ledger import-legacy FILE --public-key HEX DIR --key FILE [--reporting-entity NAME] [--json]";

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
Running it again is safe: a file already imported (same SHA-256) appends nothing, and an
interrupted import (begin note, no end note) is resumed without duplicating entries.

Options:
  --public-key HEX         raw Ed25519 key (64 hex) the legacy ledger must be signed with
  --key FILE               PKCS#8 PEM key that signs the new records (mode 0600)
  --reporting-entity NAME  reporting_entity of the imported records
                           (default "unspecified (carbon-ops 0.1 import)")
  --json                   print {status, entries, imported_seqs, problem} as JSON

Exit codes: 0 imported, 1 legacy ledger invalid or an entry cannot be mapped (nothing
imported) or the ledger refused the append, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        "public-key": { type: "string" },
        key: { type: "string" },
        "reporting-entity": { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 2, max: 2 },
      usage: USAGE,
    });
    const pub = values["public-key"];
    if (!pub || !/^[0-9a-fA-F]{64}$/.test(pub)) {
      throw new UsageError("--public-key HEX (64 hex digits) is required", { usage: USAGE });
    }
    if (!values.key) throw new UsageError("missing --key FILE", { usage: USAGE });
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
      ctx.stdout.write(
        `ALREADY IMPORTED: notes at seq ${r.alreadyImported.beginSeq} and ${r.alreadyImported.endSeq}; nothing appended\n`,
      );
    } else {
      const range = r.importedSeqs.length
        ? ` as seq ${r.importedSeqs[0]}..${r.importedSeqs.at(-1)}`
        : "";
      const resumed = r.skipped ? ` (resumed: ${r.skipped} entries were imported before)` : "";
      ctx.stdout.write(`IMPORTED ${r.importedSeqs.length} entries${range}${resumed}\n`);
    }
    return ok ? 0 : 1;
  },
};
