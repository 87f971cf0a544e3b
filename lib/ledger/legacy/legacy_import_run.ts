/**
 * `import-legacy`: verify a Python carbon-ops 0.1 ledger, map every entry, then append a
 * `legacy_import_begin` note, one `emission` record per entry and a `legacy_import_end` note.
 * Nothing is appended unless the whole file verifies and maps. Running it again is safe: a
 * completed import of the same file (same SHA-256) appends nothing, and an interrupted one
 * (begin note without end note) is resumed, skipping the entries already imported.
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
