/**
 * `carbon-ops ledger checkpoint`: sign and store a checkpoint (incremental), and publish it off
 * the host; `carbon-ops ledger publish`: publish the latest checkpoint again without signing.
 *
 * @module
 */

import { UsageError } from "../../base/errors.ts";
import type { TextSink } from "../../base/text_sink.ts";
import {
  CheckpointPublishError,
  loadPublishToken,
  originFileName,
  parsePublishTarget,
  publishCheckpoint,
  type PublishResult,
  type PublishTarget,
} from "../../ledger/checkpoint_publish.ts";
import { writeCheckpoint } from "../../ledger/checkpoint_writer.ts";
import { toBase64 } from "../../ledger/encoding.ts";
import { loadSigningKey } from "../../ledger/key_files.ts";
import { LATEST_CHECKPOINT } from "../../ledger/ledger_files.ts";
import { parseCheckpointText } from "../../ledger/checkpoint.ts";
import { parseNote } from "../../ledger/signed_note.ts";
import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops ledger checkpoint DIR --key FILE [--publish TARGET ...] " +
  "[--publish-token-file FILE] [--json]";
const PUBLISH_USAGE =
  "carbon-ops ledger publish DIR --publish TARGET [--publish TARGET ...] [--publish-token-file FILE] [--json]";

const PUBLISH_OPTIONS_HELP =
  `  --publish TARGET     after signing, copy the checkpoint off the host to TARGET: a directory
                       (an off-host mount; it must exist) or an http(s) base URL; repeatable
  --publish-token-file FILE
                       bearer token for URL targets, read from FILE (mode 0600 or stricter;
                       never give a token on the command line or in the environment)`;

const TARGETS_HELP = `Targets (docs/ledger-proofs.md, "Publishing checkpoints off the host"):
  directory  writes TARGET/<origin>/<size, 20 digits>.checkpoint and TARGET/<origin>/latest.checkpoint
             (<origin> percent-encoded: every byte outside [A-Za-z0-9._-] as %XX). Refuses a
             different note of the same size and a size below the published latest (rollback).
  URL        PUT URL/<origin, percent-encoded again>/<size, 20 digits>.checkpoint, content-type
             text/plain; charset=utf-8, timeout 30 s. 201 stored, 200/204 already held, 409/412
             the server holds a different checkpoint of this size, anything else a failure.`;

/** Parses `--publish` values (usage error naming the bad one) and checks the token option. */
function publishTargets(values: readonly string[], tokenFile: string | undefined, usage: string) {
  const targets: PublishTarget[] = values.map((text) => {
    try {
      return parsePublishTarget(text);
    } catch (err) {
      throw new UsageError(`bad --publish '${text}': ${(err as Error).message}`, { usage });
    }
  });
  if (tokenFile !== undefined && !targets.some((t) => t.kind === "url")) {
    throw new UsageError("--publish-token-file is only used with an http(s) --publish URL", {
      usage,
    });
  }
  return targets;
}

/** Where to look at a target by hand (ls for a directory, curl for a URL). */
function howToCheck(target: PublishTarget, origin: string): string {
  if (target.kind === "directory") {
    return `ls -l '${target.path}/${originFileName(origin)}/'`;
  }
  return `curl -s ${target.url.href.replace(/\/+$/, "")}/${
    encodeURIComponent(originFileName(origin))
  }/<size, 20 digits>.checkpoint`;
}

/** True when both paths are on the same device (so a "published" copy never left the host). */
async function sameFileSystem(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([Deno.stat(a), Deno.stat(b)]);
    return x.dev === y.dev;
  } catch {
    return false;
  }
}

interface PublishOutcome {
  readonly published: PublishResult[];
  readonly errors: { target: string; code: string; message: string }[];
}

/**
 * Publishes `note` to every target in order (one failing does not stop the others), printing
 * one line per target to `stderr`.
 */
async function publishAll(
  note: string,
  targets: readonly PublishTarget[],
  context: { dir: string; origin: string; size: number; token?: string; stderr: TextSink },
): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { published: [], errors: [] };
  for (const target of targets) {
    try {
      const result = await publishCheckpoint(note, target, { token: context.token });
      outcome.published.push(result);
      context.stderr.write(`published to ${target.text}: ${result.location} (${result.status})\n`);
      if (target.kind === "directory" && await sameFileSystem(target.path, context.dir)) {
        context.stderr.write(
          `carbon-ops: warning: ${target.text} is on the same file system as the ledger ` +
            `${context.dir}: a copy there is not off the host (is the off-host storage mounted?)\n`,
        );
      }
    } catch (err) {
      if (!(err instanceof CheckpointPublishError)) throw err;
      outcome.errors.push({ target: target.text, code: err.code, message: err.message });
      context.stderr.write(
        `carbon-ops: error: publishing the checkpoint of size ${context.size} to ${target.text} ` +
          `failed: ${err.message}\n` +
          `  the local checkpoint ${context.dir}/${LATEST_CHECKPOINT} is kept; the next ` +
          `'carbon-ops ledger checkpoint' publishes it again, or now: carbon-ops ledger publish ` +
          `${context.dir} --publish ${target.text}\n` +
          `  check the target: ${howToCheck(target, context.origin)}\n`,
      );
    }
  }
  return outcome;
}

