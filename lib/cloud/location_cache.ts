/**
 * The location cached per boot: a small state file keyed by the kernel's boot id
 * (`<procRoot>/sys/kernel/random/boot_id`) and by the detection inputs (DMI directory, metadata
 * URL and mode), written with the project's atomic replace. The instance type and region cannot
 * change without a stop/start, which is a new boot, so one detection per boot is enough. A
 * detection whose metadata request failed is not cached: the next run asks again.
 *
 * @module
 */

import { dirname } from "node:path";
import { replaceFileAtomic } from "../base/durable_file.ts";
import { type HostLocation, locationFromJson, locationJson } from "./location.ts";

/**
 * The default cache file: `/var/lib/carbon-ops/location.json` for root, else
 * `$XDG_STATE_HOME/carbon-ops/location.json` (`~/.local/state/...` when unset).
 *
 * @param who `uid` (default: the process's, or 0 where unknown) and `env` (default: empty).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLocationCachePath } from "./location_cache.ts";
 * assert.equal(defaultLocationCachePath({ uid: 0 }), "/var/lib/carbon-ops/location.json");
 * assert.equal(
 *   defaultLocationCachePath({ uid: 1000, env: { HOME: "/home/ada" } }),
 *   "/home/ada/.local/state/carbon-ops/location.json",
 * );
 * assert.equal(
 *   defaultLocationCachePath({ uid: 1000, env: { XDG_STATE_HOME: "/s", HOME: "/home/ada" } }),
 *   "/s/carbon-ops/location.json",
 * );
 * ```
 */
export function defaultLocationCachePath(
  who: { uid?: number | null; env?: Readonly<Record<string, string>> } = {},
): string {
  const uid = who.uid === undefined ? Deno.uid() : who.uid;
  if (uid === 0 || uid === null) return "/var/lib/carbon-ops/location.json";
  const env = who.env ?? {};
  const state = env.XDG_STATE_HOME || `${env.HOME || "/tmp"}/.local/state`;
  return `${state}/carbon-ops/location.json`;
}

/**
 * Reads the boot id, or null when it cannot be read (then nothing is cached).
 *
 * @param procRoot procfs root (default `/proc`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBootId } from "./location_cache.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/sys/kernel/random`, { recursive: true });
 * await Deno.writeTextFile(`${root}/sys/kernel/random/boot_id`, "1b6c6e8c-0000-4000-8000-000000000001\n");
 * assert.equal(await readBootId(root), "1b6c6e8c-0000-4000-8000-000000000001");
 * assert.equal(await readBootId(`${root}/none`), null);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readBootId(procRoot = "/proc"): Promise<string | null> {
  try {
    const id = (await Deno.readTextFile(`${procRoot}/sys/kernel/random/boot_id`)).trim();
    return id === "" ? null : id;
  } catch {
    return null;
  }
}

/**
 * Options of `cachedLocation`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LocationCacheOptions } from "./location_cache.ts";
 * const options: LocationCacheOptions = { path: "/tmp/location.json", key: "dmi=/sys/class/dmi/id" };
 * assert.equal(options.refresh, undefined);
 * ```
 */
export interface LocationCacheOptions {
  /** The cache file (see `defaultLocationCachePath`). */
  readonly path: string;
  /** What the detection depends on (DMI root, metadata URL and mode); another key is a miss. */
  readonly key: string;
  /** procfs root for the boot id (default `/proc`). */
  readonly procRoot?: string;
  /** Detect again even when the cache matches (default false); the new result is stored. */
  readonly refresh?: boolean;
}

/**
 * A location and how the cache was involved: `hit` (read from the cache, no detection), `stored`
 * (detected and saved), `not-stored` (detected; not saved, `detail` says why), `failed` (detected;
 * saving failed, `detail` says why).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CachedLocation } from "./location_cache.ts";
 * const status: CachedLocation["cache"] = "hit";
 * assert.equal(status, "hit");
 * ```
 */
export interface CachedLocation {
  /** The detected (or cached) location. */
  readonly location: HostLocation;
  /** `hit`, `stored`, `not-stored` or `failed`. */
  readonly cache: "hit" | "stored" | "not-stored" | "failed";
  /** Why it was not stored or could not be; the cache file otherwise. */
  readonly detail: string;
}

interface CacheFile {
  readonly v: 1;
  readonly boot_id: string;
  readonly key: string;
  readonly location: unknown;
}

async function readCache(path: string): Promise<CacheFile | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CacheFile> | null;
    if (
      parsed?.v !== 1 || typeof parsed.boot_id !== "string" || typeof parsed.key !== "string"
    ) return null;
    return parsed as CacheFile;
  } catch {
    return null; // a damaged cache is a miss; the next store replaces it
  }
}

/**
 * Returns the cached location when the cache file's boot id and key match this boot and these
 * inputs; otherwise runs `detect` and stores its result (unless its metadata request failed, or
 * the boot id is unreadable). A damaged or foreign cache file is a miss. A failed write is
 * reported in the result, never thrown: the location is still good.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cachedLocation } from "./location_cache.ts";
 * import type { HostLocation } from "./location.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/proc/sys/kernel/random`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/proc/sys/kernel/random/boot_id`, "boot-1\n");
 * let detections = 0;
 * const detect = (): Promise<HostLocation> => {
 *   detections++;
 *   return Promise.resolve({
 *     provider: null,
 *     instanceType: null,
 *     region: null,
 *     zone: null,
 *     regionId: null,
 *     dmi: "no DMI directory",
 *     metadata: { status: "skipped", provider: null, detail: "DMI names no cloud" },
 *     notes: [],
 *   });
 * };
 * const options = { path: `${dir}/state/location.json`, key: "k", procRoot: `${dir}/proc` };
 * assert.equal((await cachedLocation(detect, options)).cache, "stored");
 * assert.equal((await cachedLocation(detect, options)).cache, "hit");
 * assert.equal(detections, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cachedLocation(
  detect: () => Promise<HostLocation>,
  options: LocationCacheOptions,
): Promise<CachedLocation> {
  const bootId = await readBootId(options.procRoot ?? "/proc");
  if (bootId !== null && !options.refresh) {
    const cached = await readCache(options.path);
    if (cached && cached.boot_id === bootId && cached.key === options.key) {
      try {
        return { location: locationFromJson(cached.location), cache: "hit", detail: options.path };
      } catch {
        // A cache written by something else: detect again and replace it.
      }
    }
  }
  const location = await detect();
  if (bootId === null) {
    return { location, cache: "not-stored", detail: "the boot id is unreadable" };
  }
  if (location.metadata.status === "failed") {
    return {
      location,
      cache: "not-stored",
      detail: "the metadata service gave no answer; the next run asks again",
    };
  }
  const file: CacheFile = {
    v: 1,
    boot_id: bootId,
    key: options.key,
    location: locationJson(location),
  };
  try {
    await Deno.mkdir(dirname(options.path), { recursive: true });
    await replaceFileAtomic(options.path, JSON.stringify(file, null, 2) + "\n", { mode: 0o644 });
  } catch (err) {
    return {
      location,
      cache: "failed",
      detail: `cannot write ${options.path} (${(err as Error).message}); set another cache path`,
    };
  }
  return { location, cache: "stored", detail: options.path };
}
