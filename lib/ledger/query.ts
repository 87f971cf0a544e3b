/**
 * Reading a ledger for people: `showRecords` (one seq or the last N) and `ledgerTotals` (exact
 * decimal sums of emission records, operational and embodied separately and together,
 * superseded records excluded and counted). These read; they
 * do not verify signatures (run `verifyLedger` for that).
 *
 * @module
 */

import type { JsonValue } from "./canonical_json.ts";
import { DecimalSum } from "./decimal_sum.ts";
import { quickTotalsFieldsValid, schemaFingerprint } from "./emission_quick_check.ts";
import { CompiledSchema } from "./json_schema.ts";
import { LedgerError } from "./ledger_error.ts";
import { lastNewlineBefore, LEDGER_JSONL, readAt } from "./ledger_files.ts";
import { type RawLine, readLineBatches, readLines } from "./line_stream.ts";
import { decodeRecordLine, leafHex, type LedgerRecord, RecordLineError } from "./record.ts";
import { CorrectionTargets, scanRecordLine } from "./record_scan.ts";
import { EMISSION_SCHEMA_V1 } from "./record_types.ts";

/**
 * A record as shown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { type ShownRecord, showRecords } from "./query.ts";
 * const [last]: ShownRecord[] = await showRecords(dir, { tail: 1 });
 * assert.equal(last.record.type, "note");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ShownRecord {
  /** Sequence number. */
  readonly seq: number;
  /** Hex leaf hash of the line (what a correction's `supersedes.leaf` names). */
  readonly leaf: string;
  /** Byte offset of the line. */
  readonly offset: number;
  /** The decoded record. */
  readonly record: LedgerRecord;
}

function decode(line: RawLine): ShownRecord {
  try {
    return {
      seq: line.index,
      leaf: leafHex(line.bytes),
      offset: line.offset,
      record: decodeRecordLine(line.bytes).record,
    };
  } catch (err) {
    if (!(err instanceof RecordLineError)) throw err;
    throw new LedgerError(
      "CHAIN_INVALID",
      `line ${
        line.index + 1
      } (offset ${line.offset}) is not a valid record: ${err.code}: ${err.message}`,
      {
        hint: "run 'carbon-ops ledger verify' for a full report",
        cause: err,
      },
    );
  }
}

/**
 * Records of the ledger in `dir`: the one with `seq`, else the last `tail` (default 10).
 * `seq` scans from the start; `tail` reads backwards from the end. A torn last line is skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { showRecords } from "./query.ts";
 * const shown = await showRecords(dir, { tail: 3 });
 * assert.deepEqual(shown.map((r) => [r.seq, r.record.type]), [[0, "genesis"], [1, "note"]]);
 * assert.equal((await showRecords(dir, { seq: 1 }))[0].offset, shown[1].offset);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function showRecords(
  dir: string,
  options: { seq?: number; tail?: number } = {},
): Promise<ShownRecord[]> {
  const path = await ledgerPath(dir);
  if (options.seq !== undefined) {
    for await (const line of readLines(path)) {
      if (line.index === options.seq && line.terminated) return [decode(line)];
    }
    return [];
  }
  const tail = options.tail ?? 10;
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  let end = await lastNewlineBefore(file, size);
  const found: { offset: number; bytes: Uint8Array }[] = [];
  while (end >= 0 && found.length < tail) {
    const start = (await lastNewlineBefore(file, end)) + 1;
    found.push({ offset: start, bytes: await readAt(file, start, end - start) });
    end = start - 1;
  }
  found.reverse();
  return found.map((f) => {
    const shown = decode({ bytes: f.bytes, index: -1, offset: f.offset, terminated: true });
    return { ...shown, seq: shown.record.seq };
  });
}

/**
 * How `ledgerTotals` groups: `none`, `scope`, `category`, `month` or `label:KEY`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { ledgerTotals, type TotalsGrouping } from "./query.ts";
 * const by: TotalsGrouping = "label:team";
 * assert.equal((await ledgerTotals(dir, { by })).by, "label:team");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type TotalsGrouping = string;

/**
 * One group's sums.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TotalsRow } from "./query.ts";
 * const row: TotalsRow = {
 *   group: "2026-01",
 *   records: 2,
 *   co2eG: "12.5",
 *   embodiedCo2eG: "1.25",
 *   totalCo2eG: "13.75",
 *   embodiedRecords: 1,
 *   energyKwh: "0.031",
 * };
 * assert.equal(row.group, "2026-01");
 * ```
 */
