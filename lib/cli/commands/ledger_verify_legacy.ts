/**
 * `carbon-ops ledger verify-legacy`: verify a Python carbon-ops 0.1 NDJSON ledger byte for byte.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { type LegacyReport, verifyLegacyLedger } from "../../ledger/legacy/legacy.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger verify-legacy FILE --public-key HEX [--public-key HEX ...] [--json]";

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
in each line is never trusted: it must be one of the --public-key keys. Stops at the first bad
line and says which and why. Deleting the last entries cannot be detected by this format:
compare the printed entry count and head hash with a copy you kept.

What 0.1's own verifier tolerates and the bytes still prove is accepted and reported as a
note: blank lines (BLANK_LINES), CRLF line endings (CRLF_LINE_ENDINGS; line hashes exclude the
CR), a prev_hash a caller passed in the payload (PREV_HASH_NOT_LAST) and a change of signing
key (KEY_CHANGE). A ledger whose writer switched keys verifies when every key is given; the
output says which key signed which lines.

Options:
  --public-key HEX   a raw Ed25519 public key (64 hex digits) the ledger may be signed with;
                     repeat it for a ledger that switched keys
  --json             print {status, entries, head_chain_hash, problem, flags, key_ranges}

Exit codes: 0 valid, 1 invalid (first bad line reported), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { "public-key": { type: "string", multiple: true }, json: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    const keys = legacyPublicKeysOption(values["public-key"], USAGE);
    let data: Uint8Array;
    try {
      data = await Deno.readFile(positionals[0]);
    } catch (err) {
      throw new UsageError(`cannot read ${positionals[0]}: ${(err as Error).message}`, {
        usage: USAGE,
      });
    }
    const report = verifyLegacyLedger(data, { publicKeyHex: keys });
    if (values.json) writeJson(ctx.stdout, legacyReportJson(report));
    else ctx.stdout.write(legacyReportText(report, positionals[0]));
    return report.ok ? 0 : 1;
  },
};

/**
 * Checks the repeated `--public-key HEX` option (shared with `import-legacy`): at least one,
 * each 64 hex digits; returns them lowercase and without duplicates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyPublicKeysOption } from "./ledger_verify_legacy.ts";
 * assert.deepEqual(legacyPublicKeysOption(["AB".repeat(32), "ab".repeat(32)], "usage"), ["ab".repeat(32)]);
 * assert.throws(() => legacyPublicKeysOption(undefined, "usage"), /missing --public-key HEX/);
 * ```
 */
export function legacyPublicKeysOption(
  values: readonly string[] | undefined,
  usage: string,
): string[] {
  if (!values || values.length === 0) {
    throw new UsageError("missing --public-key HEX", { usage });
  }
  for (const v of values) {
    if (!/^[0-9a-fA-F]{64}$/.test(v)) {
      throw new UsageError(
        `--public-key must be 64 hex digits (a raw Ed25519 public key), got '${v.slice(0, 80)}'`,
        { usage },
      );
    }
  }
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

/**
 * JSON form of a legacy verification report (shared with `import-legacy`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyReportJson } from "./ledger_verify_legacy.ts";
 * const keyRanges = [{ publicKeyHex: "11".repeat(32), firstLine: 1, lastLine: 2, entries: 2 }];
 * const report = {
 *   ok: true,
 *   verifiedEntries: 2,
 *   headChainHash: "ab12",
 *   problem: undefined,
 *   entries: [],
 *   flags: [],
 *   keyRanges,
 * };
 * assert.deepEqual(legacyReportJson(report), {
 *   status: "valid",
 *   entries: 2,
 *   head_chain_hash: "ab12",
 *   problem: null,
 *   flags: [],
 *   key_ranges: [{ public_key: "11".repeat(32), first_line: 1, last_line: 2, entries: 2 }],
 * });
 * ```
 */
export function legacyReportJson(r: LegacyReport): Record<string, unknown> {
  return {
    status: r.ok ? "valid" : "invalid",
    entries: r.verifiedEntries,
    head_chain_hash: r.headChainHash ?? null,
    problem: r.problem ?? null,
    flags: r.flags.map((f) => ({
      code: f.code,
      count: f.count,
      first_lines: f.firstLines,
      message: f.message,
    })),
    key_ranges: r.keyRanges.map((k) => ({
      public_key: k.publicKeyHex,
      first_line: k.firstLine,
      last_line: k.lastLine,
      entries: k.entries,
    })),
  };
}

/**
 * Text form of a legacy verification report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legacyReportText } from "./ledger_verify_legacy.ts";
 * const report = {
 *   ok: true,
 *   verifiedEntries: 2,
 *   headChainHash: "ab12",
 *   problem: undefined,
 *   entries: [],
 *   flags: [],
 *   keyRanges: [{ publicKeyHex: "11".repeat(32), firstLine: 1, lastLine: 2, entries: 2 }],
 * };
 * assert.equal(legacyReportText(report, "old.jsonl"), "VALID: 2 entries in old.jsonl\nhead chain hash ab12\n");
 * const blank = { code: "BLANK_LINES" as const, count: 1, firstLines: [3], message: "1 blank line(s) skipped" };
 * assert.match(legacyReportText({ ...report, flags: [blank] }, "old.jsonl"), /note: BLANK_LINES at line 3: 1 blank/);
 * ```
 */
export function legacyReportText(r: LegacyReport, path: string): string {
  let details = "";
  if (r.keyRanges.length > 1 || new Set(r.keyRanges.map((k) => k.publicKeyHex)).size > 1) {
    for (const k of r.keyRanges) {
      details +=
        `signed by ${k.publicKeyHex}: lines ${k.firstLine}..${k.lastLine} (${k.entries} entries)\n`;
    }
  }
  for (const f of r.flags) {
    const more = f.count > f.firstLines.length ? ", ..." : "";
    const lines = `line${f.firstLines.length > 1 ? "s" : ""} ${f.firstLines.join(", ")}${more}`;
    details += `note: ${f.code} at ${lines}: ${f.message}\n`;
  }
  if (r.ok) {
    return `VALID: ${r.verifiedEntries} entries in ${path}\nhead chain hash ${r.headChainHash}\n${details}`;
  }
  const p = r.problem!;
  const where = p.line > 0 ? `line ${p.line} (byte ${p.offset})` : path;
  return `INVALID: ${where}: ${p.code}: ${p.message}\n${r.verifiedEntries} entries before it verified\n${details}`;
}
