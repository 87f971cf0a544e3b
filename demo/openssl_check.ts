/**
 * Verifies one ledger record's signature with the `openssl` command (adapter): the PAE bytes are
 * built from the line, the signature decoded from base64url, and `openssl pkeyutl -verify
 * -rawin` does the check, so the verdict comes from a tool that is not ours.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** Outcome: `ran` false when openssl is missing. */
export interface OpensslVerdict {
  /** Whether openssl could be run. */
  readonly ran: boolean;
  /** Whether it printed "Signature Verified Successfully" and exited 0. */
  readonly ok: boolean;
  /** What openssl printed, or why it did not run. */
  readonly output: string;
}

/**
 * Checks `line` (one ledger record, no newline) against the SPKI PEM public key at `pubPath`.
 *
 * @example
 * ```ts ignore
 * import { opensslVerifyRecord } from "./openssl_check.ts";
 * console.log(await opensslVerifyRecord(line, "keys/demo.pub"));
 * ```
 */
export async function opensslVerifyRecord(line: string, pubPath: string): Promise<OpensslVerdict> {
  const sig = /,"sig":"([A-Za-z0-9_-]+)"/.exec(line);
  if (!sig) return { ran: false, ok: false, output: "the line has no sig member" };
  const type = "application/vnd.carbon-ops.ledger-record.v1+json";
  const payload = Buffer.from(line.replace(sig[0], ""));
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `),
    payload,
  ]);
  const dir = await Deno.makeTempDir({ prefix: "carbon-ops-openssl-" });
  try {
    await Deno.writeFile(`${dir}/pae.bin`, pae);
    await Deno.writeFile(`${dir}/sig.bin`, Buffer.from(sig[1], "base64url"));
    const out = await new Deno.Command("openssl", {
      args: [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        pubPath,
        "-rawin",
        "-in",
        `${dir}/pae.bin`,
        "-sigfile",
        `${dir}/sig.bin`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return {
      ran: true,
      ok: out.code === 0 && /Signature Verified Successfully/.test(text),
      output: text.trim(),
    };
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { ran: false, ok: false, output: "openssl is not installed" };
    }
    throw err;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
