/**
 * Persisted totals: written atomically (temporary file, fsync, rename, directory fsync) so a
 * crash leaves either the old or the new state, never a torn file.
 *
 * @module
 */

import { parsePersistedState, type PersistedState } from "./persisted_state.ts";

/**
 * Writes `state` to `path` atomically with mode 0640.
 *
 * @example
 * ```ts
 * import { loadState, saveState } from "./state_file.ts";
 * const dir = await Deno.makeTempDir();
 * await saveState(`${dir}/s.json`, { v: 1, instance: "a", savedAtMs: 0, domains: {} });
 * console.log((await loadState(`${dir}/s.json`, 0)).state?.instance); // "a"
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveState(path: string, state: PersistedState): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o640 });
  try {
    const bytes = new TextEncoder().encode(JSON.stringify(state) + "\n");
    for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
    await file.sync();
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  file.close();
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

/**
 * Reads persisted totals. A missing file gives `state: null`; an unreadable or corrupt one gives
 * `state: null` with a `warning`, and a corrupt file is kept aside as `<path>.corrupt-<ms>` so
 * it is never silently overwritten.
 *
 * @example
 * ```ts
 * import { loadState } from "./state_file.ts";
 * console.log((await loadState("/nonexistent/state.json", 0)).state); // null
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
