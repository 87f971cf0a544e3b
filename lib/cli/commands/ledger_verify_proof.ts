/**
 * `carbon-ops ledger verify-proof`: check one record against an offline proof bundle.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { loadTrustFile, TrustFileError } from "../../ledger/trust.ts";
import { type RecordProofReport, verifyRecordProof } from "../../ledger/verify_proof.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger verify-proof RECORD_LINE_FILE BUNDLE --trust FILE [--json]";

/**
 * `ledger verify-proof`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { ledgerVerifyProofCommand } from "./ledger_verify_proof.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const commands = [defineGroup("ledger", "Ledger", [ledgerVerifyProofCommand])];
 * const code = await runCli(["ledger", "verify-proof"], { commands, stdout, stderr });
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /usage: carbon-ops ledger verify-proof RECORD_LINE_FILE BUNDLE/);
 * ```
 */
export const ledgerVerifyProofCommand: Command = {
  name: "verify-proof",
  summary: "Verify one record against an offline proof bundle and the trust file",
  help: `Usage: ${USAGE}

Checks, without the ledger: RECORD_LINE_FILE holds exactly one canonical v1 record line (one
trailing newline allowed) signed by a key the trust file allows for its seq and not marked
compromised; BUNDLE (c2sp.org/tlog-proof@v1) carries a checkpoint signed by a trusted
checkpoint key of the trust file's origin, cosigned by the trust file's witness quorum when it
lists witnesses; and the RFC 9162 inclusion proof puts the record at its seq in that tree.

Options:
  --trust FILE   trust file (keys, optional witnesses, witness_quorum, compromised keys)
  --json         print the report as JSON

Exit codes:
  0  verified
  1  invalid: malformed bundle or record, bad signature, proof does not verify
  2  usage, or an unreadable or malformed trust file
  4  trust problem: checkpoint or record key not trusted, key compromised, witness quorum
     not met
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { trust: { type: "string" }, json: { type: "boolean" } },
      positionals: { min: 2, max: 2 },
      usage: USAGE,
    });
    if (!values.trust) throw new UsageError("missing --trust FILE", { usage: USAGE });
    let trusted;
    try {
      trusted = await loadTrustFile(values.trust);
    } catch (err) {
      if (!(err instanceof TrustFileError)) throw err;
      // A malformed trust file is a usage problem (exit 2), as in `ledger verify`.
      ctx.stderr.write(`carbon-ops: error: --trust ${values.trust}: ${err.message}\n`);
      return 2;
    }
    const [recordPath, bundlePath] = positionals;
    let line: Uint8Array;
    let bundle: string;
    try {
      line = await Deno.readFile(recordPath);
      bundle = await Deno.readTextFile(bundlePath);
    } catch (err) {
      throw new UsageError(`cannot read input: ${(err as Error).message}`, { usage: USAGE });
    }
    if (line.at(-1) === 10) line = line.subarray(0, -1);
    if (line.includes(10)) {
      ctx.stderr.write(
        `carbon-ops: error: ${recordPath} holds more than one line; give exactly one record line\n`,
      );
      return 1;
    }
    const report = verifyRecordProof(line, { bundle, trust: trusted });
    if (values.json) writeJson(ctx.stdout, reportJson(report));
    else ctx.stdout.write(reportText(report));
    return report.exitCode;
  },
};

function reportJson(r: RecordProofReport): Record<string, unknown> {
  return {
    status: r.ok ? "verified" : r.exitCode === 4 ? "untrusted" : "invalid",
    seq: r.seq,
    leaf: r.leaf,
    checkpoint: r.checkpoint,
    witnesses: r.witnesses && {
      required: r.witnesses.required,
      valid: r.witnesses.valid.map((v) => ({
        name: v.name,
        key_id: v.keyId,
        timestamp: Number(v.timestamp),
      })),
      invalid: r.witnesses.invalid,
    },
    problems: r.problems,
  };
}

function reportText(r: RecordProofReport): string {
  const lines = [
    r.ok
      ? `VERIFIED: record ${r.seq} is in the log`
      : `NOT VERIFIED (${r.problems.length} problem(s))`,
    `leaf      ${r.leaf}`,
  ];
  if (r.checkpoint) {
    lines.push(
      `checkpoint ${r.checkpoint.origin} size ${r.checkpoint.size} root ${r.checkpoint.root}`,
    );
  }
  if (r.witnesses) {
    lines.push(
      `witnesses ${r.witnesses.valid.length} of ${r.witnesses.required} required: ${
        r.witnesses.valid.map((v) => v.name).join(", ") || "none"
      }`,
    );
  }
  for (const p of r.problems) lines.push(`error ${p.code}: ${p.message}`);
  return lines.join("\n") + "\n";
}