export interface TotalsRow {
  /** Group name (e.g. `scope 2 (location)`, `2026-01`, a label value, or `all`). */
  readonly group: string;
  /** Emission records counted. */
  readonly records: number;
  /** Exact sum of `result.co2e_g`: operational emissions (as before embodied was recorded). */
  readonly co2eG: string;
  /** Exact sum of `embodied.co2e_g` (records without an `embodied` block add 0). */
  readonly embodiedCo2eG: string;
  /** Exact sum of both: `co2eG + embodiedCo2eG`. */
  readonly totalCo2eG: string;
  /** Records counted that carry an `embodied` block. */
  readonly embodiedRecords: number;
  /** Exact sum of energy_kwh. */
  readonly energyKwh: string;
}

/**
 * Result of `ledgerTotals`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { ledgerTotals, type TotalsResult } from "./query.ts";
 * const t: TotalsResult = await ledgerTotals(dir, { by: "month" });
 * assert.deepEqual([t.superseded, t.corrections], [0, 0]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface TotalsResult {
  /** The grouping used. */
  readonly by: TotalsGrouping;
  /** Groups in name order. */
  readonly rows: readonly TotalsRow[];
  /** Sum over all groups. */
  readonly total: TotalsRow;
  /** Emission records excluded because a correction supersedes them. */
  readonly superseded: number;
  /** Correction records seen. */
  readonly corrections: number;
}

/**
 * What `ledgerTotals` checks of an emission body: the emission schema (schemas/emission.v1.json)
 * cut down to the fields it sums or groups by, so their rules live in one place. `schema`,
 * `scope` with its `scope2_method`/`scope3_category` rule, `activity_period.start`,
 * `activity.energy_kwh`, `result.co2e_g` (exact decimal grammar), the whole `embodied` block and
 * `labels`. The other fields, the cross-field rules (interval bounds, end after start) and the
 * canonical form are checked by `ledger verify` (and by `ledger append` before signing).
 */
const TOTALS_SCHEMA: JsonValue = (() => {
  const root = EMISSION_SCHEMA_V1 as {
    $defs: JsonValue;
    properties: Record<string, { properties: Record<string, JsonValue> }>;
    allOf: { if?: { properties?: Record<string, JsonValue> } }[];
  };
  const p = root.properties;
  const only = (name: string, field: string) => ({
    type: "object",
    required: [field],
    properties: { [field]: p[name].properties[field] },
  });
  return {
    $defs: root.$defs,
    type: "object",
    required: ["schema", "activity_period", "scope", "activity", "result"],
    properties: {
      schema: p.schema,
      activity_period: only("activity_period", "start"),
      scope: p.scope,
      scope2_method: p.scope2_method,
      scope3_category: p.scope3_category,
      activity: only("activity", "energy_kwh"),
      result: only("result", "co2e_g"),
      embodied: p.embodied,
      labels: p.labels,
    },
    allOf: root.allOf.filter((rule) => rule.if?.properties?.scope !== undefined),
  } as unknown as JsonValue;
})();

const TOTALS_FIELDS = new CompiledSchema(TOTALS_SCHEMA);

/**
 * Fingerprint (`schemaFingerprint`) of the schema `quickTotalsFieldsValid` was written for:
 * another schema turns the quick check off.
 */
const TOTALS_SCHEMA_FINGERPRINT =
  "3013818fde4ee045411b395a34da6dbae3cc4f88c2b197c343c80aa031a73121";

/**
 * True while the schema `ledger totals` checks is the one `quickTotalsFieldsValid` was written
 * for; false turns the quick check off (correct, slower). A test keeps it true.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOTALS_QUICK_CHECK_ON } from "./query.ts";
 * assert.equal(typeof TOTALS_QUICK_CHECK_ON, "boolean");
 * ```
 */
export const TOTALS_QUICK_CHECK_ON: boolean =
  schemaFingerprint(TOTALS_SCHEMA) === TOTALS_SCHEMA_FINGERPRINT;

