/**
 * What may sit at the governor's socket path: nothing, a stale socket (replaced), a live
 * governor (refused: already running), or anything else (refused, never removed).
 *
 * @module
 */

/**
 * The socket path holds something that is not a socket; it is never removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SocketPathError } from "./socket_path.ts";
 * const err = new SocketPathError("/run/carbon-ops.sock", "/run/carbon-ops.sock is a directory");
 * assert.equal(err.name, "SocketPathError");
 * assert.equal(err.path, "/run/carbon-ops.sock");
 * ```
 */
export class SocketPathError extends Error {
  /** The path. */
  readonly path: string;
  /**
   * Creates the error.
   *
   * @param path The socket path.
   * @param message What is wrong and what to do.
   */
  constructor(path: string, message: string) {
    super(message);
    this.name = "SocketPathError";
    this.path = path;
  }
}

/**
 * Another governor is listening on the socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AlreadyRunningError } from "./socket_path.ts";
 * const err = new AlreadyRunningError("/run/carbon-ops.sock");
 * assert.equal(err.name, "AlreadyRunningError");
 * assert.match(err.message, /^another governor is already listening on \/run\/carbon-ops\.sock/);
 * ```
 */
export class AlreadyRunningError extends Error {
  /** The path. */
  readonly path: string;
  /**
   * Creates the error.
   *
   * @param path The socket path.
   */
  constructor(path: string) {
    super(
      `another governor is already listening on ${path}; stop it first ` +
        `(systemctl stop carbon-ops-governor) or choose another --socket`,
    );
    this.name = "AlreadyRunningError";
    this.path = path;
  }
}

/**
 * Checks the socket path before binding: absent, or a stale socket (removed), else throws
 * {@link SocketPathError} (not a socket) or {@link AlreadyRunningError} (a live listener).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clearSocketPath } from "./socket_path.ts";
 * assert.equal(await clearSocketPath("/tmp/no-such-carbon-ops.sock"), "absent");
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/g.sock`, "");
 * await assert.rejects(clearSocketPath(`${dir}/g.sock`), {
 *   name: "SocketPathError",
 *   message: /exists and is a file, not a socket; refusing to remove it/,
 * });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function clearSocketPath(path: string): Promise<"absent" | "stale"> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw e;
  }
  if (!info.isSocket) {
    const what = info.isDirectory ? "a directory" : info.isSymlink ? "a symbolic link" : "a file";
    throw new SocketPathError(
      path,
      `${path} exists and is ${what}, not a socket; refusing to remove it. ` +
        `Move it away or choose another --socket`,
    );
  }
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    throw new AlreadyRunningError(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.ConnectionRefused)) throw e;
  }
  // stale: nobody listens. Re-check it is still a socket right before removing it.
  const again = await Deno.lstat(path);
  if (!again.isSocket || again.ino !== info.ino) {
    throw new SocketPathError(path, `${path} changed while starting; try again`);
  }
  await Deno.remove(path);
  return "stale";
}
