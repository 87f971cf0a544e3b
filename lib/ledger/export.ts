/**
 * Exporting a ledger's emission records for spreadsheets and scripts: one row per record, every
 * field of the emission body flattened into a stable column (names derived from
 * `schemas/emission.v1.json`, so a field added to the schema gets its column without a change
 * here), as RFC 4180 CSV or as JSON Lines. Reads the ledger file twice (a first pass collects the
 * label names and the corrections, the second writes rows), in constant memory, and never turns a
 * decimal string into a float. Columns: docs/ledger-export.md.
 *
 * @module
 */

import type { JsonValue } from "./canonical_json.ts";
import { LedgerError } from "./ledger_error.ts";
import { LEDGER_JSONL } from "./ledger_files.ts";
import { readLineBatches } from "./line_stream.ts";
import { isRecordTimestamp, leafHex, RecordLineError } from "./record.ts";
import { CorrectionTargets, invalidRecordLine, scanRecordLine } from "./record_scan.ts";
import { checkBody, EMISSION_SCHEMA_V1 } from "./record_types.ts";
import { tryParseRfc3339 } from "../base/rfc3339.ts";

/**
 * Columns taken from the record around the body, first in every export row: `seq`, `ts` (when
 * the record was appended), `leaf` (its hex leaf hash, what a correction names) and
 * `superseded_by` (the seq of the correction that supersedes it; empty when none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORD_COLUMNS } from "./export.ts";
 * assert.deepEqual(RECORD_COLUMNS, ["seq", "ts", "leaf", "superseded_by"]);
 * ```
 */
export const RECORD_COLUMNS: readonly string[] = ["seq", "ts", "leaf", "superseded_by"];

/** Prefix of the label columns (`label.team`). */
const LABEL_PREFIX = "label.";

/** A node of the column tree: a leaf column or an object whose fields have columns. */
type ColumnNode = { readonly column: string } | { readonly children: Map<string, ColumnNode> };

interface SchemaObject {
  type?: string;
  properties?: Record<string, JsonValue>;
  $ref?: string;
}

function resolve(schema: JsonValue, root: JsonValue): SchemaObject {
  let s = schema as SchemaObject;
  for (let i = 0; i < 8 && typeof s?.$ref === "string"; i++) {
    const ref = s.$ref;
    if (!ref.startsWith("#/")) break;
    let at: JsonValue = root;
    for (const part of ref.slice(2).split("/")) {
      at = (at as Record<string, JsonValue>)[part];
    }
    s = at as SchemaObject;
  }
  return s ?? {};
}

/**
 * Builds the body columns from the emission schema: an object with `properties` is flattened
 * (`activity.energy_kwh`), anything else is one column; the `result` object's fields are
 * top-level columns (`co2e_g`, `interval.lower_g`) so the headline figure is `co2e_g` as in
 * `ledger totals --csv`; `labels` becomes the `label.<name>` columns.
 */
function buildColumns(schema: JsonValue): { names: string[]; tree: Map<string, ColumnNode> } {
  const names: string[] = [];
  const walk = (s: SchemaObject, prefix: string): Map<string, ColumnNode> => {
    const children = new Map<string, ColumnNode>();
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      if (prefix === "" && key === "labels") continue;
      const r = resolve(sub, schema);
      const name = prefix === "" && key === "result" ? "" : `${prefix}${key}`;
      if (r.properties !== undefined && (r.type === undefined || r.type === "object")) {
        children.set(key, { children: walk(r, name === "" ? "" : `${name}.`) });
      } else {
        names.push(name);
        children.set(key, { column: name });
      }
    }
    return children;
  };
  const tree = walk(resolve(schema, schema), "");
  const all = [...RECORD_COLUMNS, ...names];
  const dup = all.find((n, i) => all.indexOf(n) !== i || n.startsWith(LABEL_PREFIX));
  if (dup !== undefined) {
    throw new Error(`emission schema gives two export columns the name '${dup}'`);
  }
  return { names, tree };
}

