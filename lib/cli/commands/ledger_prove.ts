/**
 * `carbon-ops ledger prove`: an offline inclusion proof (c2sp.org/tlog-proof@v1) for one record.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import { toBase64, toHex } from "../../ledger/encoding.ts";
import { ProofError, proveInclusion } from "../../ledger/prove.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE =
  "carbon-ops ledger prove DIR --seq N [--size S] [--out FILE] [--record-out FILE] [--json]";

/**
 * `ledger prove`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerProveCommand } from "./ledger_prove.ts";
 * const commands = [keysGroup, defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerProveCommand])];
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
 *   const proof = await cli("ledger", "prove", `${dir}/l`, "--seq", "0", "--json");
 *   assert.equal(proof.code, 0);
 *   assert.equal(JSON.parse(proof.out).size, 1);
 *   assert.deepEqual(JSON.parse(proof.out).proof, []);
 *   assert.match(JSON.parse(proof.out).bundle, /^c2sp.org\/tlog-proof@v1\n/);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerProveCommand: Command = {
  name: "prove",
  summary: "Write an offline inclusion proof bundle for one record",
  help: `Usage: ${USAGE}

Writes a c2sp.org/tlog-proof@v1 bundle for record N: 'index N', the RFC 6962 inclusion proof
(one base64 hash per line) and the checkpoint note verbatim. The checkpoint is DIR/checkpoint,
or DIR/checkpoints/<S>.note with --size S. Anyone holding the trust file can then check the
record with 'carbon-ops ledger verify-proof' (or any RFC 6962 implementation) without the
ledger. Proofs use the tree hash cache in DIR/cache (created or updated as needed, rebuilt
from ledger.jsonl when it does not match the checkpoint); every proof is checked against the
checkpoint root before it is written.

Options:
  --seq N            the record (0-based seq; must be below the checkpoint size)
  --size S           use the archived checkpoint of size S instead of the latest
  --out FILE         write the bundle to FILE instead of standard output
  --record-out FILE  also write the record's exact line (with its newline) to FILE
  --json             print {seq, size, origin, root, leaf, proof, bundle} as JSON

Exit codes:
  0  written
  1  no such checkpoint or record (write a checkpoint first), unreadable ledger
  2  usage
  3  the ledger does not match its checkpoint (truncated, rolled back, rewritten)

Example:
  carbon-ops ledger prove /var/lib/carbon-ops/ledger --seq 42 --out r42.tlog-proof \\
    --record-out r42.json
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        seq: { type: "string" },
        size: { type: "string" },
        out: { type: "string" },
        "record-out": { type: "string" },
        json: { type: "boolean" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (values.seq === undefined) throw new UsageError("missing --seq N", { usage: USAGE });
    const seq = numberOption(values.seq, "--seq", { min: 0, integer: true });
    const size = values.size === undefined
      ? undefined
      : numberOption(values.size, "--size", { min: 1, integer: true });
    const dir = positionals[0];
    try {
      const r = await proveInclusion(dir, {
        seq,
        size,
        withRecord: values["record-out"] !== undefined,
      });
      if (values.out) await Deno.writeTextFile(values.out, r.bundle);
      if (values["record-out"]) {
        const line = r.line!;
        const withNl = new Uint8Array(line.length + 1);
        withNl.set(line);
        withNl[line.length] = 10;
        await Deno.writeFile(values["record-out"], withNl);
      }
      if (values.json) {
        writeJson(ctx.stdout, {
          seq,
          size: r.checkpoint.size,
          origin: r.checkpoint.origin,
          root: toBase64(r.checkpoint.root),
          leaf: toHex(r.leaf),
          proof: r.proof.map(toBase64),
          bundle: r.bundle,
        });
      } else if (!values.out) ctx.stdout.write(r.bundle);
      else {ctx.stderr.write(
          `wrote proof of record ${seq} in checkpoint size ${r.checkpoint.size} to ${values.out}\n`,
        );}
      return 0;
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      ctx.stderr.write(`carbon-ops: error: ${err.message}\n`);
      return err.exitCode;
    }
  },
};
