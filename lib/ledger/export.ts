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
import { EMISSION_SCHEMA_V1 } from "./record_types.ts";
import { emissionBodyProblems } from "./emission_quick_check.ts";
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

/**
 * Bytes read per chunk of the ledger. Smaller than the line reader's 1 MiB default: the lines
 * of a chunk stay referenced until the chunk is done, and at 1 MiB they lived long enough to be
 * promoted to V8's old generation, which grew the peak RSS (measured at 1M records with
 * `--max-semi-space-size=1`: 90-113 MiB at 1 MiB, 84-85 MiB at 256 KiB, 70 MiB at 128 KiB but
 * slower from the extra reads).
 */
const READ_CHUNK_BYTES = 256 * 1024;

/** Prefix of the label columns (`label.team`). */
const LABEL_PREFIX = "label.";

/** A node of the column tree: a leaf column or an object whose fields have columns. */
/**
 * A node of the column tree: a leaf column (`at`: its index in an export row, which is the same
 * in every export since the label columns come last) or an object whose fields have columns.
 */
type ColumnNode =
  | { readonly column: string; readonly at: number }
  | { readonly children: Map<string, ColumnNode> };

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
        children.set(key, { column: name, at: RECORD_COLUMNS.length + names.length });
        names.push(name);
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
  walkEmissionBody(body, {
    column: (node, value) => void out.set(node.column, value),
    label: (name, value) => void out.set(LABEL_PREFIX + name, value),
  });
  return out;
}

/** Receives the fields of an emission body from {@link walkEmissionBody}, in body order. */
interface BodyFieldSink {
  /** A field with its own column. */
  column(node: { readonly column: string; readonly at: number }, value: JsonValue): void;
  /** A label (`labels.<name>`). */
  label(name: string, value: JsonValue): void;
}

/**
 * Walks an emission body along the column tree, handing every field to `sink`. Throws
 * `RangeError` for a field no column holds (a body the schema refuses).
 */
function walkEmissionBody(body: Readonly<Record<string, JsonValue>>, sink: BodyFieldSink): void {
  const labels = body.labels;
  const path: string[] = [];
  for (const key in body) {
    const value = body[key];
    if (key === "labels" && labels !== null && typeof labels === "object") {
      for (const name in labels as Record<string, JsonValue>) {
        sink.label(name, (labels as Record<string, JsonValue>)[name]);
      }
      continue;
    }
    walkField(BUILT.tree, key, value, sink, path);
  }
}

/** One field of an object under `tree` (`path`: the keys above it, for error messages). */
function walkField(
  tree: Map<string, ColumnNode>,
  key: string,
  value: JsonValue,
  sink: BodyFieldSink,
  path: string[],
): void {
  const node = tree.get(key);
  if (node === undefined) {
    throw new RangeError(`emission field '${[...path, key].join(".")}' has no export column`);
  }
  if ("column" in node) sink.column(node, value);
  else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    path.push(key);
    for (const k in value) walkField(node.children, k, value[k], sink, path);
    path.pop();
  } else {
    throw new RangeError(`emission field '${[...path, key].join(".")}' should be an object`);
  }
}

/**
 * The values of one export row, filled from an emission body straight into their slots (no
 * per-row map): body columns by their fixed index, labels by the export's label columns.
 */
class RowSlots implements BodyFieldSink {
  /** The row, in column order; `undefined` for an empty field. */
  readonly values: (JsonValue | undefined)[];
  readonly #labels = new Map<string, number>();
  #missingLabel = false;

  constructor(columns: readonly string[]) {
    this.values = new Array(columns.length);
    for (let i = RECORD_COLUMNS.length + EMISSION_COLUMNS.length; i < columns.length; i++) {
      this.#labels.set(columns[i].slice(LABEL_PREFIX.length), i);
    }
  }

  /** Writes the body's fields into {@link values}; false when a label has no column. */
  fill(body: Readonly<Record<string, JsonValue>>): boolean {
    this.#missingLabel = false;
    walkEmissionBody(body, this);
    return !this.#missingLabel;
  }

  column(node: { readonly at: number }, value: JsonValue): void {
    this.values[node.at] = value;
  }

  label(name: string, value: JsonValue): void {
    const at = this.#labels.get(name);
    if (at === undefined) this.#missingLabel = true;
    else this.values[at] = value;
  }
}

