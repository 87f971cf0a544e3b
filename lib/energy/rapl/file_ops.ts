/**
 * Synchronous positioned reads on kept-open files (one `pread(2)` per read), behind a tiny
 * interface so tests can inject kernel behaviours a regular file cannot show (ENODEV on an open
 * handle after a driver unload, EACCES for root).
 *
 * @module
 */
import * as fs from "node:fs";

/**
 * Open/read/close on file descriptors. All calls are synchronous and may throw errno errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FileOps } from "./file_ops.ts";
 * // An in-memory file, as tests use to inject kernel behaviour.
 * const data = new TextEncoder().encode("12345\n");
 * const ops: FileOps = {
 *   open: () => 3,
 *   pread: (_fd, buf, position) => {
 *     const part = data.subarray(position, position + buf.length);
 *     buf.set(part);
 *     return part.length;
 *   },
 *   close: () => {},
 * };
 * const buf = new Uint8Array(4);
 * assert.equal(ops.pread(ops.open("/x"), buf, 2), 4);
 * assert.equal(new TextDecoder().decode(buf), "345\n");
 * ```
 */
export interface FileOps {
  /** Opens `path` read-only and returns a descriptor. */
  open(path: string): number;
  /** Reads up to `buf.length` bytes at byte `position` into `buf`; returns the count read. */
  pread(fd: number, buf: Uint8Array, position: number): number;
  /** Closes a descriptor (never throws). */
  close(fd: number): void;
}

/**
 * The real implementation: `node:fs` `openSync`/`readSync` with an explicit position, which Deno
 * implements as one `pread64` system call (no seek, and a fresh read of sysfs attributes at 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeFileOps } from "./file_ops.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "42\n");
 * const fd = nodeFileOps.open(path);
 * const buf = new Uint8Array(16);
 * assert.equal(nodeFileOps.pread(fd, buf, 0), 3);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, 2)), "42");
 * assert.equal(nodeFileOps.pread(fd, buf, 1), 2);
 * nodeFileOps.close(fd);
 * Deno.removeSync(path);
 * ```
 */
export const nodeFileOps: FileOps = Object.freeze({
  open: (path: string) => fs.openSync(path, "r"),
  pread: (fd: number, buf: Uint8Array, position: number) =>
    fs.readSync(fd, buf, 0, buf.length, position),
  close: (fd: number) => {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  },
});
