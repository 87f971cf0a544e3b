/**
 * `carbon-ops ledger witness-request`: the body of a tlog-witness add-checkpoint request.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { ProofError, witnessRequestBody } from "../../ledger/prove.ts";
import { parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";

const USAGE = "carbon-ops ledger witness-request DIR (--from OLD_CHECKPOINT | --first)";

/**
 * `ledger witness-request`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerWitnessRequestCommand } from "./ledger_witness_request.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerWitnessRequestCommand])];
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
 *   const request = await cli("ledger", "witness-request", `${dir}/l`, "--first");
 *   assert.equal(request.code, 0);
 *   assert.match(request.out, /^old 0\n\nexample.org\/host-01\n1\n/);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerWitnessRequestCommand: Command = {
  name: "witness-request",
  summary: "Print a tlog-witness add-checkpoint request for the latest checkpoint",
  help: `Usage: ${USAGE}

Prints the body of a c2sp.org/tlog-witness add-checkpoint request for DIR/checkpoint: 'old
<size>', the consistency proof from the witness's last cosigned checkpoint (one base64 hash
per line), a blank line and the checkpoint note. POST it to <witness submission
prefix>/add-checkpoint; append the returned cosignature lines to the checkpoint note. A
witness answering 409 tells you the size it last cosigned.

Options:
  --from FILE   the checkpoint the witness last cosigned for this log
  --first       the witness never cosigned this log ('old 0', no proof)

Exit codes: 0 printed, 1 no or malformed checkpoint, 2 usage, 3 the old checkpoint is not a
prefix of this ledger (truncated, rolled back, forked).

Example:
  carbon-ops ledger witness-request /var/lib/carbon-ops/ledger --from witnessed.note | \\
    curl --data-binary @- https://witness.example/add-checkpoint
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { from: { type: "string" }, first: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.from === !values.first) {
      throw new UsageError("give exactly one of --from OLD_CHECKPOINT or --first", {
        usage: USAGE,
      });
    }
    let fromNote: string | undefined;
    if (values.from) {
      try {
        fromNote = await Deno.readTextFile(values.from);
      } catch (err) {
        throw new UsageError(`cannot read ${values.from}: ${(err as Error).message}`, {
          usage: USAGE,
        });
      }
    }
    try {
      ctx.stdout.write(await witnessRequestBody(positionals[0], { fromNote }));
      return 0;
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      ctx.stderr.write(`carbon-ops: error: ${err.message}\n`);
      return err.exitCode;
    }
  },
};