function publishJson(outcome: PublishOutcome) {
  return {
    published: outcome.published.map((p) => ({
      target: p.target,
      location: p.location,
      status: p.status,
    })),
    publish_errors: outcome.errors,
  };
}

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
 *   await Deno.mkdir(`${dir}/published`);
 *   const cp = await cli("ledger", "checkpoint", `${dir}/l`, "--key", key, "--json", "--publish", `${dir}/published`);
 *   assert.equal(cp.code, 0);
 *   assert.equal(JSON.parse(cp.out).size, 1);
 *   assert.equal(JSON.parse(cp.out).origin, "example.org/host-01");
 *   assert.deepEqual(JSON.parse(cp.out).published, [{
 *     target: `${dir}/published`,
 *     location: `${dir}/published/example.org%2Fhost-01/00000000000000000001.checkpoint`,
 *     status: "written",
 *   }]);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerCheckpointCommand: Command = {
  name: "checkpoint",
  summary: "Sign a C2SP checkpoint of the ledger, print it and publish it off the host",
  help: `Usage: ${USAGE}

Under the ledger lock, hashes the records added since the last checkpoint (O(k + log n) using the
cached frontier in checkpoints/frontier.json), checks they link to the records before them, and
signs '<origin>\\n<size>\\n<base64 RFC 6962 root>\\n' as a C2SP signed note under the key name
<origin>. Writes DIR/checkpoint (latest) and DIR/checkpoints/<size, 20 digits>.note and prints
the note. Refuses to sign a checkpoint inconsistent with the latest one (truncated or rewritten
ledger).

Then, with --publish, copies the note off the host to each TARGET (one line per target on
stderr: where it went, written or unchanged; a warning when a directory target is on the same
file system as the ledger, e.g. an off-host mount that is not mounted). Signatures cannot reveal a rollback on the host
itself; the published copies can: 'carbon-ops ledger verify DIR --trust FILE --checkpoint
<published file>' fails (exit 3) on a ledger that no longer extends them. Publishing the same
checkpoint again is harmless (unchanged), so run this from cron every hour even when nothing was
appended.

Options:
  --key FILE           PKCS#8 PEM private key (mode 0600) trusted for checkpoints
${PUBLISH_OPTIONS_HELP}
  --json               print {origin, size, root, note, archive_path, lines_read, published:
                       [{target, location, status}], publish_errors: [{target, code, message}]}

${TARGETS_HELP}

Each file is written whole under a temporary name and renamed into place, so a full disk leaves no
empty or partial note: the command fails with "disk full while writing ..." and succeeds when run
again after space is freed. A failed publish keeps the local checkpoint; the next run (or
'carbon-ops ledger publish') publishes it again.

Examples:
  carbon-ops ledger checkpoint /var/lib/carbon-ops/ledger --key /etc/carbon-ops/keys/host.key \\
    --publish /mnt/carbon-ops-checkpoints > /dev/null
  carbon-ops ledger checkpoint led --key host.key --publish https://audit.example/checkpoints \\
    --publish-token-file /etc/carbon-ops/publish.token --json

Exit codes: 0 written (and published to every target), 1 refused (broken chain, inconsistent with
the latest checkpoint), a file cannot be written (disk full), or publishing to a target failed
(the local checkpoint is kept), 2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        key: { type: "string" },
        json: { type: "boolean" },
        publish: { type: "string", multiple: true },
        "publish-token-file": { type: "string" },
      },
      positionals: { min: 1, max: 1 },
      usage: USAGE,
    });
    if (!values.key) throw new UsageError("missing --key FILE", { usage: USAGE });
    const tokenFile = values["publish-token-file"];
    const targets = publishTargets(values.publish ?? [], tokenFile, USAGE);
    // A bad token file is found before anything is signed.
    const token = tokenFile === undefined ? undefined : await loadPublishToken(tokenFile);
    const dir = positionals[0];
    const cp = await writeCheckpoint(dir, await loadSigningKey(values.key));
    const outcome = await publishAll(cp.note, targets, {
      dir,
      origin: cp.origin,
      size: cp.size,
      token,
      stderr: ctx.stderr,
    });
    if (values.json) {
      writeJson(ctx.stdout, {
        origin: cp.origin,
        size: cp.size,
        root: toBase64(cp.root),
        note: cp.note,
        archive_path: cp.archivePath,
        lines_read: cp.linesRead,
        ...publishJson(outcome),
      });
    } else ctx.stdout.write(cp.note);
    return outcome.errors.length === 0 ? 0 : 1;
  },
};

/**
 * `ledger publish`: publish the latest checkpoint again (after an outage of the target).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "../command.ts";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { keysGroup } from "./keys.ts";
 * import { ledgerInitCommand } from "./ledger_init.ts";
 * import { ledgerCheckpointCommand, ledgerPublishCommand } from "./ledger_checkpoint.ts";
 * const ledger = defineGroup("ledger", "Ledger", [ledgerInitCommand, ledgerCheckpointCommand, ledgerPublishCommand]);
 * const cli = async (...argv: string[]) => {
 *   const stdout = bufferSink(), stderr = bufferSink();
 *   const code = await runCli(argv, { commands: [keysGroup, ledger], stdout, stderr });
 *   return { code, out: stdout.text(), err: stderr.text() };
 * };
 * const dir = await Deno.makeTempDir();
 * try {
 *   await cli("keys", "generate", "--out", dir, "--name", "k");
 *   await cli("ledger", "init", `${dir}/l`, "--origin", "example.org/host-01", "--key", `${dir}/k.key`);
 *   await cli("ledger", "checkpoint", `${dir}/l`, "--key", `${dir}/k.key`);
 *   await Deno.mkdir(`${dir}/published`);
 *   const first = await cli("ledger", "publish", `${dir}/l`, "--publish", `${dir}/published`);
 *   assert.equal(first.code, 0);
 *   assert.match(first.err, /00000000000000000001\.checkpoint \(written\)/);
 *   const again = await cli("ledger", "publish", `${dir}/l`, "--publish", `${dir}/published`);
 *   assert.match(again.err, /\(unchanged\)/);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const ledgerPublishCommand: Command = {
  name: "publish",
  summary: "Publish the latest checkpoint off the host again, without signing a new one",
  help: `Usage: ${PUBLISH_USAGE}

Copies DIR/checkpoint, the latest signed checkpoint, to each TARGET, exactly as
'carbon-ops ledger checkpoint --publish' does after signing, without needing the key. Use it after
an outage of the target (or to add a target): only the latest checkpoint is needed, because it
commits to every record before it. Prints one line per target (where it went, written or
unchanged); publishing what a target already holds is harmless.

Options:
${PUBLISH_OPTIONS_HELP}
  --json               print {origin, size, published: [{target, location, status}],
                       publish_errors: [{target, code, message}]}

${TARGETS_HELP}

Examples:
  carbon-ops ledger publish /var/lib/carbon-ops/ledger --publish /mnt/carbon-ops-checkpoints
  carbon-ops ledger publish led --publish ./published --publish https://audit.example/checkpoints \\
    --publish-token-file publish.token

Exit codes: 0 published to every target, 1 no checkpoint in DIR or publishing to a target failed
(a different checkpoint of the same size or a larger one is already there, I/O or HTTP error),
2 usage.
`,
  async run(ctx) {
    const { values, positionals } = parseCommandArgs(ctx.argv, {
      options: {
        json: { type: "boolean" },
        publish: { type: "string", multiple: true },
        "publish-token-file": { type: "string" },
      },
      positionals: { min: 1, max: 1 },
      usage: PUBLISH_USAGE,
    });
    const tokenFile = values["publish-token-file"];
    const targets = publishTargets(values.publish ?? [], tokenFile, PUBLISH_USAGE);
    if (targets.length === 0) {
      throw new UsageError("missing --publish TARGET", { usage: PUBLISH_USAGE });
    }
    const token = tokenFile === undefined ? undefined : await loadPublishToken(tokenFile);
    const dir = positionals[0];
    const path = `${dir}/${LATEST_CHECKPOINT}`;
    const note = await Deno.readTextFile(path).catch((err) => {
      throw new Error(
        `cannot read ${path}: ${
          err instanceof Deno.errors.NotFound ? "no checkpoint yet" : err
        }; ` +
          `sign one with 'carbon-ops ledger checkpoint ${dir} --key FILE'`,
        { cause: err },
      );
    });
    let origin: string, size: number;
    try {
      ({ origin, size } = parseCheckpointText(parseNote(note).text));
    } catch (err) {
      throw new Error(
        `${path} is not a signed checkpoint; sign a new one with 'carbon-ops ledger checkpoint'`,
        {
          cause: err,
        },
      );
    }
    const outcome = await publishAll(note, targets, {
      dir,
      origin,
      size,
      token,
      stderr: ctx.stderr,
    });
    if (values.json) writeJson(ctx.stdout, { origin, size, ...publishJson(outcome) });
    return outcome.errors.length === 0 ? 0 : 1;
  },
};
