/**
 * `import-legacy`: verify a Python carbon-ops 0.1 ledger, map every entry, then append a
 * `legacy_import_begin` note, one `emission` record per entry and a `legacy_import_end` note.
 * Nothing is appended unless the whole file verifies and maps. Running it again is safe: a
 * completed import of the same file (same SHA-256) appends nothing, and an interrupted one
 * (begin note without end note) is resumed, skipping the entries already imported.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Clock } from "../base/clock.ts";
import type { SigningKey } from "./keys.ts";
import { LEDGER_JSONL } from "./ledger_files.ts";
import { type LegacyReport, verifyLegacyLedger } from "./legacy.ts";
import { type LegacyMapOptions, mapLegacyEntry } from "./legacy_import.ts";
import type { RecordBody } from "./record_types.ts";
import { LedgerWriter } from "./writer.ts";

/** What `importLegacyLedger` did. */
export interface LegacyImportResult {
  /** The legacy verification report. */
  readonly report: LegacyReport;
  /** First entry that could not be mapped, when any (then nothing was imported). */
  readonly mappingProblem: { line: number; message: string } | undefined;
  /** Seqs of the emission records appended now (empty when nothing was). */
  readonly importedSeqs: readonly number[];
  /** Entries skipped because an interrupted earlier run had imported them. */
  readonly skipped: number;
  /** Set when this file was already imported completely: its begin and end note seqs. */
  readonly alreadyImported?: { beginSeq: number; endSeq: number };
}

interface PreviousImport {
  beginSeq: number;
  endSeq: number | null;
  lineHashes: Set<string>;
}

/** Scans the ledger for an earlier import of the legacy file with SHA-256 `fileSha`. */
async function previousImport(dir: string, fileSha: string): Promise<PreviousImport | null> {
  let found: PreviousImport | null = null;
  using file = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true });
  const decoder = new TextDecoder();
  let carry = "";
  const chunk = new Uint8Array(1 << 20);
  const visit = (line: string) => {
    if (!line.includes(fileSha) && !(found && line.includes("legacy_line_sha256"))) return;
    let r: {
      seq?: number;
      type?: string;
      body?: { kind?: string; labels?: Record<string, string> };
    };
    try {
      r = JSON.parse(line);
    } catch {
      return; // not ours to judge: 'ledger verify' reports bad lines
    }
    const labels = r.body?.labels ?? {};
    if (r.type === "note" && labels.legacy_file_sha256 === fileSha) {
      if (r.body?.kind === "legacy_import_begin") {
        found = { beginSeq: r.seq!, endSeq: null, lineHashes: new Set() };
      } else if (r.body?.kind === "legacy_import_end" && found) found.endSeq = r.seq!;
    } else if (
      found && found.endSeq === null && r.type === "emission" && labels.legacy_line_sha256
    ) {
      found.lineHashes.add(labels.legacy_line_sha256);
    }
  };
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    const lines = (carry + decoder.decode(chunk.subarray(0, n), { stream: true })).split("\n");
    carry = lines.pop()!;
    lines.forEach(visit);
  }
  return found;
}

/**
 * Verifies `data` (a legacy ledger) and, only if it verifies and maps completely, imports it
 * into the ledger in `dir` (or resumes an interrupted import of the same file).
 *
 * @example
 * ```ts ignore
 * import { importLegacyLedger } from "./legacy_import_run.ts";
 * const r = await importLegacyLedger(await Deno.readFile("old.ndjson"), { dir, key, publicKeyHex, reportingEntity: "Example Corp" });
 * console.log(r.importedSeqs.length);
 * ```
 */
export async function importLegacyLedger(
  data: Uint8Array,
  options: LegacyMapOptions & { dir: string; key: SigningKey; clock?: Clock },
): Promise<LegacyImportResult> {
  const report = verifyLegacyLedger(data, { publicKeyHex: options.publicKeyHex });
  const none = { report, mappingProblem: undefined, importedSeqs: [], skipped: 0 };
  if (!report.ok) return none;
  const bodies: { lineSha: string; body: RecordBody }[] = [];
  for (const entry of report.entries) {
    const mapped = mapLegacyEntry(entry, options);
    if ("problem" in mapped) {
      return { ...none, mappingProblem: { line: entry.line, message: mapped.problem } };
    }
    bodies.push({ lineSha: entry.lineSha256, body: mapped.body });
  }
  const fileSha = createHash("sha256").update(data).digest("hex");
  const labels = {
    legacy_file_sha256: fileSha,
    legacy_entries: String(report.entries.length),
    legacy_signing_key: options.publicKeyHex.toLowerCase(),
    legacy_head_chain_hash: report.headChainHash ?? "",
  };
  await using writer = await LedgerWriter.open(options.dir, {
    key: options.key,
    clock: options.clock,
  });
  const before = await previousImport(options.dir, fileSha);
  if (before && before.endSeq !== null) {
    return { ...none, alreadyImported: { beginSeq: before.beginSeq, endSeq: before.endSeq } };
  }
  if (!before) {
    await writer.append("note", {
      text:
        `import of a carbon-ops 0.1 ledger (${report.entries.length} entries, SHA-256 ${fileSha}) begins`,
      kind: "legacy_import_begin",
      labels,
    });
  }
  const importedSeqs: number[] = [];
  let skipped = 0;
  for (const { lineSha, body } of bodies) {
    if (before?.lineHashes.has(lineSha)) skipped++;
    else importedSeqs.push((await writer.append("emission", body)).seq);
  }
  await writer.append("note", {
    text: `import of a carbon-ops 0.1 ledger complete${
      before ? ` (resumed; ${skipped} entries imported earlier)` : ""
    }`,
    kind: "legacy_import_end",
    labels,
  });
  return { report, mappingProblem: undefined, importedSeqs, skipped };
}
