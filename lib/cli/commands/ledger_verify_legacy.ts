/**
 * `carbon-ops ledger verify-legacy`: verify a Python carbon-ops 0.1 NDJSON ledger byte for byte.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { type LegacyReport, verifyLegacyLedger } from "../../ledger/legacy/legacy.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger verify-legacy FILE --public-key HEX [--json]";

/**
 * `ledger verify-legacy`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { ledgerVerifyLegacyCommand } from "./ledger_verify_legacy.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const commands = [defineGroup("ledger", "Ledger", [ledgerVerifyLegacyCommand])];
 * const code = await runCli(["ledger", "verify-legacy", "old.jsonl"], { commands, stdout, stderr });
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /missing --public-key HEX/);
 * ```
 */
export const ledgerVerifyLegacyCommand: Command = {
  name: "verify-legacy",
  summary: "Verify a Python carbon-ops 0.1 ledger against a pinned public key",
  help: `Usage: ${USAGE}

Verifies a ledger written by the Python carbon-ops 0.1 (NDJSON): every line must be exactly
what Python's json.dumps wrote (number lexemes such as 420.0 and 1e-05, \\uXXXX escapes, key
order), signed with Ed25519 by the pinned key over the payload's sorted compact serialisation,
and chained by prev_hash to the line before; the first line has no prev_hash. The key embedded
in each line is never trusted: it must equal --public-key. Stops at the first bad line and
says which and why. Deleting the last entries cannot be detected by this format: compare the
printed entry count and head hash with a copy you kept.

Options:
  --public-key HEX   the raw Ed25519 public key (64 hex digits) the ledger must be signed with
  --json             print {status, entries, head_chain_hash, problem} as JSON

Exit codes: 0 valid, 1 invalid (first bad line reported), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { "public-key": { type: "string" }, json: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    const key = values["public-key"];
    if (!key) throw new UsageError("missing --public-key HEX", { usage: USAGE });
    if (!/^[0-9a-fA-F]{64}$/.test(key)) {
      throw new UsageError("--public-key must be 64 hex digits (a raw Ed25519 public key)", {
        usage: USAGE,
      });
    }
    let data: Uint8Array;
    try {
      data = await Deno.readFile(positionals[0]);
    } catch (err) {
      throw new UsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`, {
        usage: USAGE,
      });
    }
    const report = verifyLegacyLedger(data, { publicKeyHex: key });
    if (values.json) writeJson(ctx.stdout, legacyReportJson(report));
    else ctx.stdout.write(legacyReportText(report, positionals[0]));
    return report.ok ? 0 : 1;
  },
};

/**
 * JSON form of a legacy verification report (shared with `import-legacy`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyReportJson } from "./ledger_verify_legacy.ts";
 * const report = { ok: true, verifiedEntries: 2, headChainHash: "ab12", problem: undefined, entries: [] };
 * assert.deepEqual(legacyReportJson(report), {
 *   status: "valid",
 *   entries: 2,
 *   head_chain_hash: "ab12",
 *   problem: null,
 * });
 * ```
 */
export function legacyReportJson(r: LegacyReport): Record<string, unknown> {
  return {
    status: r.ok ? "valid" : "invalid",
    entries: r.verifiedEntries,
    head_chain_hash: r.headChainHash ?? null,
    problem: r.problem ?? null,
  };
}

/**
 * Text form of a legacy verification report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyReportText } from "./ledger_verify_legacy.ts";
 * const report = { ok: true, verifiedEntries: 2, headChainHash: "ab12", problem: undefined, entries: [] };
 * assert.equal(legacyReportText(report, "old.jsonl"), "VALID: 2 entries in old.jsonl\nhead chain hash ab12\n");
 * ```
 */
export function legacyReportText(r: LegacyReport, path: string): string {
  if (r.ok) {
    return `VALID: ${r.verifiedEntries} entries in ${path}\nhead chain hash ${r.headChainHash}\n`;
  }
  const p = r.problem!;
  const where = p.line > 0 ? `line ${p.line} (byte ${p.offset})` : path;
  return `INVALID: ${where}: ${p.code}: ${p.message}\n${r.verifiedEntries} entries before it verified\n`;
}
