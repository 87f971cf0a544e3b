/**
 * Files that must be private to their owner (a signing key, a bearer token): the one rule that
 * refuses a file group or others can access (`mode & 0o077`), with the `chmod` to run, and a
 * reader for small secret text files built on it.
 *
 * @module
 */

import { describeFileKind } from "../base/file_kind.ts";
import { permissionDeniedDetails } from "../base/permission_denied.ts";

/**
 * What is wrong with a file's mode for a private file, or null when only its owner may access it.
 *
 * @param path The file (named in the hint).
 * @param info Its `Deno.stat` result.
 * @returns `what` ("is accessible by group or others (mode 0644)") and `hint`
 *   ("run: chmod 600 PATH"), or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { privateFileModeProblem } from "./private_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t`, "x");
 * await Deno.chmod(`${dir}/t`, 0o640);
 * assert.deepEqual(privateFileModeProblem(`${dir}/t`, await Deno.stat(`${dir}/t`)), {
 *   what: "is accessible by group or others (mode 0640)",
 *   hint: `run: chmod 600 ${dir}/t`,
 * });
 * await Deno.chmod(`${dir}/t`, 0o600);
 * assert.equal(privateFileModeProblem(`${dir}/t`, await Deno.stat(`${dir}/t`)), null);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function privateFileModeProblem(
  path: string,
  info: Deno.FileInfo,
): { what: string; hint: string } | null {
  const mode = (info.mode ?? 0) & 0o777;
  if ((mode & 0o077) === 0) return null;
  return {
    what: `is accessible by group or others (mode ${mode.toString(8).padStart(4, "0")})`,
    hint: `run: chmod 600 ${path}`,
  };
}

/**
 * Reads a small secret text file (a bearer token) that must be private to its owner. Refuses with
 * an error whose message names the file, what is wrong and the next step (never the content): a
 * missing file (`Deno.errors.NotFound`), one this user may not read (`Deno.errors.PermissionDenied`
 * with its owner, mode and what to do), and, as a plain `Error`, a path that is not a regular
 * file, a file group or others can access (`privateFileModeProblem`) and one larger than
 * `maxBytes`.
 *
 * @param path The file.
 * @param options `what` names the file in messages (default "secret file"); `maxBytes` (default
 *   65536).
 * @returns The file's text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPrivateTextFile } from "./private_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/token`, "s3cret\n", { mode: 0o600 });
 * await Deno.chmod(`${dir}/token`, 0o600);
 * assert.equal(await readPrivateTextFile(`${dir}/token`), "s3cret\n");
 * await Deno.chmod(`${dir}/token`, 0o644);
 * await assert.rejects(
 *   () => readPrivateTextFile(`${dir}/token`, { what: "token file" }),
 *   /^Error: token file .*: is accessible by group or others \(mode 0644\); run: chmod 600 /,
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPrivateTextFile(
  path: string,
  options: { what?: string; maxBytes?: number } = {},
): Promise<string> {
  const what = options.what ?? "secret file";
  const maxBytes = options.maxBytes ?? 65536;
  const message = (problem: string, hint: string) => `${what} ${path}: ${problem}; ${hint}`;
  const refuse = (problem: string, hint: string, cause?: unknown) =>
    new Error(message(problem, hint), { cause });
  const unreadable = (err: unknown) => {
    if (err instanceof Deno.errors.PermissionDenied) {
      const { reason, nextStep } = permissionDeniedDetails(path);
      return new Deno.errors.PermissionDenied(message(`cannot be read: ${reason}`, nextStep), {
        cause: err,
      });
    }
    if (err instanceof Deno.errors.NotFound) {
      return new Deno.errors.NotFound(message("does not exist", "check the path"), { cause: err });
    }
    return refuse(`cannot be read (${(err as Error).message})`, "check the file", err);
  };
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    throw unreadable(err);
  }
  if (!info.isFile) {
    throw refuse(`is ${describeFileKind(info)}`, `give the path of a regular file`);
  }
  const modeProblem = privateFileModeProblem(path, info);
  if (modeProblem) throw refuse(modeProblem.what, modeProblem.hint);
  if (info.size > maxBytes) {
    throw refuse(`is ${info.size} bytes, more than ${maxBytes}`, "check the path");
  }
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw unreadable(err);
  }
}
