/**
 * Messages for "permission denied" that say whose file it is, its mode, who is asking and what
 * to do next, instead of the bare OS error.
 *
 * @module
 */

function octal(mode: number | null): string {
  return ((mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
}

function parentOf(path: string): string {
  const cut = path.replace(/\/+$/, "").lastIndexOf("/");
  return cut > 0 ? path.slice(0, cut) : cut === 0 ? "/" : ".";
}

/**
 * Why an access to `path` was refused and what to do, for a message such as
 * `cannot read KEY: ${reason}; ${nextStep}`: the owner uid and mode of the file (or, when even
 * its metadata cannot be read, of the nearest directory that can be), the current uid, and the
 * next step (run as the owner or a group member, or have the owner grant access).
 *
 * @param path The file that was refused.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionDeniedDetails } from "./permission_denied.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   await Deno.writeTextFile(`${dir}/k.key`, "x");
 *   await Deno.chmod(`${dir}/k.key`, 0o600);
 *   const { reason, nextStep } = permissionDeniedDetails(`${dir}/k.key`);
 *   assert.match(reason, /^permission denied \(owner uid \d+, mode 0600\)/);
 *   assert.match(nextStep, /^run as the owner \(uid \d+\)/);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export function permissionDeniedDetails(path: string): { reason: string; nextStep: string } {
  const me = Deno.uid();
  const you = me === null ? "" : ` instead of uid ${me}`;
  let target = path;
  let info: Deno.FileInfo | null = null;
  for (let i = 0; i < 64 && info === null; i++) {
    try {
      info = Deno.statSync(target);
    } catch {
      info = null;
    }
    if (info === null) {
      const up = parentOf(target);
      if (up === target) break;
      target = up;
    }
  }
  if (info === null) {
    return {
      reason: "permission denied",
      nextStep: `run as a user who may access ${path}${you}`,
    };
  }
  const place = target === path ? "" : `directory ${target}: `;
  // Group members are worth naming only when the mode grants the group something.
  const group = ((info.mode ?? 0) & 0o070) === 0
    ? ""
    : ` or a member of its group (gid ${info.gid})`;
  return {
    reason: `permission denied (${place}owner uid ${info.uid}, mode ${octal(info.mode)})`,
    nextStep: `run as the owner (uid ${info.uid})${group}${you}, or have the owner grant ` +
      "this user access (chown, or chmod for the group)",
  };
}

/**
 * `Deno.open(path, options)`, except that "permission denied" becomes a
 * `Deno.errors.PermissionDenied` whose message says `cannot ACTION PATH`, the owner and mode
 * (`permissionDeniedDetails`) and the next step, with the OS error as `cause`.
 *
 * @param path File to open.
 * @param options As for `Deno.open`.
 * @param action What the open is for, e.g. `open the ledger for appending`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openExplained } from "./permission_denied.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   using file = await openExplained(`${dir}/a.txt`, { write: true, create: true }, "create");
 *   assert.equal(await file.write(new Uint8Array([1])), 1);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function openExplained(
  path: string,
  options: Deno.OpenOptions,
  action: string,
): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, options);
  } catch (err) {
    if (!(err instanceof Deno.errors.PermissionDenied)) throw err;
    const { reason, nextStep } = permissionDeniedDetails(path);
    throw new Deno.errors.PermissionDenied(`cannot ${action} ${path}: ${reason}; ${nextStep}`, {
      cause: err,
    });
  }
}
