/**
 * Durable file writes: fsync a directory, write a file and fsync it, and THE atomic replace of a
 * file (temp file in the same directory with the requested mode, fsync, rename over the target,
 * directory fsync). Every state file, report and export that must never be seen half-written
 * goes through `replaceFileAtomic`: a crash leaves the old content or the new, never a mix.
 *
 * @module
 */

/**
 * The directory that holds `path` (a POSIX path), for the directory fsync after a rename: like
 * `node:path`'s `dirname` (it names the same directory; it also drops repeated slashes before the
 * last name), written here because importing any `node:` module costs a command about 15 ms of
 * its cold start (docs/architecture.md), and the commands that only write a report or an export
 * load nothing else from Node.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parentDir } from "./durable_file.ts";
 * assert.equal(parentDir("/var/lib/carbon-ops/ledger.jsonl"), "/var/lib/carbon-ops");
 * assert.equal(parentDir("report.html"), ".");
 * assert.equal(parentDir("/report.html"), "/");
 * ```
 */
export function parentDir(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  const slash = path.lastIndexOf("/", end - 1);
  if (slash < 0) return ".";
  let cut = slash;
  while (cut > 0 && path[cut - 1] === "/") cut--;
  return cut === 0 ? "/" : path.slice(0, cut);
}

/**
 * fsyncs a directory so that entries created or renamed in it survive a crash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syncDir } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir();
 * await syncDir(dir);
 * assert.equal((await Deno.stat(dir)).isDirectory, true);
 * await Deno.remove(dir);
 * ```
 */
export async function syncDir(path: string): Promise<void> {
  const dir = await Deno.open(path, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}

/**
 * Writes `data` to `path` with `mode`, then fsyncs the file (not its directory).
 *
 * @param options `mode` (default 0o644; applied with chmod so the umask cannot widen or narrow
 *   it), `createNew` (default false: fail when the file exists).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileDurable } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileDurable(`${dir}/a.txt`, "hello\n", { mode: 0o600, createNew: true });
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "hello\n");
 * assert.equal((await Deno.stat(`${dir}/a.txt`)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileDurable(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; createNew?: boolean } = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const file = await Deno.open(path, {
    write: true,
    create: !options.createNew,
    createNew: options.createNew ?? false,
    truncate: true,
    mode,
  });
  try {
    await Deno.chmod(path, mode);
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
    await file.sync();
  } finally {
    file.close();
  }
}

/**
 * Replaces `path` atomically and durably: writes a new temporary file next to it
 * (`<path>.tmp-<pid>-<random>`, created exclusively with `mode`), fsyncs it, renames it over
 * `path`, then fsyncs the directory. Readers see the old content or the new, never a torn file;
 * after a crash the same holds. On any failure before the rename completes the temporary file is
 * removed, `path` keeps its old content, and the error is rethrown.
 *
 * @param options `mode` of the new file (default 0o644, exact: the umask does not apply).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaceFileAtomic } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir();
 * await replaceFileAtomic(`${dir}/state.json`, "{}\n", { mode: 0o640 });
 * await replaceFileAtomic(`${dir}/state.json`, '{"v":1}\n', { mode: 0o640 });
 * assert.equal(await Deno.readTextFile(`${dir}/state.json`), '{"v":1}\n');
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["state.json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function replaceFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await writeFileDurable(tmp, data, { mode: options.mode ?? 0o644, createNew: true });
    await Deno.rename(tmp, path);
  } catch (err) {
    // Never remove a file this call did not create.
    if (!(err instanceof Deno.errors.AlreadyExists)) await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  await syncDir(parentDir(path));
}
