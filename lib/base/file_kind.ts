/**
 * What a file that is not a regular file is, for messages: "a directory", "a FIFO (named pipe)",
 * "a socket", "a character device", "a block device".
 *
 * @module
 */

/**
 * Describes a non-regular file for a message ("cannot use X: it is a character device").
 *
 * @param info The file's `Deno.stat`/`lstat` result.
 * @returns An article and a noun, or "not a regular file" for anything else that is not regular.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFileKind } from "./file_kind.ts";
 * assert.equal(describeFileKind(Deno.statSync("/dev/null")), "a character device");
 * const dir = Deno.makeTempDirSync();
 * assert.equal(describeFileKind(Deno.statSync(dir)), "a directory");
 * Deno.removeSync(dir);
 * ```
 */
export function describeFileKind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "not a regular file";
}
