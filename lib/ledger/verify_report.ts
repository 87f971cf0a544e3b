/**
 * The structured report of `verifyLedger`, its exit code, and its JSON (snake_case) and text forms.
 *
 * @module
 */

/**
 * Overall verdict. Exit codes: valid 0, invalid 1, inconsistent 3, untrusted 4, torn 5.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verdictOf, type VerifyStatus } from "./verify_report.ts";
 * const status: VerifyStatus = verdictOf(new Set()).status;
 * assert.equal(status, "valid");
 * ```
 */
export type VerifyStatus = "valid" | "invalid" | "inconsistent" | "untrusted" | "torn";

/**
 * How an issue affects the verdict.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type IssueClass, verdictOf } from "./verify_report.ts";
 * const classes = new Set<IssueClass>(["trust", "consistency"]);
 * assert.equal(verdictOf(classes).exitCode, 4);
 * ```
 */
export type IssueClass = "integrity" | "trust" | "consistency" | "torn";

/**
 * One error or warning, located in the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VerifyIssue } from "./verify_report.ts";
 * const issue: VerifyIssue = { code: "PREV_MISMATCH", message: "prev is not the leaf of line 1", seq: 1, line: 2, offset: 120 };
 * assert.equal(issue.line, issue.seq! + 1);
 * ```
 */
export interface VerifyIssue {
  /** Stable code, e.g. BAD_SIGNATURE (see docs/ledger-format.md). */
  readonly code: string;
  /** Human explanation. */
  readonly message: string;
  /** Record seq (line index) when the issue belongs to a line. */
  readonly seq: number | null;
  /** 1-based line number. */
  readonly line: number | null;
  /** Byte offset of the line start. */
  readonly offset: number | null;
}

/**
 * Verdict for one checkpoint (given with --checkpoint, or the ledger's own `checkpoint`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CheckpointStatus } from "./verify_report.ts";
 * const s: CheckpointStatus = { source: "checkpoint", size: 2, root: "A".repeat(43) + "=", status: "consistent", message: "" };
 * assert.equal(s.status, "consistent");
 * ```
 */
export interface CheckpointStatus {
  /** Where it came from (a path). */
  readonly source: string;
  /** Tree size it claims, when readable. */
  readonly size: number | null;
  /** Base64 root it claims, when readable. */
  readonly root: string | null;
  /**
   * consistent | ahead_of_log (truncated or rolled back) | root_mismatch (forked or rewritten) |
   * equivocation | bad_signature | untrusted | malformed.
   */
  readonly status:
    | "consistent"
    | "ahead_of_log"
    | "root_mismatch"
    | "equivocation"
    | "bad_signature"
    | "untrusted"
    | "malformed";
  /** Details. */
  readonly message: string;
}

/**
 * A key that signed records, with the seq range it signed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { KeySeen } from "./verify_report.ts";
 * const k: KeySeen = { kid: "a".repeat(64), firstSeq: 0, lastSeq: 9, records: 10, trusted: true };
 * assert.equal(k.lastSeq - k.firstSeq + 1, k.records);
 * ```
 */
export interface KeySeen {
  /** Key id. */
  readonly kid: string;
  /** First seq signed. */
  readonly firstSeq: number;
  /** Last seq signed. */
  readonly lastSeq: number;
  /** Records signed. */
  readonly records: number;
  /** Whether the trust file knows the key. */
  readonly trusted: boolean;
}

/**
 * Totals over the verified records.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VerifyTotals } from "./verify_report.ts";
 * const t: VerifyTotals = { byType: { genesis: 1, note: 1 }, emissions: 0, co2eG: "0", energyKwh: "0", superseded: 0 };
 * assert.equal(Object.values(t.byType).reduce((a, b) => a + b), 2);
 * ```
 */
export interface VerifyTotals {
  /** Records per type. */
  readonly byType: Readonly<Record<string, number>>;
  /** Emission records not superseded. */
  readonly emissions: number;
  /** Exact sum of co2e_g of emission records not superseded. */
  readonly co2eG: string;
  /** Exact sum of energy_kwh of emission records not superseded. */
  readonly energyKwh: string;
  /** Records superseded by corrections. */
  readonly superseded: number;
}

/**
 * What `verifyLedger` found.
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
 * import { verifyLedger } from "./verify.ts";
 * import type { VerifyReport } from "./verify_report.ts";
 * const report: VerifyReport = await verifyLedger(dir, { trust });
 * assert.deepEqual(report.totals.byType, { genesis: 1, note: 1 });
 * assert.equal(report.head?.seq, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface VerifyReport {
  /** Verdict. */
  readonly status: VerifyStatus;
  /** Exit code for the verdict: 0, 1, 3, 4 or 5. */
  readonly exitCode: 0 | 1 | 3 | 4 | 5;
  /** Ledger origin from the genesis record. */
  readonly origin: string | null;
  /** Complete lines (records) examined. */
  readonly entries: number;
  /** Last record: seq, hex leaf, base64 Merkle root over all complete lines. */
  readonly head: { readonly seq: number; readonly leaf: string; readonly root: string } | null;
  /** Each checkpoint's verdict. */
  readonly checkpoints: readonly CheckpointStatus[];
  /** Keys seen in records. */
  readonly keys: readonly KeySeen[];
  /** Errors (at most 100 listed; `errorCount` counts all). */
  readonly errors: readonly VerifyIssue[];
  /** Number of errors found. */
  readonly errorCount: number;
  /** Warnings, e.g. CLOCK_BACKWARDS. */
  readonly warnings: readonly VerifyIssue[];
  /** Totals. */
  readonly totals: VerifyTotals;
}