const BUILT = buildColumns(EMISSION_SCHEMA_V1);

/**
 * The body columns of an export, in order, after {@link RECORD_COLUMNS} and before the
 * `label.<name>` columns: each field's path in the emission body joined with `.`
 * (`activity.energy_kwh`, `emission_factor.region`, `embodied.co2e_g`), except the fields of
 * `result`, which are top-level (`co2e_g`, `interval.lower_g`, `interval.upper_g`,
 * `confidence_level_pct`, `uncertainty_method`, `seed`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EMISSION_COLUMNS } from "./export.ts";
 * assert.ok(EMISSION_COLUMNS.includes("co2e_g"));
 * assert.ok(EMISSION_COLUMNS.includes("activity.energy_kwh"));
 * assert.ok(EMISSION_COLUMNS.includes("emission_factor.year"));
 * assert.equal(EMISSION_COLUMNS[0], "schema");
 * ```
 */
export const EMISSION_COLUMNS: readonly string[] = BUILT.names;

/**
 * The emission body as `column → value` (the values as in the record: decimal strings stay
 * strings, arrays stay arrays), labels as `label.<name>`. Fields the body lacks are absent.
 *
 * @param body An emission body (schema v1).
 * @throws RangeError when the body has a field no column holds (a body the schema refuses).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenEmissionBody } from "./export.ts";
 * const flat = flattenEmissionBody({
 *   scope: 2,
 *   activity: { energy_kwh: "1.5", source: "model", coverage_pct: 100 },
 *   result: { co2e_g: "42.75", interval: { lower_g: "30", upper_g: "55.5" } },
 *   labels: { team: "ml" },
 * });
 * assert.equal(flat.get("co2e_g"), "42.75");
 * assert.equal(flat.get("interval.upper_g"), "55.5");
 * assert.equal(flat.get("activity.energy_kwh"), "1.5");
 * assert.equal(flat.get("label.team"), "ml");
 * assert.equal(flat.get("scope"), 2);
 * assert.throws(() => flattenEmissionBody({ extra: 1 }), /no export column/);
 * ```
 */
export function flattenEmissionBody(body: Readonly<Record<string, JsonValue>>): Map<
  string,
  JsonValue
> {
  const out = new Map<string, JsonValue>();
  const walk = (
    obj: Readonly<Record<string, JsonValue>>,
    tree: Map<string, ColumnNode>,
    at: string,
  ) => {
    for (const key in obj) {
      const value = obj[key];
      if (at === "" && key === "labels" && value !== null && typeof value === "object") {
        for (const name in value as Record<string, JsonValue>) {
          out.set(LABEL_PREFIX + name, (value as Record<string, JsonValue>)[name]);
        }
        continue;
      }
      const node = tree.get(key);
      if (node === undefined) {
        throw new RangeError(`emission field '${at}${key}' has no export column`);
      }
      if ("column" in node) out.set(node.column, value);
      else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value, node.children, `${at}${key}.`);
      } else {
        throw new RangeError(`emission field '${at}${key}' should be an object`);
      }
    }
  };
  walk(body, BUILT.tree, "");
  return out;
}

/**
 * One CSV field per RFC 4180: the value's text (a string as is, a number as the record writes it,
 * `true`/`false`, an array or object as JSON, empty for absent), quoted when it holds `"`, `,`,
 * CR or LF (inner quotes doubled).
 *
 * @param value A flattened value, or undefined/null for an empty field.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvField } from "./export.ts";
 * assert.equal(csvField("178.0224"), "178.0224");
 * assert.equal(csvField('a "b", c'), '"a ""b"", c"');
 * assert.equal(csvField("two\nlines"), '"two\nlines"');
 * assert.equal(csvField(["x", "y"]), '"[""x"",""y""]"');
 * assert.equal(csvField(undefined), "");
 * ```
 */
