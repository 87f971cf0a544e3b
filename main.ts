/**
 * The `carbon-ops` command line: `carbon-ops <command> [options]`. The only module that exits.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * console.log(await main(["--version"]));
 * ```
 *
 * @module
 */

import { runCli } from "./lib/cli/run_cli.ts";
import { writerSink } from "./lib/cli/sinks.ts";

/**
 * Runs the CLI with the process's stdout, stderr and environment; returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--help"]);
 * console.log(code); // 0
 * ```
 */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, {
    stdout: writerSink(Deno.stdout),
    stderr: writerSink(Deno.stderr),
    env: Deno.env.toObject(),
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
