/**
 * Persisted totals: written atomically (temporary file, fsync, rename, directory fsync) so a
 * crash leaves either the old or the new state, never a torn file.
 *
 * @module
 */

import { replaceFileAtomic } from "../../base/durable_file.ts";
import { parsePersistedState, type PersistedState } from "./persisted_state.ts";

/**
 * Writes `state` to `path` atomically with mode 0640.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadState, saveState } from "./state_file.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   const domains = { "package-0": { totalUj: "123", wraps: 1, resets: 0, discarded: 0 } };
 *   await saveState(`${dir}/s.json`, { v: 1, instance: "a", savedAtMs: 0, domains });
 *   assert.equal((await Deno.stat(`${dir}/s.json`)).mode! & 0o777, 0o640);
 *   const { state, warning } = await loadState(`${dir}/s.json`, 0);
 *   assert.equal(state?.instance, "a");
 *   assert.equal(state?.domains["package-0"].totalUj, "123");
 *   assert.equal(warning, null);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function saveState(path: string, state: PersistedState): Promise<void> {
  await replaceFileAtomic(path, JSON.stringify(state) + "\n", { mode: 0o640 });
}

/**
 * Reads persisted totals. A missing file gives `state: null`; an unreadable or corrupt one gives
 * `state: null` with a `warning`, and a corrupt file is kept aside as `<path>.corrupt-<ms>` so
 * it is never silently overwritten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadState } from "./state_file.ts";
 * assert.deepEqual(await loadState("/nonexistent/state.json", 0), { state: null, warning: null });
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(`${dir}/s.json`, "{not json");
 *   const { state, warning } = await loadState(`${dir}/s.json`, 7);
 *   assert.equal(state, null);
 *   assert.match(warning ?? "", /is corrupt .*kept as .*s\.json\.corrupt-7/);
 *   assert.ok((await Deno.stat(`${dir}/s.json.corrupt-7`)).isFile);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function loadState(
  path: string,
  nowMs: number,
): Promise<{ state: PersistedState | null; warning: string | null }> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { state: null, warning: null };
    return {
      state: null,
      warning: `cannot read state ${path} (${
        e instanceof Error ? e.message : e
      }); totals start at 0`,
    };
  }
  try {
    return { state: parsePersistedState(JSON.parse(text)), warning: null };
  } catch (e) {
    const aside = `${path}.corrupt-${nowMs}`;
    await Deno.rename(path, aside).catch(() => {});
    return {
      state: null,
      warning: `state ${path} is corrupt (${
        e instanceof Error ? e.message : e
      }); kept as ${aside}; totals start at 0`,
    };
  }
}
