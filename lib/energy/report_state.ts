/**
 * The report state file: loaded and saved atomically (temporary file, fsync, rename, directory
 * fsync), guarded by an exclusive lock on `<state>.lock` held for the whole report run.
 *
 * @module
 */

import { replaceFileAtomic } from "../base/durable_file.ts";
import { parseReportState, type ReportState } from "./report_period.ts";

/**
 * Loads the state, or null when the file does not exist.
 *
 * @throws {SyntaxError} when the file exists but is not a valid state (it is left untouched).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadReportState } from "./report_state.ts";
 * assert.equal(await loadReportState("/nonexistent/state.json"), null); // first run: no state
 * ```
 */
export async function loadReportState(path: string): Promise<ReportState | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  try {
    return parseReportState(text);
  } catch (err) {
    throw new SyntaxError(
      `state file ${path} is damaged (${(err as Error).message}); move it aside to start a new ` +
        "baseline (the ledger keeps every period already reported)",
      { cause: err },
    );
  }
}

/**
 * Writes the state atomically and durably (`replaceFileAtomic`: temporary file in the same
 * directory, fsync, rename, directory fsync; mode 0644).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadReportState, saveReportState } from "./report_state.ts";
 * const dir = await Deno.makeTempDir();
 * const state = {
 *   v: 1,
 *   instance: "a",
 *   total_uj: "0",
 *   time: "2026-01-01T00:00:00.000Z",
 *   events: 0,
 * } as const;
 * await saveReportState(`${dir}/s.json`, state);
 * assert.deepEqual(await loadReportState(`${dir}/s.json`), state);
 * assert.ok((await Deno.readTextFile(`${dir}/s.json`)).startsWith('{\n  "v": 1,'));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveReportState(path: string, state: ReportState): Promise<void> {
  await replaceFileAtomic(path, JSON.stringify(state, null, 2) + "\n");
}

/**
 * Runs `fn` while holding an exclusive lock on `<path>.lock` (waits for another holder).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withStateLock } from "./report_state.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await withStateLock(`${dir}/s.json`, () => Promise.resolve(42)), 42);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withStateLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = await Deno.open(`${path}.lock`, {
    read: true,
    write: true,
    create: true,
    mode: 0o644,
  });
  try {
    await lock.lock(true);
    return await fn();
  } finally {
    try {
      await lock.unlock();
    } catch {
      // closing releases it anyway
    }
    lock.close();
  }
}
