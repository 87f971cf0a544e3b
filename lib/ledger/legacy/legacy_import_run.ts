/**
 * `import-legacy`: verify a Python carbon-ops 0.1 ledger, map every entry, then append a
 * `legacy_import_begin` note, one `emission` record per entry not imported before and a
 * `legacy_import_end` note. Nothing is appended unless the whole file verifies and maps.
 * Idempotency is per legacy line (its SHA-256, the label `legacy_line_sha256`): a line already
 * in the ledger is never imported again, whichever earlier import brought it, so importing a
 * grown 0.1 ledger after its prefix appends only the new lines, and running it again appends
 * nothing. An interrupted import of the same file (begin note without end note) is resumed
 * under its begin note.
 *
 * @module
 */

import { toHex } from "../encoding.ts";
import { sha256 } from "../sha256.ts";
import type { Clock } from "../../base/clock.ts";
import type { SigningKey } from "../keys.ts";
import { LEDGER_JSONL } from "../ledger_files.ts";
import { type LegacyReport, verifyLegacyLedger } from "./legacy.ts";
import { type LegacyMapOptions, mapLegacyEntry } from "./legacy_import.ts";
import type { RecordBody } from "../record.ts";
import { LedgerWriter } from "../writer.ts";

/**
 * What `importLegacyLedger` did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "../init.ts";
 * import { generateSigningKey } from "../keys.ts";
 * import { importLegacyLedger, type LegacyImportResult } from "./legacy_import_run.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * const r: LegacyImportResult = await importLegacyLedger(new Uint8Array(), {
 *   dir,
 *   key,
 *   publicKeyHex: "11".repeat(32),
 *   reportingEntity: "Example Corp",
 * });
 * assert.equal(r.report.problem?.code, "EMPTY_LEDGER");
 * assert.deepEqual(r.importedSeqs, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface LegacyImportResult {
  /** The legacy verification report. */
  readonly report: LegacyReport;
  /** First entry that could not be mapped, when any (then nothing was imported). */
  readonly mappingProblem: { line: number; message: string } | undefined;
  /** Seqs of the emission records appended now (empty when nothing was). */
  readonly importedSeqs: readonly number[];
  /** Entries skipped because an earlier import (complete, interrupted or of a prefix) holds them. */
  readonly skipped: number;
  /**
   * Set when every entry was already in the ledger and nothing was appended: the begin and end
   * note seqs of the import that holds the file's last entry (`endSeq` null when that import
   * was interrupted after its last entry).
   */
  readonly alreadyImported?: { beginSeq: number; endSeq: number | null };
}

interface ImportNotes {
  fileSha: string;
  endSeq: number | null;
}

interface LedgerImports {
  /** Begin note seq -> its file and end note. */
  imports: Map<number, ImportNotes>;
  /** Legacy line SHA-256 -> begin seq of the import that appended it. */
  lines: Map<string, number>;
}

/** Scans the ledger once for every legacy import note and every imported legacy line. */
async function ledgerImports(dir: string): Promise<LedgerImports> {
  const found: LedgerImports = { imports: new Map(), lines: new Map() };
  let open: number | null = null;
  using file = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true });
  const decoder = new TextDecoder();
  let carry = "";
  const chunk = new Uint8Array(1 << 20);
  const visit = (line: string) => {
    if (!line.includes("legacy_")) return;
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
    const fileSha = labels.legacy_file_sha256;
    if (r.type === "note" && typeof fileSha === "string" && typeof r.seq === "number") {
      if (r.body?.kind === "legacy_import_begin") {
        found.imports.set(r.seq, { fileSha, endSeq: null });
        open = r.seq;
      } else if (r.body?.kind === "legacy_import_end" && open !== null) {
        found.imports.get(open)!.endSeq = r.seq;
        open = null;
      }
    } else if (r.type === "emission" && typeof labels.legacy_line_sha256 === "string") {
      if (!found.lines.has(labels.legacy_line_sha256)) {
        found.lines.set(labels.legacy_line_sha256, open ?? -1);
      }
    }
  };
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    const lines = (carry + decoder.decode(chunk.subarray(0, n), { stream: true })).split("\n");
    carry = lines.pop()!;
    lines.forEach(visit);
  }
  visit(carry);
  return found;
}

