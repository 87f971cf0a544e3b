/**
 * Resolves a group name to its numeric id from an `/etc/group`-format file (no libc access in
 * Deno), so the socket can be chowned to the group that may read energy.
 *
 * @module
 */

/**
 * Finds `group` (a name, or a decimal gid) in `/etc/group` text. Returns null when absent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseGroupId } from "./unix_group.ts";
 * assert.equal(parseGroupId("root:x:0:\ncarbon-users:x:998:alice\n", "carbon-users"), 998);
 * assert.equal(parseGroupId("root:x:0:\n", "carbon-users"), null);
 * ```
 */
export function parseGroupId(groupFileText: string, group: string): number | null {
  if (/^[0-9]+$/.test(group)) return Number(group);
  for (const line of groupFileText.split("\n")) {
    const fields = line.split(":");
    if (fields.length >= 3 && fields[0] === group && /^[0-9]+$/.test(fields[2])) {
      return Number(fields[2]);
    }
  }
  return null;
}

/**
 * Reads `groupFile` (default `/etc/group`) and resolves `group`, throwing `Error` that says how
 * to create the group when it does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveGroupId } from "./unix_group.ts";
 * assert.equal(await resolveGroupId("0"), 0); // a number is taken as is
 * const groupFile = await Deno.makeTempFile();
 * await Deno.writeTextFile(groupFile, "carbon-users:x:998:alice\n");
 * assert.equal(await resolveGroupId("carbon-users", { groupFile }), 998);
 * await assert.rejects(resolveGroupId("nobody-here", { groupFile }), /groupadd --system nobody-here/);
 * await Deno.remove(groupFile);
 * ```
 */
export async function resolveGroupId(
  group: string,
  options: { groupFile?: string } = {},
): Promise<number> {
  const file = options.groupFile ?? "/etc/group";
  if (/^[0-9]+$/.test(group)) return Number(group);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new Error(`cannot read ${file} to resolve group '${group}'`, { cause: e });
  }
  const gid = parseGroupId(text, group);
  if (gid === null) {
    throw new Error(
      `group '${group}' does not exist in ${file}; create it (groupadd --system ${group}) ` +
        `or pass --group with an existing group`,
    );
  }
  return gid;
}
