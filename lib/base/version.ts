/**
 * The carbon-ops version, written into ledger records and `--version`. Kept equal to deno.json's
 * `version` (a test checks).
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`carbon-ops ${VERSION}`);
 * ```
 */
export const VERSION = "0.2.0";