/** True when a CSV field holding `text` must be quoted: it holds `"`, `,`, CR or LF. */
function needsQuotes(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 44 || c === 13 || c === 10) return true;
  }
  return false;
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
  return needsQuotes(text) ? `"${text.replaceAll('"', '""')}"` : text;
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
  if (fields.length !== values.length) fields = new Array(values.length);
  for (let i = 0; i < values.length; i++) fields[i] = csvField(values[i]);
  return fields.join(",") + "\r\n";
}

/** The fields of the last line {@link csvLine} made (reused: one array, no per-row garbage). */
let fields: string[] = [];

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

const utf8 = new TextDecoder();

/** `{"body":{`: how every canonical record line starts. */
const BODY_HEAD = new TextEncoder().encode('{"body":{');
/** `,"type":"`, before the type name at the end of a canonical record line. */
const TYPE_KEY = new TextEncoder().encode(',"type":"');
/** `","v":1}`: how every canonical record line ends, after the type name. */
const V1_TAIL = new TextEncoder().encode('","v":1}');
const LABELS_KEY = new TextEncoder().encode("labels");
const BODY_KEY = new TextEncoder().encode("body");

function bytesAt(bytes: Uint8Array, at: number, want: Uint8Array): boolean {
  if (at < 0 || at + want.length > bytes.length) return false;
  for (let i = 0; i < want.length; i++) if (bytes[at + i] !== want[i]) return false;
  return true;
}

const EMISSION_NAME = new TextEncoder().encode("emission");

/**
 * What a line's canonical tail (`,"type":"T","v":1}`) says: 1 when T is `emission`, 0 for
 * another type, -1 when the line does not end so (or T holds an escape). A JSON object text
 * ending so has `type` T (the last of duplicate keys wins, as in `JSON.parse`), whatever else it
 * holds.
 */
function tailKind(bytes: Uint8Array): 1 | 0 | -1 {
  const n = bytes.length;
  if (!bytesAt(bytes, n - V1_TAIL.length, V1_TAIL)) return -1;
  const close = n - V1_TAIL.length; // the closing quote of the type name
  let open = close - 1;
  while (open >= 0 && bytes[open] !== 34) {
    if (bytes[open] === 92) return -1;
    open--;
  }
  if (!bytesAt(bytes, open - TYPE_KEY.length + 1, TYPE_KEY)) return -1;
  return close - open - 1 === EMISSION_NAME.length && bytesAt(bytes, open + 1, EMISSION_NAME)
    ? 1
    : 0;
}

/**
 * Where the emission body's `labels` object is in a record line: `[start, end)` of its JSON
 * text, `null` when the body has no `labels` member, or `undefined` when this scan cannot tell
 * for sure (not the canonical layout, an escaped member name, a non-object `labels`, a second
 * `body`): the caller then parses the line. Walks the bytes once, tracking strings and nesting,
 * so a `"labels"` key nested deeper or inside a string is not taken for the body's.
 */
function bodyLabelsSpan(bytes: Uint8Array): [number, number] | null | undefined {
  if (!bytesAt(bytes, 0, BODY_HEAD)) return undefined;
  const n = bytes.length;
  let depth = 2; // inside the record (1) and its body (2)
  let span: [number, number] | null = null;
  let labelsFrom = -1;
  let i = BODY_HEAD.length;
  while (i < n) {
    const c = bytes[i];
    if (c === 34) { // a string: find its closing quote (a byte loop beats indexOf on short runs)
      const open = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = bytes[i];
        if (d === 92) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      if (i >= n) return undefined;
      i++; // past the closing quote
      if (depth > 2) continue;
      // A member name of the record (depth 1) or the body (depth 2): a string followed by ":"
      // (whitespace there is not the canonical layout: the caller parses the line).
      const next = bytes[i];
      if (next === 32 || next === 9 || next === 10 || next === 13) return undefined;
      if (next !== 58) continue;
      if (escaped) return undefined; // an escaped member name
      const len = i - open - 2;
      if (depth === 1 && len === 4 && bytesAt(bytes, open + 1, BODY_KEY)) return undefined;
      if (depth === 2 && len === 6 && bytesAt(bytes, open + 1, LABELS_KEY)) {
        if (bytes[i + 1] !== 123) return undefined; // not "labels":{
        labelsFrom = i + 1;
      }
    } else if (c === 123 || c === 91) {
      depth++;
      i++;
    } else if (c === 125 || c === 93) {
      depth--;
      if (depth === 2 && labelsFrom >= 0 && c === 125) {
        span = [labelsFrom, i + 1];
        labelsFrom = -1;
      }
      if (depth < 0) return undefined;
      i++;
    } else i++;
  }
  return depth === 0 ? span : undefined;
}

