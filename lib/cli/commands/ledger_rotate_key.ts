/**
 * `carbon-ops ledger rotate-key`: append a `key_rotation` record and update a trust file.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { originOf } from "../../ledger/checkpoint_writer.ts";
import { replaceFileAtomic } from "../../base/durable_file.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { publicKeyPem } from "../../ledger/keys.ts";
import { keyRotationBody } from "../../ledger/rotation_body.ts";
import { rotatedTrustText } from "../../ledger/rotation_trust.ts";
import { LedgerWriter } from "../../ledger/writer.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger rotate-key DIR --key OLD --new-key NEW [--reason TEXT] [--trust FILE --trust-out FILE] [--json]";

/**
 * `ledger rotate-key`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { ledgerRotateKeyCommand } from "./ledger_rotate_key.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const commands = [defineGroup("ledger", "Ledger", [ledgerRotateKeyCommand])];
 * const code = await runCli(["ledger", "rotate-key", "/nonexistent"], { commands, stdout, stderr });
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /--key OLD and --new-key NEW are required/);
 * ```
 */
export const ledgerRotateKeyCommand: Command = {
  name: "rotate-key",
  summary: "Append a key_rotation record signed by the old key, with the new key's proof",
  help: `Usage: ${USAGE}

Appends a 'key_rotation' record signed by OLD that names NEW (its kid and SPKI) and carries
NEW's proof-of-possession signature over (origin, old kid, new kid). From the next record on,
only NEW may sign records: appends with OLD are refused (KEY_RETIRED), the verifier rejects
OLD's later records (KEY_ROTATED_OUT), and it trusts
NEW for records from the next seq because the trusted OLD vouched for it. Checkpoints are
verified with the trust file's checkpoint keys: with --trust FILE --trust-out FILE, writes an
updated trust file (OLD's range ends at the rotation, NEW takes OLD's role from the next seq;
other fields kept) to hand to your auditor.

Options:
  --key FILE        the current (old) private key, PKCS#8 PEM, mode 0600
  --new-key FILE    the next private key (create it with 'carbon-ops keys generate')
  --reason TEXT     why (default "scheduled rotation")
  --trust FILE      the current trust file, to derive the updated one
  --trust-out FILE  where to write the updated trust file (needs --trust)
  --json            print {seq, leaf, old_kid, new_kid, trust_out} as JSON

Exit codes: 0 appended, 1 refused by the ledger (see message), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        key: { type: "string" },
        "new-key": { type: "string" },
        reason: { type: "string" },
        trust: { type: "string" },
        "trust-out": { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.key || !values["new-key"]) {
      throw new UsageError("--key OLD and --new-key NEW are required", { usage: USAGE });
    }
    if (!values.trust !== !values["trust-out"]) {
      throw new UsageError("--trust and --trust-out go together", { usage: USAGE });
    }
    const dir = positionals[0];
    const oldKey = await loadSigningKey(values.key);
    const newKey = await loadSigningKey(values["new-key"]);
    if (oldKey.kid === newKey.kid) {
      throw new UsageError("--new-key is the same key as --key", { usage: USAGE });
    }
    let trustText: string | undefined;
    if (values.trust) {
      try {
        trustText = await Deno.readTextFile(values.trust);
      } catch (err) {
        throw new UsageError(`cannot read --trust ${values.trust}: ${(err as Error).message}`, {
          usage: USAGE,
        });
      }
    }
    const origin = await originOf(dir);
    const body = keyRotationBody(origin, { oldKid: oldKey.kid, newKey, reason: values.reason });
    let appended;
    {
      await using writer = await LedgerWriter.open(dir, { key: oldKey });
      appended = await writer.append("key_rotation", body);
    }
    if (trustText !== undefined && values["trust-out"]) {
      const updated = rotatedTrustText(trustText, {
        oldKid: oldKey.kid,
        newKid: newKey.kid,
        newPublicKeyPem: publicKeyPem(newKey),
        seq: appended.seq,
      });
      await replaceFileAtomic(values["trust-out"], updated);
    }
    if (values.json) {
      writeJson(ctx.stdout, {
        seq: appended.seq,
        leaf: appended.leaf,
        old_kid: oldKey.kid,
        new_kid: newKey.kid,
        trust_out: values["trust-out"] ?? null,
      });
    } else {
      ctx.stdout.write(
        `rotated at seq ${appended.seq}: ${oldKey.kid.slice(0, 16)}… -> ${
          newKey.kid.slice(0, 16)
        }…\n` +
          `sign later records with ${values["new-key"]}` +
          (values["trust-out"] ? `; updated trust file: ${values["trust-out"]}\n` : "\n"),
      );
    }
    return 0;
  },
};
