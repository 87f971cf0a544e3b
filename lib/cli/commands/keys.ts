/**
 * `carbon-ops keys generate`: create an Ed25519 key pair for signing ledger records and
 * checkpoints.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { isValidKeyName, writeKeyPair } from "../../ledger/key_files.ts";
import { generateSigningKey } from "../../ledger/keys.ts";
import { originProblem } from "../../ledger/init.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, type CommandGroup, defineGroup, writeJson } from "../command.ts";

const USAGE = "carbon-ops keys generate --out DIR [--name NAME] [--origin ORIGIN] [--json]";

/**
 * `keys generate`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGenerateCommand } from "./keys.ts";
 * const stdout = bufferSink();
 * const commands = [defineGroup("keys", "Keys", [keysGenerateCommand])];
 * const dir = await Deno.makeTempDir();
 * try {
 *   const argv = ["keys", "generate", "--out", dir, "--name", "k", "--json"];
 *   assert.equal(await runCli(argv, { commands, stdout, stderr: bufferSink() }), 0);
 *   const made = JSON.parse(stdout.text());
 *   assert.match(made.kid, /^[0-9a-f]{64}$/);
 *   assert.equal(made.key_path, `${dir}/k.key`);
 *   assert.ok((await Deno.stat(made.pub_path)).isFile);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const keysGenerateCommand: Command = {
  name: "generate",
  summary: "Create an Ed25519 key pair (NAME.key PKCS#8 0600, NAME.pub SPKI)",
  help: `Usage: ${USAGE}

Writes DIR/NAME.key (PKCS#8 PEM, mode 0600) and DIR/NAME.pub (SPKI PEM), both readable by
OpenSSL 3, and prints the key id (kid: hex SHA-256 of the SPKI DER, as carried in ledger records)
and the C2SP verifier key string <origin>+<keyid>+<base64> for checkpoints signed under the
ledger origin (checkpoint keys are named by the origin). Existing files are never overwritten.

Options:
  --out DIR     directory for the files (created 0700 when missing)
  --name NAME   file stem (default "ledger"; no spaces, '+' or '/')
  --origin ORIGIN
                note key name for the verifier key string (default NAME); give the ledger
                origin, e.g. carbon-ops.example/host-01
  --json        print {kid, verifier_key, key_path, pub_path} as JSON

Exit codes: 0 written, 1 a file exists or cannot be written, 2 usage.

Example:
  carbon-ops keys generate --out /etc/carbon-ops/keys --name host-01 --origin carbon-ops.example/host-01
`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, {
      options: {
        out: { type: "string" },
        name: { type: "string" },
        origin: { type: "string" },
        json: { type: "boolean" },
      },
      usage: USAGE,
    });
    if (!values.out) throw new UsageError("missing --out DIR", { usage: USAGE });
    const name = values.name ?? "ledger";
    if (!isValidKeyName(name)) {
      throw new UsageError(`--name '${name}' must not contain spaces, '+', '/' or '\\'`, {
        usage: USAGE,
      });
    }
    const noteName = values.origin ?? name;
    const problem = originProblem(noteName);
    if (problem !== undefined) {
      throw new UsageError(`--origin: ${problem}`, { usage: USAGE });
    }
    const written = await writeKeyPair(values.out, generateSigningKey(), { name, noteName });
    if (values.json) {
      writeJson(ctx.stdout, {
        kid: written.kid,
        verifier_key: written.verifierKey,
        key_path: written.keyPath,
        pub_path: written.pubPath,
      });
    } else {
      ctx.stdout.write(
        `private key: ${written.keyPath} (mode 0600; keep it secret)\npublic key:  ${written.pubPath}\n` +
          `kid:         ${written.kid}\nverifier:    ${written.verifierKey}\n`,
      );
    }
    return 0;
  },
};

/**
 * The `keys` group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keysGroup } from "./keys.ts";
 * assert.equal(keysGroup.name, "keys");
 * assert.deepEqual(keysGroup.subcommands.map((c) => c.name), ["generate"]);
 * ```
 */
export const keysGroup: CommandGroup = defineGroup(
  "keys",
  "Manage Ed25519 signing keys for the ledger",
  [keysGenerateCommand],
);
