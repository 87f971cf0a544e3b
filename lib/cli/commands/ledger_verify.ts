/**
 * `carbon-ops ledger verify`: the streaming verifier, with exit codes scripts rely on.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { parseTrustFile, TrustFileError } from "../../ledger/trust.ts";
import { type CheckpointInput, verifyLedger } from "../../ledger/verify.ts";
import { reportToJson, reportToText } from "../../ledger/verify_report.ts";
import { defaultVerifyJobs } from "../../ledger/verify_parallel.ts";
import { fleetToText, type FleetTrust, verifyFleet } from "../../ledger/fleet.ts";
import { numberOptions, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger verify DIR [DIR ...] --trust FILE [--trust FILE ...] [--checkpoint FILE ...] [--no-ledger-checkpoint] [--jobs N] [--json]";

/**
 * `ledger verify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerVerifyCommand } from "./ledger_verify.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerVerifyCommand])];
 * const cli = async (...argv: string[]) => {
 *   const stdout = bufferSink(), stderr = bufferSink();
 *   const code = await runCli(argv, { commands, stdout, stderr });
 *   return { code, out: stdout.text(), err: stderr.text() };
 * };
 * const dir = await Deno.makeTempDir();
 * try {
 *   await cli("keys", "generate", "--out", dir, "--name", "k");
 *   const key = `${dir}/k.key`;
 *   await cli("ledger", "init", `${dir}/l`, "--origin", "example.org/host-01", "--key", key);
 *   const verdict = await cli("ledger", "verify", `${dir}/l`, "--trust", `${dir}/l/trust.json`, "--json");
 *   assert.equal(verdict.code, 0);
 *   assert.equal(JSON.parse(verdict.out).status, "valid");
 *   assert.equal(JSON.parse(verdict.out).entries, 1);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerVerifyCommand: Command = {
  name: "verify",
  summary: "Verify records, chain, signatures and checkpoints; exit 0/1/3/4/5",
  help: `Usage: ${USAGE}

Streams DIR/ledger.jsonl and checks every line: RFC 8785 canonical UTF-8, record fields, seq =
line index, prev = leaf hash of the line before, genesis first, body schemas, corrections naming
real records, and each signature by a key the trust file allows for that seq (keys inside
records are never trusted). Then checks each checkpoint (--checkpoint files, and DIR/checkpoint
unless --no-ledger-checkpoint): trusted signature and the Merkle root at its size.
Signatures cannot catch truncation at a line boundary or a rewrite with a stolen key; only
checkpoints kept off the host can, so pass the ones you hold.

Several directories (a fleet, one ledger per host) are verified in one run: each ledger with the
--trust file whose origin matches its genesis record and the --checkpoint notes of that origin,
then one summary line per ledger; the exit code is the most serious verdict (1, 4, 3, 5, 0).
Every --trust and --checkpoint must be used by a ledger of the origin it names, every ledger
needs a --trust file, and no two directories may share an origin; each gap is printed as a
"coverage:" line naming the orphan and is a trust failure (exit 4).

Trust files are strict: an unknown field at any level (a misspelled "compromized") is refused
with its path and the closest known field (exit 2), so a typo cannot switch a check off.

Options:
  --trust FILE         trust file (JSON) from 'ledger init' (required; repeatable for a fleet)
  --checkpoint FILE    a trusted checkpoint (signed note); repeatable
  --no-ledger-checkpoint  do not check DIR/checkpoint
  --jobs N             threads that check signatures, canonical form and schemas: this one
                       plus N - 1 workers (default: one per core); 1 verifies in one thread.
                       The report is the same for every N.
  --json               print the report as JSON

Exit codes:
  0  valid
  1  invalid or tampered (error codes in the report)
  2  usage, or a trust file that cannot be read or is malformed (unknown fields included)
  3  inconsistent with a given checkpoint (truncated, rolled back, forked, equivocation)
  4  trust problem (unknown, out-of-range or wrong-role key; origin mismatch; in a fleet, a
     --trust or --checkpoint no ledger used, or a ledger no --trust covers)
  5  only a torn last line (the prefix is valid; the next append repairs it)
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        trust: { type: "string", multiple: true },
        checkpoint: { type: "string", multiple: true },
        "no-ledger-checkpoint": { type: "boolean" },
        json: { type: "boolean" },
        jobs: { type: "string" },
      },
      positionals: { min: 1, max: 100_000 },
      usage: USAGE,
    });
    if (!values.trust?.length) {
      throw new UsageError("missing --trust FILE", {
        usage: USAGE,
        hint: "'ledger init' wrote DIR/trust.json",
      });
    }
    if (positionals.length === 1 && values.trust.length > 1) {
      throw new UsageError("one ledger takes one --trust file", { usage: USAGE });
    }
    const jobs = numberOptions(values)("jobs", { min: 1, max: 1024, integer: true }) ??
      defaultVerifyJobs();
    const trusts: FleetTrust[] = [];
    for (const path of values.trust) {
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch (err) {
        throw new UsageError(`cannot read --trust ${path}: ${(err as Error).message}`, {
          usage: USAGE,
        });
      }
      try {
        trusts.push({ source: path, trust: parseTrustFile(text) });
      } catch (err) {
        if (!(err instanceof TrustFileError)) throw err;
        ctx.stderr.write(`carbon-ops: error: --trust ${path}: ${err.message}\n`);
        return 2;
      }
    }
    const checkpoints: CheckpointInput[] = [];
    for (const path of values.checkpoint ?? []) {
      try {
        checkpoints.push({ source: path, note: await Deno.readFile(path) });
      } catch (err) {
        throw new UsageError(`cannot read --checkpoint ${path}: ${(err as Error).message}`, {
          usage: USAGE,
        });
      }
    }
    if (positionals.length > 1) {
      const fleet = await verifyFleet(positionals, {
        trusts,
        checkpoints,
        useLedgerCheckpoint: !values["no-ledger-checkpoint"],
        jobs,
      });
      if (values.json) {
        writeJson(ctx.stdout, {
          exit_code: fleet.exitCode,
          by_status: fleet.byStatus,
          coverage: fleet.coverage.map((c) => ({
            kind: c.kind,
            source: c.source,
            origin: c.origin,
            problem: c.problem,
          })),
          ledgers: fleet.entries.map((e) => ({
            dir: e.dir,
            origin: e.origin,
            status: e.status,
            exit_code: e.exitCode,
            entries: e.entries,
            checkpoints: e.checkpoints,
            first_error: e.firstError,
          })),
        });
      } else ctx.stdout.write(fleetToText(fleet));
      return fleet.exitCode;
    }
    const report = await verifyLedger(positionals[0], {
      trust: trusts[0].trust,
      checkpoints,
      useLedgerCheckpoint: !values["no-ledger-checkpoint"],
      jobs,
    });
    if (values.json) writeJson(ctx.stdout, reportToJson(report));
    else ctx.stdout.write(reportToText(report));
    return report.exitCode;
  },
};
