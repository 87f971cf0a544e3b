/**
 * The `carbon-ops` command line: `carbon-ops <command> [options]`. The only module that exits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * assert.equal(await main(["--version"]), 0);
 * ```
 *
 * @module
 */

// Start-up cost matters (a cron job, a health check): the static imports here are the tiny ones
// (the command table's names, the sinks, the version line). `--version` is answered before the
// CLI shell is loaded, and every command loads its own modules only when it runs.
import type { CommandEntry } from "./lib/cli/command.ts";
import { LIBRARY_COMMANDS } from "./lib/cli/registry.ts";
import { writerSink } from "./lib/cli/sinks.ts";
import { versionRequest } from "./lib/cli/version_request.ts";

/**
 * The program's command table, in help order: the library's commands (`lib/cli/registry.ts`),
 * then the two parts that sit above `lib/`: the governor daemon (`governor/`) and the
 * demonstrations that run both roles together (`demo/`). Each entry loads its command only when
 * it runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMMANDS } from "./main.ts";
 * assert.ok(COMMANDS.some((c) => c.name === "governor"));
 * ```
 */
export const COMMANDS: readonly CommandEntry[] = [
  ...LIBRARY_COMMANDS,
  {
    name: "governor",
    summary: "Run the privileged RAPL daemon that serves exact energy totals on a Unix socket",
    load: async () => (await import("./governor/command.ts")).governorCommand,
  },
  {
    name: "demo",
    summary: "Runnable demonstrations (aliasing, the full pipeline)",
    load: async () => (await import("./demo/command.ts")).demoGroup,
  },
];

/**
 * Runs the CLI with the process's stdout, stderr and environment; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * assert.equal(await main(["--help"]), 0);
 * assert.equal(await main(["--no-such-option"]), 2); // a usage error
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const stdout = writerSink(Deno.stdout);
  const version = versionRequest(argv);
  if (version !== null) {
    stdout.write(version);
    return 0;
  }
  const { runCli } = await import("./lib/cli/run_cli.ts");
  return runCli(argv, {
    commands: COMMANDS,
    stdout,
    stderr: writerSink(Deno.stderr),
    env: Deno.env.toObject(),
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
