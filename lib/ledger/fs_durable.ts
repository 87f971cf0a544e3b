/**
 * Small durability helpers: fsync a directory, write a file and sync it, replace a small file
 * atomically (temp file, fsync, rename, directory fsync).
 *
 * @module
 */

/**
 * fsyncs a directory so that entries created or renamed in it survive a crash.
 *
 * @example
 * ```ts
 * import { syncDir } from "./fs_durable.ts";
 * await syncDir(await Deno.makeTempDir());
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
 * import { writeFileDurable } from "./fs_durable.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileDurable(`${dir}/a.txt`, "hello\n", { mode: 0o600, createNew: true });
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
 * Replaces `path` atomically: writes `path.tmp-<pid>`, fsyncs, renames over `path`, fsyncs the
 * directory. For small files such as the latest checkpoint.
 *
 * @example
 * ```ts
 * import { replaceFileAtomic } from "./fs_durable.ts";
 * const dir = await Deno.makeTempDir();
 * await replaceFileAtomic(`${dir}/checkpoint`, "x\n");
 * ```
 */
export async function replaceFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  await writeFileDurable(tmp, data, { mode: options.mode ?? 0o644 });
  await Deno.rename(tmp, path);
  const slash = path.lastIndexOf("/");
  await syncDir(slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".");
}