export function csvField(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "string"
    ? value
    : typeof value === "object"
    ? JSON.stringify(value)
    : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * One CSV record: the fields joined with `,`, ended by CRLF (RFC 4180).
 *
 * @param values The row's values in column order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvLine } from "./export.ts";
 * assert.equal(csvLine(["a", "b,c", undefined, 3]), 'a,"b,c",,3\r\n');
 * ```
 */
export function csvLine(values: readonly (JsonValue | undefined)[]): string {
  return values.map(csvField).join(",") + "\r\n";
}

/**
 * Parses RFC 4180 CSV text into records of fields (CRLF or LF between records; quoted fields may
 * hold commas, quotes and line breaks). Throws `SyntaxError` on a stray quote.
 *
 * @param text CSV text.
 * @param options `maxRecords`: stop after this many records (default all).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCsv } from "./export.ts";
 * assert.deepEqual(parseCsv('a,b\r\n"x ""y""","1\n2"\r\n'), [["a", "b"], ['x "y"', "1\n2"]]);
 * assert.deepEqual(parseCsv("h\nv\n", { maxRecords: 1 }), [["h"]]);
 * assert.throws(() => parseCsv('a"b\n'), SyntaxError);
 * ```
 */
export function parseCsv(text: string, options: { maxRecords?: number } = {}): string[][] {
  const max = options.maxRecords ?? Infinity;
  const records: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length && records.length < max) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new SyntaxError(`CSV: a quoted field is not closed (from offset ${i})`);
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      let j = i;
      while (j < text.length && text[j] !== "," && text[j] !== "\n" && text[j] !== "\r") {
        if (text[j] === '"') throw new SyntaxError(`CSV: a quote inside an unquoted field at ${j}`);
        j++;
      }
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
    else if (text[i] === "\n" || text[i] === "\r") i++;
    else if (i < text.length) throw new SyntaxError(`CSV: unexpected character at offset ${i}`);
    records.push(row);
    row = [];
  }
  if (row.length > 0 && records.length < max) records.push(row);
  return records;
}

/**
 * Progress of an export, reported after each chunk read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ExportProgress } from "./export.ts";
 * const p: ExportProgress = { pass: 2, bytesRead: 512, totalBytes: 1024, rows: 3 };
 * assert.equal(p.bytesRead / p.totalBytes, 0.5);
 * ```
 */
export interface ExportProgress {
  /** 1 while collecting label names and corrections, 2 while writing rows. */
  readonly pass: 1 | 2;
  /** Bytes of the ledger read in this pass. */
  readonly bytesRead: number;
  /** Bytes the export reads per pass (the ledger's size when it started). */
  readonly totalBytes: number;
  /** Rows written so far. */
  readonly rows: number;
}

/**
 * Options of {@link exportLedger}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ExportOptions } from "./export.ts";
 * const chunks: string[] = [];
 * const options: ExportOptions = { write: (t) => void chunks.push(t), format: "jsonl" };
 * assert.equal(options.format, "jsonl");
 * ```
 */
export interface ExportOptions {
  /** Receives the output text in chunks, in order (awaited). */
  readonly write: (text: string) => void | Promise<void>;
  /** `csv` (RFC 4180, header row, CRLF; default) or `jsonl` (one JSON object per line). */
  readonly format?: "csv" | "jsonl";
  /** Only records whose activity period starts at or after this instant (epoch ms). */
  readonly fromMs?: number;
  /** Only records whose activity period starts before this instant (epoch ms). */
  readonly toMs?: number;
  /** Only records carrying every one of these labels with these values (default: no filter). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Also export records a correction supersedes (default false, as `ledger totals`). */
  readonly includeSuperseded?: boolean;
  /** Called after each chunk of the ledger is read. */
  readonly onProgress?: (progress: ExportProgress) => void;
  /** Output is handed to `write` in pieces of about this many characters (default 65536). */
  readonly chunkChars?: number;
}

/**
 * What {@link exportLedger} wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ExportSummary } from "./export.ts";
 * const s: ExportSummary = { rows: 2, superseded: 1, filtered: 0, columns: ["seq"] };
 * assert.equal(s.rows + s.superseded + s.filtered, 3);
 * ```
 */
