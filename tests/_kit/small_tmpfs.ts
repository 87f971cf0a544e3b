/**
 * A real ENOSPC needs a small file system: a 64 KiB tmpfs, which needs root to mount. Tests that
 * fill a disk use `CAN_MOUNT_TMPFS` (for `ignore:`, with `TMPFS_IGNORED_REASON` in the name) and
 * `onSmallTmpfs`, which always unmounts.
 */
import assert from "node:assert/strict";

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

/** Size of the test file system. */
export const TMPFS_SIZE = "64k";

const probe = await Deno.makeTempDir({ prefix: "carbon-ops-enospc-probe-" });
/** Whether this process can mount a tmpfs (root, and mount permitted). */
export const CAN_MOUNT_TMPFS =
  await run("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", probe]) &&
  await run("umount", [probe]);
await Deno.remove(probe);

/** Appended to a test's name when it is skipped for want of a tmpfs. */
export const TMPFS_IGNORED_REASON = CAN_MOUNT_TMPFS
  ? ""
  : " (ignored: needs root to mount a 64 KiB tmpfs)";

/** Mounts a 64 KiB tmpfs at `mnt` (created) for `fn`, and always unmounts it. */
export async function onSmallTmpfs(mnt: string, fn: () => Promise<void>): Promise<void> {
  await Deno.mkdir(mnt, { recursive: true });
  assert.ok(
    await run("mount", ["-t", "tmpfs", "-o", `size=${TMPFS_SIZE}`, "tmpfs", mnt]),
    "mount tmpfs",
  );
  try {
    await fn();
  } finally {
    await run("umount", [mnt]);
  }
}
