/**
 * `carbon-ops ledger consistency`: the RFC 6962 consistency proof from an older checkpoint to the
 * ledger's latest one.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { toBase64 } from "../../ledger/encoding.ts";
import { ProofError, proveConsistency } from "../../ledger/prove.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger consistency DIR --from OLD_CHECKPOINT [--to NEW_CHECKPOINT] [--json]";

/**
 * `ledger consistency`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { ledgerConsistencyCommand } from "./ledger_consistency.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const commands = [defineGroup("ledger", "Ledger", [ledgerConsistencyCommand])];
 * const code = await runCli(["ledger", "consistency", "/nonexistent"], { commands, stdout, stderr });
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /missing --from OLD_CHECKPOINT/);
 * ```
 */
export const ledgerConsistencyCommand: Command = {
  name: "consistency",
  summary: "Print the consistency proof from an older checkpoint to the latest",
  help: `Usage: ${USAGE}

Prints the RFC 6962 consistency proof (RFC 9162 2.1.4) from the tree size of OLD_CHECKPOINT to
the ledger's latest checkpoint (or NEW_CHECKPOINT), one base64 hash per line, after checking it:
the old checkpoint must be a prefix of this ledger. Give the proof with both checkpoints to an
auditor or a witness; 'carbon-ops ledger witness-request' wraps it in a witness request.

Options:
  --from FILE   the older checkpoint (signed note), e.g. the one your auditor holds
  --to FILE     the newer checkpoint (default DIR/checkpoint)
  --json        print {origin, old_size, old_root, new_size, new_root, proof} as JSON

Exit codes:
  0  consistent (proof printed)
  1  unreadable or malformed checkpoint, no checkpoint in DIR
  2  usage
  3  inconsistent: the old checkpoint is ahead of the ledger or not a prefix of it
     (truncated, rolled back, forked or rewritten)
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { from: { type: "string" }, to: { type: "string" }, json: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.from) throw new UsageError("missing --from OLD_CHECKPOINT", { usage: USAGE });
    const read = async (path: string) => {
      try {
        return await Deno.readTextFile(path);
      } catch (err) {
        throw new UsageError(`cannot read ${path}: ${(err as Error).message}`, { usage: USAGE });
      }
    };
    const fromNote = await read(values.from);
    const toNote = values.to === undefined ? undefined : await read(values.to);
    try {
      const r = await proveConsistency(positionals[0], { fromNote, toNote });
      if (values.json) {
        writeJson(ctx.stdout, {
          origin: r.to.origin,
          old_size: r.from.size,
          old_root: toBase64(r.from.root),
          new_size: r.to.size,
          new_root: toBase64(r.to.root),
          proof: r.proof.map(toBase64),
        });
      } else {
        ctx.stdout.write(r.proof.map((h) => toBase64(h) + "\n").join(""));
        ctx.stderr.write(
          `consistent: size ${r.from.size} -> ${r.to.size} (${r.proof.length} hashes)\n`,
        );
      }
      return 0;
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      ctx.stderr.write(`carbon-ops: error: ${err.message}\n`);
      return err.exitCode;
    }
  },
};
