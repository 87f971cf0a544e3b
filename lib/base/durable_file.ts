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
 * A file being written in pieces that replaces `path` atomically and durably when committed
 * (the streaming form of `replaceFileAtomic`, which is built on it). The pieces go to a new
 * temporary file next to `path` (`<path>.tmp-<pid>-<random>`, created exclusively with `mode`).
 * Every `syncEveryBytes` written, an fdatasync of what is written so far starts in the background
 * (one at a time), so a large output (a 350 MB export of a million records) reaches the disk
 * while it is produced instead of all at once at `commit`, and its dirty pages stay bounded.
 * `commit` fsyncs, renames over `path` and fsyncs the directory; `abort` removes the temporary
 * file and leaves `path` as it was. Open one with `openFileReplacement`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFileReplacement } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir();
 * const out = await openFileReplacement(`${dir}/export.csv`, { syncEveryBytes: 4 });
 * await out.write(new TextEncoder().encode("a,b\r\n"));
 * await out.write(new TextEncoder().encode("1,2\r\n"));
 * await out.commit();
 * assert.equal(await Deno.readTextFile(`${dir}/export.csv`), "a,b\r\n1,2\r\n");
 * assert.ok(out.backgroundSyncs >= 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileReplacement {
  readonly #path: string;
  readonly #tmp: string;
  readonly #file: Deno.FsFile;
  readonly #syncEveryBytes: number;
  #unsyncedBytes = 0;
  #syncing: Promise<void> | null = null;
  #syncError: unknown = null;
  #backgroundSyncs = 0;
  #done = false;
  #closed = false;

  /** Use `openFileReplacement`. */
  constructor(path: string, tmp: string, file: Deno.FsFile, syncEveryBytes: number) {
    this.#path = path;
    this.#tmp = tmp;
    this.#file = file;
    this.#syncEveryBytes = syncEveryBytes;
  }

  /** Background fdatasyncs started so far. */
  get backgroundSyncs(): number {
    return this.#backgroundSyncs;
  }

  /** Appends all of `bytes`; throws when a background fdatasync failed. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#done) throw new Error(`${this.#tmp} is already committed or aborted`);
    this.#throwSyncError();
    let done = 0;
    while (done < bytes.length) done += await this.#file.write(bytes.subarray(done));
    this.#unsyncedBytes += bytes.length;
    if (this.#unsyncedBytes >= this.#syncEveryBytes && this.#syncing === null) {
      this.#unsyncedBytes = 0;
      this.#backgroundSyncs++;
      this.#syncing = this.#file.syncData().then(
        () => {
          this.#syncing = null;
        },
        (err) => {
          this.#syncing = null;
          this.#syncError ??= err;
        },
      );
    }
  }

  /** fsyncs, renames over the target, fsyncs the directory. On failure the temp file is removed. */
  async commit(): Promise<void> {
    if (this.#done) throw new Error(`${this.#tmp} is already committed or aborted`);
    this.#done = true;
    try {
      await this.#syncing;
      this.#throwSyncError();
      await this.#file.sync();
      this.#close();
      await Deno.rename(this.#tmp, this.#path);
    } catch (err) {
      await this.#discard();
      throw err;
    }
    await syncDir(parentDir(this.#path));
  }

  /** Closes and removes the temporary file; `path` keeps its content (no-op after `commit`). */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#discard();
  }

  async #discard(): Promise<void> {
    await this.#syncing;
    this.#close();
    await Deno.remove(this.#tmp).catch(() => {});
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }

  #throwSyncError(): void {
    if (this.#syncError !== null) {
      throw new Error(`cannot sync ${this.#tmp}: ${(this.#syncError as Error).message}`, {
        cause: this.#syncError,
      });
    }
  }
}

/**
 * Starts replacing `path` (see `FileReplacement`).
 *
 * @param options `mode` of the new file (default 0o644, exact: the umask does not apply),
 *   `syncEveryBytes` (default 8 MiB: how much is written between background fdatasyncs).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFileReplacement } from "./durable_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/report.html`, "old");
 * const out = await openFileReplacement(`${dir}/report.html`);
 * await out.write(new TextEncoder().encode("half"));
 * await out.abort();
 * assert.equal(await Deno.readTextFile(`${dir}/report.html`), "old");
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["report.html"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openFileReplacement(
  path: string,
  options: { mode?: number; syncEveryBytes?: number } = {},
): Promise<FileReplacement> {
  const mode = options.mode ?? 0o644;
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    await Deno.chmod(tmp, mode);
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  return new FileReplacement(path, tmp, file, options.syncEveryBytes ?? 8 * 1024 * 1024);
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
  const out = await openFileReplacement(path, {
    mode: options.mode ?? 0o644,
    syncEveryBytes: Infinity,
  });
  try {
    await out.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  } catch (err) {
    await out.abort();
    throw err;
  }
  await out.commit();
}
