/**
 * `carbon-ops ledger append`: validate a body and append a signed record.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { JsonCanonError } from "../../ledger/canonical_json.ts";
import { parseJsonStrict } from "../../ledger/strict_json.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { LedgerError } from "../../ledger/ledger_error.ts";
import { LedgerWriter } from "../../ledger/writer.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger append DIR --key FILE --type emission|note|correction [--body FILE|-] [--json]";
const TYPES = ["emission", "note", "correction"];

async function readAllStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

/**
 * `ledger append`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerAppendCommand } from "./ledger_append.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerAppendCommand])];
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
 *   await Deno.writeTextFile(`${dir}/note.json`, '{"text":"maintenance window"}');
 *   const argv = ["--key", key, "--type", "note", "--body", `${dir}/note.json`, "--json"];
 *   const appended = await cli("ledger", "append", `${dir}/l`, ...argv);
 *   assert.equal(appended.code, 0);
 *   assert.equal(JSON.parse(appended.out).seq, 1);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerAppendCommand: Command = {
  name: "append",
  summary: "Validate a record body and append it, signed, durably",
  help: `Usage: ${USAGE}

Reads the body (a JSON object) from FILE or standard input ('-', the default), checks it strictly
(no duplicate keys, lone surrogates, NaN/Infinity, -0, integers beyond 2^53, unknown fields) and
against its schema (emission: schemas/emission.v1.json; correction: {supersedes:{seq,leaf},
reason}; note: {text, ...}), then appends it under the ledger lock, fsyncs, and prints the seq
and leaf hash. A torn last line left by a crash is first moved to DIR/quarantine/ and the repair
recorded in a note record.

Options:
  --key FILE     PKCS#8 PEM private key (mode 0600)
  --type TYPE    emission, note or correction
  --body FILE    body JSON file, or - for standard input (default -)
  --json         print {seq, leaf, offset, repair} as JSON

Exit codes: 0 appended and synced, 1 refused (invalid body, invalid chain head, fsync error;
nothing unlinked is ever written), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        key: { type: "string" },
        type: { type: "string" },
        body: { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.key) throw new UsageError("missing --key FILE", { usage: USAGE });
    if (!values.type || !TYPES.includes(values.type)) {
      throw new UsageError(
        values.type
          ? `--type must be one of ${TYPES.join(", ")}, got '${values.type}'`
          : "missing --type",
        { usage: USAGE },
      );
    }
    const source = values.body ?? "-";
    let text: string;
    try {
      text = source === "-" ? await readAllStdin() : await Deno.readTextFile(source);
    } catch (err) {
      throw new UsageError(`cannot read --body ${source}: ${(err as Error).message}`, {
        usage: USAGE,
      });
    }
    let body;
    try {
      body = parseJsonStrict(text);
    } catch (err) {
      if (!(err instanceof JsonCanonError)) throw err;
      ctx.stderr.write(
        `carbon-ops: error: body ${
          source === "-" ? "(stdin)" : source
        } rejected: ${err.code}: ${err.message}\n`,
      );
      return 1;
    }
    const key = await loadSigningKey(values.key);
    await using ledger = await LedgerWriter.open(positionals[0], { key });
    try {
      const r = await ledger.append(values.type, body);
      if (values.json) {
        writeJson(ctx.stdout, {
          seq: r.seq,
          leaf: r.leaf,
          offset: r.offset,
          repair: r.repair
            ? {
              offset: r.repair.offset,
              length: r.repair.length,
              sha256: r.repair.sha256,
              quarantine: r.repair.quarantine,
              note_seq: r.repair.noteSeq,
            }
            : null,
        });
      } else {
        if (r.repair) {
          ctx.stderr.write(
            `repaired a torn last line (${r.repair.length} bytes -> ${r.repair.quarantine}), note seq ${r.repair.noteSeq}\n`,
          );
        }
        ctx.stdout.write(`appended seq ${r.seq} leaf ${r.leaf}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof LedgerError && err.code === "BODY_INVALID") {
        ctx.stderr.write(`carbon-ops: error: ${values.type} body rejected; nothing was written:\n`);
        for (const p of err.problems.length ? err.problems : [err.message]) {
          ctx.stderr.write(`  ${p}\n`);
        }
        return 1;
      }
      throw err;
    }
  },
};