/**
 * The problems `ledger totals` finds in an emission body's summed and grouped fields (empty when
 * it can use the body): a quick check first, the schema when the quick check cannot vouch.
 *
 * @param body An emission body.
 * @param options `quick: false` runs the schema even when the quick check passes (default true).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { totalsFieldProblems } from "./query.ts";
 * const body = {
 *   schema: "carbon-ops/emission/v1",
 *   activity_period: { start: "2026-02-29T00:00:00Z" },
 *   scope: 1,
 *   activity: { energy_kwh: "1.5" },
 *   result: { co2e_g: "0.25" },
 * };
 * assert.match(totalsFieldProblems(body)[0].message, /date-time/); // 2026 is not a leap year
 * const leap = { ...body, activity_period: { start: "2028-02-29T00:00:00Z" } };
 * assert.deepEqual(totalsFieldProblems(leap), []);
 * ```
 */
export function totalsFieldProblems(
  body: Record<string, unknown>,
  options: { quick?: boolean } = {},
): readonly { readonly path: string; readonly message: string }[] {
  if (options.quick !== false && TOTALS_QUICK_CHECK_ON && quickTotalsFieldsValid(body)) return [];
  return TOTALS_FIELDS.validate(body as JsonValue);
}

function groupOf(by: string, body: Record<string, unknown>): string {
  const scope = body.scope as number;
  if (by === "none") return "all";
  if (by === "scope") return `scope ${scope}`;
  if (by === "category") {
    if (scope === 3) return `scope 3 category ${body.scope3_category}`;
    return scope === 2 ? `scope 2 (${body.scope2_method})` : "scope 1";
  }
  if (by === "month") return String((body.activity_period as { start: string }).start).slice(0, 7);
  const label = by.slice("label:".length);
  const value = (body.labels as Record<string, string> | undefined)?.[label];
  return value ?? "(none)";
}

/**
 * Exact totals of the emission records in `dir`, grouped by `by` (default `none`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { ledgerTotals } from "./query.ts";
 * const t = await ledgerTotals(dir, { by: "month" });
 * assert.deepEqual(t.rows, []);
 * assert.equal(t.total.records, 0); // notes and genesis carry no emissions
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ledgerTotals(
  dir: string,
  options: { by?: TotalsGrouping } = {},
): Promise<TotalsResult> {
  const by = options.by ?? "none";
  if (!["none", "scope", "category", "month"].includes(by) && !/^label:.+$/.test(by)) {
    throw new RangeError(`cannot group by '${by}' (use scope, category, month or label:KEY)`);
  }
  const path = await ledgerPath(dir);
  const end = (await Deno.stat(path)).size;
  // Pass 1: the corrections (only lines that end as a correction record are decoded).
  const targets = new CorrectionTargets();
  for await (const batch of readLineBatches(path, { end, reuse: true, chunkBytes: 256 * 1024 })) {
    for (const line of batch) if (line.terminated) targets.scan(line);
  }
  // Pass 2: sum the emission records at the parse floor (record_scan.ts), hashing a line only
  // when a correction names its seq, and checking strictly only the body fields summed/grouped.
  const groups = new Map<string, Sums>();
  let superseded = 0;
  for await (const batch of readLineBatches(path, { end, reuse: true, chunkBytes: 256 * 1024 })) {
    for (const line of batch) {
      if (!line.terminated) break;
      const record = scanRecordLine(line);
      if (record.type === "correction") targets.confirm(line);
      if (record.type !== "emission") continue;
      if (targets.lineSupersededBy(line.index, line) !== undefined) {
        superseded++;
        continue;
      }
      const body = record.body;
      const problems = totalsFieldProblems(body);
      if (problems.length) {
        const p = problems[0];
        throw new LedgerError(
          "CHAIN_INVALID",
          `seq ${line.index}: emission body is invalid (${p.path || "/"}: ${p.message})`,
          { hint: "run 'carbon-ops ledger verify'" },
        );
      }
      const g = groupOf(by, body);
      let cur = groups.get(g);
      if (cur === undefined) groups.set(g, cur = emptySums());
      cur.records++;
      cur.co2e.add((body.result as { co2e_g: string }).co2e_g);
      const embodied = body.embodied as { co2e_g: string } | undefined;
      if (embodied !== undefined) {
        cur.embodied.add(embodied.co2e_g);
        cur.embodiedRecords++;
      }
      cur.energy.add((body.activity as { energy_kwh: string }).energy_kwh);
    }
  }
  const corrections = targets.count;
  const rows = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
    [group, v],
  ) => rowOf(group, v));
  const all = emptySums();
  for (const v of groups.values()) {
    all.records += v.records;
    all.co2e.addSum(v.co2e);
    all.embodied.addSum(v.embodied);
    all.embodiedRecords += v.embodiedRecords;
    all.energy.addSum(v.energy);
  }
  return { by, rows, total: rowOf("total", all), superseded, corrections };
}

/** Running exact sums of one group. */
interface Sums {
  records: number;
  co2e: DecimalSum;
  embodied: DecimalSum;
  embodiedRecords: number;
  energy: DecimalSum;
}

