/**
 * The carbon-ops version, written into ledger records and `--version`. Kept equal to deno.json's
 * `version` (a test checks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "./version.ts";
 * assert.match(VERSION, /^\d+\.\d+\.\d+$/);
 * assert.equal(`carbon-ops ${VERSION}`, "carbon-ops 0.3.0");
 * ```
 */
export const VERSION = "0.3.0";