/**
 * Adds the label names of a record line to `names` when it is an emission record: decodes only
 * the body's `labels` object (located by {@link bodyLabelsSpan}) when the line ends as a
 * canonical emission record, skips a line whose canonical tail names another type, and parses
 * any other line whole (an undecodable line is skipped: the second pass reports it).
 */
function collectLabelNames(bytes: Uint8Array, names: Set<string>): void {
  const kind = tailKind(bytes);
  if (kind === 0) return;
  let labels: unknown;
  const span = kind === 1 ? bodyLabelsSpan(bytes) : undefined;
  try {
    if (span === null) return;
    if (span !== undefined) labels = JSON.parse(utf8.decode(bytes.subarray(span[0], span[1])));
    else {
      const rec = JSON.parse(utf8.decode(bytes)) as { type?: unknown; body?: { labels?: unknown } };
      if (rec?.type !== "emission") return;
      labels = rec.body?.labels;
    }
  } catch {
    return; // pass 2 decodes every line strictly and reports it
  }
  if (labels !== null && typeof labels === "object") {
    for (const name in labels) names.add(name);
  }
}

/**
 * The export's output on its way to the sink: each row is encoded to UTF-8 into one reused
 * buffer as soon as it is made, so no row outlives its own processing as a string (strings held
 * for a whole chunk were promoted to V8's old generation and grew the peak RSS), and the buffer
 * goes to `writeBytes` (or, decoded, to `write`) once it holds about `chunkBytes`. A CSV row
 * (`addCsvRow`) is written field by field, ASCII fields byte by byte: no string per row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { csvLine, OutputBuffer } from "./export.ts";
 * const chunks: Uint8Array[] = [];
 * const out = new OutputBuffer(1024, { write: () => {}, writeBytes: (b) => void chunks.push(b.slice()) });
 * out.addCsvRow([1, "a,b", undefined, "é"]);
 * await out.flush();
 * assert.equal(new TextDecoder().decode(chunks[0]), csvLine([1, "a,b", undefined, "é"]));
 * ```
 */
export class OutputBuffer {
  #buf: Uint8Array;
  #used = 0;
  readonly #chunkBytes: number;
  readonly #sink: Pick<ExportOptions, "write" | "writeBytes">;
  static readonly #encoder = new TextEncoder();
  static readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  constructor(chunkBytes: number, sink: Pick<ExportOptions, "write" | "writeBytes">) {
    this.#chunkBytes = Math.max(1, chunkBytes);
    this.#buf = new Uint8Array(this.#chunkBytes + 4096);
    this.#sink = sink;
  }

  /** True once the buffer holds a chunk: call {@link flush}. */
  get full(): boolean {
    return this.#used >= this.#chunkBytes;
  }