/**
 * Status and exit code from the classes of issues found: integrity 1, else trust 4, else
 * consistency 3, else a torn last line 5, else 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verdictOf } from "./verify_report.ts";
 * assert.deepEqual(verdictOf(new Set(["torn"])), { status: "torn", exitCode: 5 });
 * assert.deepEqual(verdictOf(new Set(["torn", "integrity"])), { status: "invalid", exitCode: 1 });
 * ```
 */
export function verdictOf(
  classes: ReadonlySet<IssueClass>,
): { status: VerifyStatus; exitCode: 0 | 1 | 3 | 4 | 5 } {
  if (classes.has("integrity")) return { status: "invalid", exitCode: 1 };
  if (classes.has("trust")) return { status: "untrusted", exitCode: 4 };
  if (classes.has("consistency")) return { status: "inconsistent", exitCode: 3 };
  if (classes.has("torn")) return { status: "torn", exitCode: 5 };
  return { status: "valid", exitCode: 0 };
}

/**
 * The report as JSON-ready data with snake_case keys (the `--json` output).
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
 * import { verifyLedger } from "./verify.ts";
 * import { reportToJson } from "./verify_report.ts";
 * const json = reportToJson(await verifyLedger(dir, { trust }));
 * assert.equal(json.status, "valid");
 * assert.equal(json.exit_code, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function reportToJson(r: VerifyReport): Record<string, unknown> {
  return {
    status: r.status,
    exit_code: r.exitCode,
    origin: r.origin,
    entries: r.entries,
    head: r.head,
    checkpoints: r.checkpoints,
    keys: r.keys.map((k) => ({
      kid: k.kid,
      first_seq: k.firstSeq,
      last_seq: k.lastSeq,
      records: k.records,
      trusted: k.trusted,
    })),
    errors: r.errors,
    error_count: r.errorCount,
    warnings: r.warnings,
    totals: {
      by_type: r.totals.byType,
      emissions: r.totals.emissions,
      co2e_g: r.totals.co2eG,
      energy_kwh: r.totals.energyKwh,
      superseded: r.totals.superseded,
    },
  };
}

function where(i: VerifyIssue): string {
  const parts = [
    i.seq !== null ? `seq ${i.seq}` : "",
    i.line !== null ? `line ${i.line}` : "",
    i.offset !== null ? `byte ${i.offset}` : "",
  ];
  const at = parts.filter(Boolean).join(", ");
  return at ? ` (${at})` : "";
}

/**
 * A readable multi-line summary of the report.
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
 * import { verifyLedger } from "./verify.ts";
 * import { reportToText } from "./verify_report.ts";
 * const lines = reportToText(await verifyLedger(dir, { trust })).split("\n");
 * assert.equal(lines[0], "status: VALID (exit 0)");
 * assert.equal(lines[1], "origin: example.org/host-01");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function reportToText(r: VerifyReport): string {
  const out = [
    `status: ${r.status.toUpperCase()} (exit ${r.exitCode})`,
    `origin: ${r.origin ?? "(unknown)"}`,
    `entries: ${r.entries}`,
  ];
  if (r.head) out.push(`head: seq ${r.head.seq}, leaf ${r.head.leaf}`, `root: ${r.head.root}`);
  for (const c of r.checkpoints) {
    out.push(
      `checkpoint ${c.source}: ${c.status.toUpperCase()} (size ${c.size ?? "?"}) ${c.message}`,
    );
  }
  for (const k of r.keys) {
    out.push(
      `key ${k.kid}: seq ${k.firstSeq}..${k.lastSeq}, ${k.records} records${
        k.trusted ? "" : " (NOT TRUSTED)"
      }`,
    );
  }
  const t = r.totals;
  out.push(
    `totals: ${t.emissions} emissions, ${t.co2eG} gCO2e, ${t.energyKwh} kWh, ${t.superseded} superseded`,
  );
  for (const e of r.errors) out.push(`error ${e.code}${where(e)}: ${e.message}`);
  if (r.errorCount > r.errors.length) {
    out.push(`... and ${r.errorCount - r.errors.length} more errors`);
  }
  for (const w of r.warnings) out.push(`warning ${w.code}${where(w)}: ${w.message}`);
  return out.join("\n") + "\n";
}