export interface ExportSummary {
  /** Rows written (one per exported emission record). */
  readonly rows: number;
  /** Emission records left out because a correction supersedes them (0 with `includeSuperseded`). */
  readonly superseded: number;
  /** Emission records left out by the period and label filters. */
  readonly filtered: number;
  /** The columns, in order. */
  readonly columns: readonly string[];
}

/**
 * Exports the emission records of the ledger in `dir`: one CSV row or JSON line per record, in
 * ledger order, every body field in its column ({@link RECORD_COLUMNS}, {@link EMISSION_COLUMNS},
 * then `label.<name>` for every label name used by an emission record, sorted). Records a
 * correction supersedes are left out unless `includeSuperseded`, so the `co2e_g` column sums to
 * `ledger totals`. Reads the ledger as it is when the call starts, twice, in constant memory;
 * does not verify signatures (run `verifyLedger` for that), but refuses an undecodable line or an
 * invalid emission body (`LedgerError` CHAIN_INVALID). CSV values are the record's own text: a
 * decimal string is never re-printed through a float; JSONL values keep the record's JSON types,
 * with `null` for an absent field.
 *
 * @param dir Ledger directory.
 * @param options Output sink, format, filters, progress.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * import { exportLedger, parseCsv } from "./export.ts";
 * const body = {
 *   schema: "carbon-ops/emission/v1",
 *   reporting_entity: "Example GmbH",
 *   source: { host: "host-01" },
 *   activity_period: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
 *   scope: 2,
 *   scope2_method: "location",
 *   activity: { energy_kwh: "0.3904", source: "governor", coverage_pct: 99.8 },
 *   emission_factor: {
 *     value: "380", unit: "gCO2e/kWh", dataset: "Ember", version: "2025", year: 2024,
 *     region: "DE", basis: "lifecycle",
 *   },
 *   pue: { value: "1.2", source: "site measurement 2025" },
 *   allocation: { rule: "whole_host" },
 *   result: {
 *     co2e_g: "178.0224",
 *     interval: { lower_g: "150", upper_g: "210" },
 *     confidence_level_pct: 95,
 *     uncertainty_method: "analytical_truncated",
 *   },
 *   quality: "measured",
 *   tool: { name: "carbon-ops", version: "0.3.0" },
 *   labels: { team: "a,b" },
 * };
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("emission", body);
 *   await ledger.append("note", { text: "not exported" });
 * }
 * let csv = "";
 * const summary = await exportLedger(dir, { write: (t) => void (csv += t) });
 * assert.equal(summary.rows, 1);
 * const [header, row] = parseCsv(csv);
 * assert.equal(row[header.indexOf("co2e_g")], "178.0224");
 * assert.equal(row[header.indexOf("activity.coverage_pct")], "99.8");
 * assert.equal(row[header.indexOf("label.team")], "a,b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportLedger(dir: string, options: ExportOptions): Promise<ExportSummary> {
  const path = `${dir}/${LEDGER_JSONL}`;
  let end: number;
  try {
    end = (await Deno.stat(path)).size;
  } catch (err) {
    throw new LedgerError("NOT_A_LEDGER", `no ledger at ${dir} (cannot read ${LEDGER_JSONL})`, {
      hint: "check the path, or create a ledger with 'carbon-ops ledger init'",
      cause: err,
    });
  }
  const format = options.format ?? "csv";
  const wanted = Object.entries(options.labels ?? {});
  const from = options.fromMs ?? -Infinity;
  const to = options.toMs ?? Infinity;
  const progress = options.onProgress;
  const dec = new TextDecoder();

  // Pass 1: label names of emission records, and which records corrections supersede.
  const labelNames = new Set<string>();
  const targets = new CorrectionTargets();
  for await (const batch of readLineBatches(path, { end, reuse: true })) {
    for (const line of batch) {
      if (!line.terminated) break;
      let rec: { seq?: unknown; type?: unknown; body?: Record<string, unknown> };
      try {
        rec = JSON.parse(dec.decode(line.bytes));
      } catch {
        continue; // pass 2 decodes every line strictly and reports it
      }
      if (rec.type === "emission") {
        const labels = rec.body?.labels;
        if (labels !== null && typeof labels === "object") {
          for (const name in labels) labelNames.add(name);
        }
      }
      targets.scan(line);
    }
    const last = batch[batch.length - 1];
    progress?.({
      pass: 1,
      bytesRead: last.offset + last.bytes.length + 1,
      totalBytes: end,
      rows: 0,
    });
  }

  const labelColumns = [...labelNames].sort().map((n) => LABEL_PREFIX + n);
  const columns = [...RECORD_COLUMNS, ...EMISSION_COLUMNS, ...labelColumns];
  const chunkChars = options.chunkChars ?? 65536;
  let pending: string[] = [];
  let pendingChars = 0;
  const emit = async (text: string) => {
    pending.push(text);
    pendingChars += text.length;
    if (pendingChars >= chunkChars) {
      const out = pending.join("");
      pending = [];
      pendingChars = 0;
      await options.write(out);
    }
  };
  if (format === "csv") await emit(csvLine(columns));

  // Pass 2: one row per emission record that passes the filters.
  let rows = 0;
  let superseded = 0;
  let filtered = 0;
  const values: (JsonValue | undefined)[] = new Array(columns.length);
  const index = new Map(columns.map((c, i) => [c, i]));
  for await (const batch of readLineBatches(path, { end, reuse: true })) {
    for (const line of batch) {
      if (!line.terminated) break;
      const record = scanRecordLine(line);
      if (record.type === "correction") targets.confirm(line);
      if (record.type !== "emission") continue;
      if (typeof record.ts !== "string" || !isRecordTimestamp(record.ts)) {
        throw invalidRecordLine(
          line,
          new RecordLineError("RECORD_INVALID", "ts must be RFC 3339 UTC with milliseconds and Z"),
        );
      }
      const leaf = leafHex(line.bytes);
      const by = targets.supersededBy(record.seq, leaf);
      if (by !== undefined && !options.includeSuperseded) {
        superseded++;
        continue;
      }
      const problems = checkBody("emission", record.body as JsonValue);
      if (problems.length > 0) {
        throw new LedgerError(
          "CHAIN_INVALID",
          `seq ${record.seq}: emission body is invalid (${problems[0]})`,
          { hint: "run 'carbon-ops ledger verify'" },
        );
      }
      const body = record.body as Readonly<Record<string, JsonValue>>;
      const startMs = tryParseRfc3339((body.activity_period as { start: string }).start)
        ?.epochMs ?? NaN;
      const labels = (body.labels ?? {}) as Record<string, string>;
      if (!(startMs >= from && startMs < to) || wanted.some(([k, v]) => labels[k] !== v)) {
        filtered++;
        continue;
      }
      values.fill(undefined);
      values[0] = record.seq;
      values[1] = record.ts;
      values[2] = leaf;
      values[3] = by;
      for (const [column, value] of flattenEmissionBody(body)) {
        const at = index.get(column);
        if (at === undefined) {
          throw new LedgerError(
            "CHAIN_INVALID",
            `seq ${record.seq}: the ledger changed during export`,
          );
        }
        values[at] = value;
      }
      if (format === "csv") await emit(csvLine(values));
      else {
        const obj: Record<string, JsonValue> = {};
        for (let i = 0; i < columns.length; i++) obj[columns[i]] = values[i] ?? null;
        await emit(JSON.stringify(obj) + "\n");
      }
      rows++;
    }
    const last = batch[batch.length - 1];
    progress?.({ pass: 2, bytesRead: last.offset + last.bytes.length + 1, totalBytes: end, rows });
  }
  if (pending.length > 0) await options.write(pending.join(""));
  return { rows, superseded, filtered, columns };
}
