/** Shared helpers for the tamper tests: build, rewrite and verify small ledgers. */

import assert from "node:assert/strict";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import type { SigningKey } from "../../lib/ledger/keys.ts";
import { type LedgerRecord, type RecordBody, signRecord } from "../../lib/ledger/record.ts";
import type { TrustFile } from "../../lib/ledger/trust.ts";
import { type CheckpointInput, verifyLedger } from "../../lib/ledger/verify.ts";
import type { VerifyReport } from "../../lib/ledger/verify_report.ts";
import { buildLedger, type BuiltLedger } from "./ledger_fixture.ts";

/** Reads the ledger's lines (without the final empty string). */
export async function readLedgerLines(dir: string): Promise<string[]> {
  const text = await Deno.readTextFile(`${dir}/${LEDGER_JSONL}`);
  assert.ok(text.endsWith("\n"));
  return text.slice(0, -1).split("\n");
}

/** Replaces the ledger file with `lines`, each followed by `\n`. */
export async function writeLedgerLines(dir: string, lines: readonly string[]): Promise<void> {
  await Deno.writeTextFile(`${dir}/${LEDGER_JSONL}`, lines.map((l) => l + "\n").join(""));
}

/** Verifies without the on-host checkpoint unless checkpoints are given explicitly. */
export function verifyDir(
  dir: string,
  trust: TrustFile,
  checkpoints: CheckpointInput[] = [],
): Promise<VerifyReport> {
  return verifyLedger(dir, { trust, checkpoints, useLedgerCheckpoint: false });
}

/** Asserts the verdict: exit code and that every expected error code was reported. */
export function assertVerdict(
  report: VerifyReport,
  exitCode: number,
  codes: readonly string[],
  what: string,
): void {
  const found = report.errors.map((e) => e.code);
  assert.equal(
    report.exitCode,
    exitCode,
    `${what}: exit ${report.exitCode}, errors ${JSON.stringify(report.errors)}`,
  );
  for (const c of codes) {
    assert.ok(found.includes(c), `${what}: expected ${c}, got ${found.join(", ")}`);
  }
}

/** Re-signs record `line` after `mutate` changes its fields, with `key`. */
export function resign(
  line: string,
  key: SigningKey,
  mutate: (r: { seq: number; ts: string; type: string; body: RecordBody; prev: string }) => void =
    () => {},
): string {
  const r = JSON.parse(line) as LedgerRecord;
  const fields = {
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    body: structuredClone(r.body),
    prev: r.prev,
  };
  mutate(fields);
  return signRecord(fields, key).line;
}

/** A 6-record ledger (genesis, emission, note, emission, note, emission) in `dir`. */
export function smallLedger(dir: string, records = 5): Promise<BuiltLedger> {
  return buildLedger(dir, { records });
}
