/**
 * The answer to `carbon-ops --version` (or `-V`) alone, without loading the CLI shell: `main.ts`
 * asks this module first, so the most common health check loads nothing else. Any other argument
 * list (including `--version` beside other global options) goes through `runCli`, which prints
 * the same line.
 *
 * @module
 */

import { VERSION } from "../base/version.ts";

/**
 * The `--version` line when `argv` is exactly `--version` or `-V`, else null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "../base/version.ts";
 * import { versionRequest } from "./version_request.ts";
 * assert.equal(versionRequest(["--version"]), `carbon-ops ${VERSION}\n`);
 * assert.equal(versionRequest(["-V"]), `carbon-ops ${VERSION}\n`);
 * assert.equal(versionRequest(["--debug", "--version"]), null); // runCli answers this one
 * assert.equal(versionRequest(["ledger", "--version"]), null);
 * ```
 */
export function versionRequest(argv: readonly string[]): string | null {
  return argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")
    ? `carbon-ops ${VERSION}\n`
    : null;
}