function emptySums(): Sums {
  return {
    records: 0,
    co2e: new DecimalSum(),
    embodied: new DecimalSum(),
    embodiedRecords: 0,
    energy: new DecimalSum(),
  };
}

function rowOf(group: string, v: Sums): TotalsRow {
  const co2e = v.co2e.toDecimal();
  const embodied = v.embodied.toDecimal();
  return {
    group,
    records: v.records,
    co2eG: co2e.toString(),
    embodiedCo2eG: embodied.toString(),
    totalCo2eG: co2e.add(embodied).toString(),
    embodiedRecords: v.embodiedRecords,
    energyKwh: v.energy.toString(),
  };
}

/**
 * Checks that a correction's `supersedes` names a record that exists before `head` with that
 * leaf hash and is an emission or note. Throws `LedgerError` CORRECTION_TARGET otherwise.
 *
 * @param path The ledger file.
 * @param target `{seq, leaf}` from the correction body.
 * @param head `seq` and byte `size` of the ledger's last complete record.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "./init.ts";
 * import { generateSigningKey } from "./keys.ts";
 * import { LedgerWriter } from "./writer.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 * {
 *   await using ledger = await LedgerWriter.open(dir, { key });
 *   await ledger.append("note", { text: "hello" });
 * }
 * import { LedgerError } from "./ledger_error.ts";
 * import { checkSupersedesTarget, showRecords } from "./query.ts";
 * const path = `${dir}/ledger.jsonl`;
 * const head = { seq: 1, size: (await Deno.stat(path)).size };
 * const [note] = await showRecords(dir, { seq: 1 });
 * await checkSupersedesTarget(path, { seq: 1, leaf: note.leaf }, head);
 * await assert.rejects(
 *   () => checkSupersedesTarget(path, { seq: 1, leaf: "0".repeat(64) }, head),
 *   (e) => e instanceof LedgerError && e.code === "CORRECTION_TARGET",
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkSupersedesTarget(
  path: string,
  target: { seq: number; leaf: string },
  head: { seq: number; size: number },
): Promise<void> {
  if (target.seq > head.seq) {
    throw new LedgerError(
      "CORRECTION_TARGET",
      `correction supersedes seq ${target.seq}, but the ledger ends at seq ${head.seq}`,
    );
  }
  for await (const line of readLines(path, { end: head.size })) {
    if (line.index !== target.seq) continue;
    const leaf = leafHex(line.bytes);
    if (leaf !== target.leaf) {
      throw new LedgerError(
        "CORRECTION_TARGET",
        `seq ${target.seq} has leaf hash ${leaf}, not ${target.leaf}`,
        {
          hint: "take the leaf from 'carbon-ops ledger show --seq N --json'",
        },
      );
    }
    const { record } = decode(line);
    if (record.type !== "emission" && record.type !== "note") {
      throw new LedgerError(
        "CORRECTION_TARGET",
        `seq ${target.seq} is a ${record.type} record; only emission and note records can be superseded`,
      );
    }
    return;
  }
  throw new LedgerError("CORRECTION_TARGET", `seq ${target.seq} not found`);
}

/** `dir/ledger.jsonl`, or a `LedgerError` NOT_A_LEDGER that says how to create one. */
async function ledgerPath(dir: string): Promise<string> {
  const path = `${dir}/${LEDGER_JSONL}`;
  try {
    await Deno.stat(path);
  } catch (err) {
    throw new LedgerError("NOT_A_LEDGER", `no ledger at ${dir} (cannot read ${LEDGER_JSONL})`, {
      hint: "check the path, or create a ledger with 'carbon-ops ledger init'",
      cause: err,
    });
  }
  return path;
}