  /** Appends `text` (as UTF-8; at most 3 bytes per UTF-16 unit). */
  add(text: string): void {
    const need = this.#used + text.length * 3;
    if (need > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(need, this.#buf.length * 2));
      bigger.set(this.#buf.subarray(0, this.#used));
      this.#buf = bigger;
    }
    this.#used += OutputBuffer.#encoder.encodeInto(text, this.#buf.subarray(this.#used)).written;
  }

  /** Appends `csvLine(values)` as UTF-8, without making that line as a string. */
  addCsvRow(values: readonly (JsonValue | undefined)[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.#ascii(",");
      const v = values[i];
      if (v === undefined || v === null) continue;
      const text = typeof v === "string"
        ? v
        : typeof v === "object"
        ? JSON.stringify(v)
        : String(v);
      // As is when every character is ASCII and none needs quoting (what csvField returns
      // then); otherwise csvField's text, encoded.
      if (!this.#ascii(text, true)) this.add(csvField(text));
    }
    this.#ascii("\r\n");
  }

  /**
   * Writes `text` byte by byte when it is all ASCII (and, with `plainField`, holds no `"`, `,`,
   * CR or LF); else writes nothing and returns false.
   */
  #ascii(text: string, plainField = false): boolean {
    const n = text.length;
    if (this.#used + n > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(this.#used + n, this.#buf.length * 2));
      bigger.set(this.#buf.subarray(0, this.#used));
      this.#buf = bigger;
    }
    const buf = this.#buf;
    const start = this.#used;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128 || (plainField && (c === 34 || c === 44 || c === 13 || c === 10))) {
        return false;
      }
      buf[start + i] = c;
    }
    this.#used = start + n;
    return true;
  }

  /** Hands what the buffer holds to the sink (nothing when empty). */
  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const bytes = this.#buf.subarray(0, this.#used);
    this.#used = 0;
    if (this.#sink.writeBytes !== undefined) await this.#sink.writeBytes(bytes);
    else await this.#sink.write(OutputBuffer.#decoder.decode(bytes));
  }
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
  /**
   * Receives the output as UTF-8 bytes instead, in order (awaited); when given, `write` is not
   * called. The bytes are a view into a buffer the export reuses: valid until the call (or its
   * promise) returns. For files: the text is never held as JavaScript strings.
   */
  readonly writeBytes?: (bytes: Uint8Array) => void | Promise<void>;
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
  /**
   * Output is handed to `write`/`writeBytes` in pieces of about this many UTF-8 bytes (default
   * 65536).
   */
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
  const byPeriod = from !== -Infinity || to !== Infinity;
  const progress = options.onProgress;

  // Pass 1: label names of emission records, and which records corrections supersede.
  const labelNames = new Set<string>();
  const targets = new CorrectionTargets();
  for await (
    const batch of readLineBatches(path, { end, reuse: true, chunkBytes: READ_CHUNK_BYTES })
  ) {
    for (const line of batch) {
      if (!line.terminated) break;
      collectLabelNames(line.bytes, labelNames);
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
  const row = new RowSlots(columns);
  const sink = new OutputBuffer(options.chunkChars ?? 65536, options);
  const keys = columns.map((c) => JSON.stringify(c) + ":");
  if (format === "csv") sink.add(csvLine(columns));

  // Pass 2: one row per emission record that passes the filters.
  let rows = 0;
  let superseded = 0;
  let filtered = 0;
  const values = row.values;
  for await (
    const batch of readLineBatches(path, { end, reuse: true, chunkBytes: READ_CHUNK_BYTES })
  ) {
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
      // The leaf hash (one SHA-256 of the line) is needed for the row's `leaf` column, and
      // before that only when a correction names this seq.
      let leaf: string | undefined;
      let by: number | undefined;
      if (targets.named(record.seq)) {
        leaf = leafHex(line.bytes);
        by = targets.supersededBy(record.seq, leaf);
        if (by !== undefined && !options.includeSuperseded) {
          superseded++;
          continue;
        }
      }
      const problems = emissionBodyProblems(record.body);
      if (problems.length > 0) {
        throw new LedgerError(
          "CHAIN_INVALID",
          `seq ${record.seq}: emission body is invalid (${problems[0]})`,
          { hint: "run 'carbon-ops ledger verify'" },
        );
      }
      const body = record.body as Readonly<Record<string, JsonValue>>;
      if (byPeriod) {
        const startMs = tryParseRfc3339((body.activity_period as { start: string }).start)
          ?.epochMs ?? NaN;
        if (!(startMs >= from && startMs < to)) {
          filtered++;
          continue;
        }
      }
      if (wanted.length > 0) {
        const labels = (body.labels ?? {}) as Record<string, string>;
        if (wanted.some(([k, v]) => labels[k] !== v)) {
          filtered++;
          continue;
        }
      }
      values.fill(undefined);
      values[0] = record.seq;
      values[1] = record.ts;
      values[2] = leaf ?? leafHex(line.bytes);
      values[3] = by;
      if (!row.fill(body)) {
        throw new LedgerError(
          "CHAIN_INVALID",
          `seq ${record.seq}: the ledger changed during export`,
        );
      }
      if (format === "csv") sink.addCsvRow(values);
      else {
        let text = "{";
        for (let i = 0; i < keys.length; i++) {
          text += (i === 0 ? "" : ",") + keys[i] + JSON.stringify(values[i] ?? null);
        }
        sink.add(text + "}\n");
      }
      rows++;
      if (sink.full) await sink.flush();
    }
    const last = batch[batch.length - 1];
    progress?.({ pass: 2, bytesRead: last.offset + last.bytes.length + 1, totalBytes: end, rows });
  }
  await sink.flush();
  return { rows, superseded, filtered, columns };
}
