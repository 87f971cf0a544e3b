/**
 * `carbon-ops ledger init`: create a ledger directory with its genesis record, first checkpoint
 * and trust file.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { initLedger, originProblem } from "../../ledger/init.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger init DIR --origin NAME --key FILE [--trust-out FILE] [--json]";

/**
 * `ledger init`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand])];
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
 *   const again = await cli("ledger", "init", `${dir}/l`, "--origin", "example.org/host-01", "--key", key);
 *   assert.equal(again.code, 1); // refused: the directory already holds a ledger
 *   const made = await cli("ledger", "init", `${dir}/m`, "--origin", "example.org/m", "--key", key, "--json");
 *   assert.equal(made.code, 0);
 *   assert.equal(JSON.parse(made.out).trust_path, `${dir}/m/trust.json`);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerInitCommand: Command = {
  name: "init",
  summary: "Create a ledger: genesis record, first checkpoint, trust file",
  help: `Usage: ${USAGE}

Creates DIR (if needed) with ledger.jsonl holding the signed genesis record (origin, creation
time, software version, initial key), ledger.lock, the size-1 checkpoint (checkpoint and
checkpoints/), and a trust file for auditors naming the key (role both, from seq 0).
Copy the trust file and checkpoints off the host: they are what an auditor verifies against.

The ledger is built in a hidden sibling directory (.NAME.init-PID-RANDOM) and renamed into place,
so DIR holds a complete ledger or none. If the disk fills up ("disk full while ..."), the
half-built copy is removed: free space and run the same command again. A copy left by a crash is
removed by the next init (and reported). A DIR that an older version left with only the genesis
record and no trust file is finished by the same command (same --origin and --key).

Options:
  --origin NAME      unique ledger name, e.g. carbon-ops.example/host-01 (no spaces or '+',
                     at most 255 characters)
  --key FILE         PKCS#8 PEM private key (mode 0600), from 'carbon-ops keys generate'
  --trust-out FILE   where to write the trust file (default DIR/trust.json; never overwritten)
  --json             print the result as JSON

Exit codes: 0 created, 1 DIR already holds a ledger or a file cannot be written, 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        origin: { type: "string" },
        key: { type: "string" },
        "trust-out": { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    const dir = positionals[0];
    if (!values.origin) throw new UsageError("missing --origin NAME", { usage: USAGE });
    const originWrong = originProblem(values.origin);
    if (originWrong !== undefined) {
      throw new UsageError(`--origin: ${originWrong}`, { usage: USAGE });
    }
    if (!values.key) {
      throw new UsageError("missing --key FILE", {
        usage: USAGE,
        hint: "create one with 'carbon-ops keys generate --out DIR'",
      });
    }
    const key = await loadSigningKey(values.key);
    const trustPath = values["trust-out"] ?? `${dir}/trust.json`;
    const result = await initLedger(dir, { origin: values.origin, key, trustPath });
    for (const leftover of result.removedLeftovers) {
      ctx.stderr.write(
        `carbon-ops: removed ${leftover}, the half-built copy of an interrupted 'ledger init'\n`,
      );
    }
    if (result.resumed) {
      ctx.stderr.write(
        `carbon-ops: finished the interrupted init of ${dir} (it held only the genesis record)\n`,
      );
    }
    if (values.json) {
      writeJson(ctx.stdout, {
        dir,
        origin: result.origin,
        kid: key.kid,
        genesis_leaf: result.genesisLeaf,
        trust_path: trustPath,
        checkpoint: result.checkpoint.note,
        resumed: result.resumed,
      });
    } else {
      ctx.stdout.write(
        `created ledger ${dir} (origin ${result.origin})\nkid: ${key.kid}\ngenesis leaf: ${result.genesisLeaf}\n` +
          `trust file: ${trustPath}\ncheckpoint:\n${result.checkpoint.note}` +
          `Copy the trust file and checkpoints off this host; auditors verify against them.\n`,
      );
    }
    return 0;
  },
};
