/**
 * `carbon-ops ledger checkpoint`: sign and store a checkpoint (incremental).
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { writeCheckpoint } from "../../ledger/checkpoint_writer.ts";
import { toBase64 } from "../../ledger/encoding.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger checkpoint DIR --key FILE [--json]";

/**
 * `ledger checkpoint`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerCheckpointCommand } from "./ledger_checkpoint.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerCheckpointCommand])];
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
 *   const cp = await cli("ledger", "checkpoint", `${dir}/l`, "--key", key, "--json");
 *   assert.equal(cp.code, 0);
 *   assert.equal(JSON.parse(cp.out).size, 1);
 *   assert.equal(JSON.parse(cp.out).origin, "example.org/host-01");
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerCheckpointCommand: Command = {
  name: "checkpoint",
  summary: "Sign a C2SP checkpoint of the ledger and print it",
  help: `Usage: ${USAGE}

Under the ledger lock, hashes the records added since the last checkpoint (O(k + log n) using the
cached frontier in checkpoints/frontier.json), checks they link to the records before them, and
signs '<origin>\\n<size>\\n<base64 RFC 6962 root>\\n' as a C2SP signed note under the key name
<origin>. Writes DIR/checkpoint (latest) and DIR/checkpoints/<size, 20 digits>.note and prints
the note. Refuses to sign a checkpoint inconsistent with the latest one (truncated or rewritten
ledger). Send the printed checkpoint to your auditor or witness.

Options:
  --key FILE   PKCS#8 PEM private key (mode 0600) trusted for checkpoints
  --json       print {origin, size, root, note, archive_path, lines_read} as JSON

Each file is written whole under a temporary name and renamed into place, so a full disk leaves no
empty or partial note: the command fails with "disk full while writing ..." and succeeds when run
again after space is freed.

Exit codes: 0 written, 1 refused (broken chain, inconsistent with the latest checkpoint) or a file
cannot be written (disk full), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: { key: { type: "string" }, json: { type: "boolean" } },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.key) throw new UsageError("missing --key FILE", { usage: USAGE });
    const cp = await writeCheckpoint(positionals[0], await loadSigningKey(values.key));
    if (values.json) {
      writeJson(ctx.stdout, {
        origin: cp.origin,
        size: cp.size,
        root: toBase64(cp.root),
        note: cp.note,
        archive_path: cp.archivePath,
        lines_read: cp.linesRead,
      });
    } else ctx.stdout.write(cp.note);
    return 0;
  },
};