/**
 * Verifies `data` (a legacy ledger) and, only if it verifies and maps completely, imports the
 * entries the ledger in `dir` does not hold yet (resuming an interrupted import of the same
 * file under its begin note).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Buffer } from "node:buffer";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { parsePyJson, pyDumps } from "./legacy_json.ts";
 * // One entry as carbon-ops 0.1 wrote it: json.dumps(payload + signature fields).
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const publicKeyHex = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("hex");
 * const payload =
 *   '{"timestamp": "2025-01-01T00:00:00+00:00", "carbon_emissions_gco2": 420.0, "energy_consumed_kwh": 1.0}';
 * const parsed = parsePyJson(payload);
 * if (!parsed.ok) throw new Error(parsed.reason);
 * const signText = pyDumps(parsed.value, { sortKeys: true, compact: true, ensureAscii: false });
 * const sig = sign(null, new TextEncoder().encode(signText), privateKey).toString("hex");
 * const line = `${payload.slice(0, -1)}, "signature": "${sig}", "signing_key": "${publicKeyHex}", ` +
 *   `"signature_algorithm": "ed25519"}\n`;
 * import { initLedger } from "../init.ts";
 * import { generateSigningKey } from "../keys.ts";
 * import { importLegacyLedger } from "./legacy_import_run.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * const data = new TextEncoder().encode(line);
 * const options = { dir, key, publicKeyHex, reportingEntity: "Example Corp" };
 * const r = await importLegacyLedger(data, options);
 * assert.deepEqual(r.importedSeqs, [2]); // seq 1 and 3 are the begin and end notes
 * assert.deepEqual((await importLegacyLedger(data, options)).alreadyImported, { beginSeq: 1, endSeq: 3 });
 * await Deno.remove(dir, { recursive: true });
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
  const fileSha = toHex(sha256(data));
  const signers = new Set(report.keyRanges.map((r) => r.publicKeyHex));
  const labels: Record<string, string> = {
    legacy_file_sha256: fileSha,
    legacy_entries: String(report.entries.length),
    legacy_head_chain_hash: report.headChainHash ?? "",
  };
  if (signers.size === 1) labels.legacy_signing_key = [...signers][0];
  else labels.legacy_signing_keys = String(signers.size);
  if (report.flags.length > 0) labels.legacy_flags = report.flags.map((f) => f.code).join(",");
  if (options.assumedPeriod) {
    labels.legacy_assumed_period = `${options.assumedPeriod.start}/${options.assumedPeriod.end}`;
  }
  await using writer = await LedgerWriter.open(options.dir, {
    key: options.key,
    clock: options.clock,
  });
  const before = await ledgerImports(options.dir);
  const fresh = bodies.filter(({ lineSha }) => !before.lines.has(lineSha));
  const skipped = bodies.length - fresh.length;
  // An interrupted import of this very file is resumed under its begin note.
  const lastBegin = Math.max(-1, ...before.imports.keys());
  const resume = lastBegin >= 0 &&
      before.imports.get(lastBegin)!.endSeq === null &&
      before.imports.get(lastBegin)!.fileSha === fileSha
    ? lastBegin
    : null;
  if (fresh.length === 0 && resume === null) {
    const holder = before.lines.get(bodies.at(-1)!.lineSha)!;
    return {
      ...none,
      skipped,
      alreadyImported: { beginSeq: holder, endSeq: before.imports.get(holder)?.endSeq ?? null },
    };
  }
  if (resume === null) {
    const keyText = report.keyRanges.map((r) =>
      `${r.publicKeyHex} signed lines ${r.firstLine}..${r.lastLine} (${r.entries} entries)`
    ).join("; ");
    await writer.append("note", {
      text:
        `import of a carbon-ops 0.1 ledger (${report.entries.length} entries, ${fresh.length} ` +
        `not imported before, SHA-256 ${fileSha}) begins; ${keyText}`,
      kind: "legacy_import_begin",
      labels,
    });
  }
  const importedSeqs: number[] = [];
  for (const { body } of fresh) importedSeqs.push((await writer.append("emission", body)).seq);
  await writer.append("note", {
    text: `import of a carbon-ops 0.1 ledger complete: ${importedSeqs.length} entries appended, ` +
      `${skipped} imported earlier${resume === null ? "" : " (resumed)"}`,
    kind: "legacy_import_end",
    labels,
  });
  return { report, mappingProblem: undefined, importedSeqs, skipped };
}
