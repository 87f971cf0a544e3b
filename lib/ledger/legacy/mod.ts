/**
 * Python carbon-ops 0.1 ledgers (signed NDJSON): verify one byte for byte against its pinned
 * public key, and import a verified one into a v1 ledger (`legacy_import_begin` note, one
 * emission record per entry, `legacy_import_end` note; safe to re-run). The Python-compatible
 * JSON reader and writer behind it are internal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyLegacyLedger } from "./mod.ts";
 * const bytes = new TextEncoder().encode('{"a": 1}\n');
 * const report = verifyLegacyLedger(bytes, { publicKeyHex: "11".repeat(32) });
 * assert.equal(report.ok, false);
 * assert.equal(report.problem?.code, "BAD_LAYOUT");
 * assert.equal(report.verifiedEntries, 0);
 * ```
 *
 * @module
 */

export {
  type LegacyEntry,
  type LegacyErrorCode,
  type LegacyFlag,
  type LegacyFlagCode,
  type LegacyKeyRange,
  type LegacyProblem,
  type LegacyReport,
  verifyLegacyLedger,
} from "./legacy.ts";
export type { PyJson } from "./legacy_json.ts";
export { type AssumedPeriod, type LegacyMapOptions, parseAssumedPeriod } from "./legacy_import.ts";
export { importLegacyLedger, type LegacyImportResult } from "./legacy_import_run.ts";
export type { Clock } from "../../base/clock.ts";
