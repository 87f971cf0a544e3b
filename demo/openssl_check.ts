/**
 * Verifies one ledger record's signature with the `openssl` command (adapter): the PAE bytes are
 * built from the line, the signature decoded from base64url, and `openssl pkeyutl -verify
 * -rawin` does the check, so the verdict comes from a tool that is not ours.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/**
 * Outcome: `ran` false when openssl is missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpensslVerdict } from "./openssl_check.ts";
 * import { opensslVerifyRecord } from "./openssl_check.ts";
 * const verdict: OpensslVerdict = await opensslVerifyRecord('{"unsigned":true}', "/nonexistent.pem");
 * assert.deepEqual(verdict, { ran: false, ok: false, output: "the line has no sig member" });
 * ```
 */
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { Buffer } from "node:buffer";
 * import { opensslVerifyRecord } from "./openssl_check.ts";
 * // Sign a one-member record the way the ledger does (DSSE PAE over the line without "sig").
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const payload = '{"n":1}';
 * const type = "application/vnd.carbon-ops.ledger-record.v1+json";
 * const pae = `DSSEv1 ${type.length} ${type} ${payload.length} ${payload}`;
 * const sig = sign(null, Buffer.from(pae), privateKey).toString("base64url");
 * const pubPath = await Deno.makeTempFile({ suffix: ".pem" });
 * await Deno.writeTextFile(pubPath, publicKey.export({ type: "spki", format: "pem" }).toString());
 * const verdict = await opensslVerifyRecord(`{"n":1,"sig":"${sig}"}`, pubPath);
 * if (verdict.ran) assert.equal(verdict.ok, true); // else openssl is not installed here
 * const tampered = await opensslVerifyRecord(`{"n":2,"sig":"${sig}"}`, pubPath);
 * assert.equal(tampered.ok, false);
 * assert.deepEqual(await opensslVerifyRecord('{"n":1}', pubPath), {
 *   ran: false,
 *   ok: false,
 *   output: "the line has no sig member",
 * });
 * await Deno.remove(pubPath);
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
  return await opensslVerifyBytes(pubPath, pae, Buffer.from(sig[1], "base64url"));
}

/**
 * Checks the Ed25519 `signature` over `message` against the SPKI PEM public key at `pubPath`
 * with `openssl pkeyutl -verify -rawin` (the bytes go through a temporary directory).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateKeyPairSync, sign } from "node:crypto";
 * import { opensslVerifyBytes } from "./openssl_check.ts";
 * const { privateKey, publicKey } = generateKeyPairSync("ed25519");
 * const message = new TextEncoder().encode("DSSEv1 4 test 5 hello");
 * const signature = sign(null, message, privateKey);
 * const pubPath = await Deno.makeTempFile({ suffix: ".pem" });
 * await Deno.writeTextFile(pubPath, publicKey.export({ type: "spki", format: "pem" }).toString());
 * const verdict = await opensslVerifyBytes(pubPath, message, signature);
 * if (verdict.ran) assert.equal(verdict.ok, true); // else openssl is not installed here
 * const tampered = await opensslVerifyBytes(pubPath, new Uint8Array([...message, 0x20]), signature);
 * assert.equal(tampered.ok, false);
 * await Deno.remove(pubPath);
 * ```
 */
export async function opensslVerifyBytes(
  pubPath: string,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<OpensslVerdict> {
  const dir = await Deno.makeTempDir({ prefix: "carbon-ops-openssl-" });
  try {
    await Deno.writeFile(`${dir}/msg.bin`, message);
    await Deno.writeFile(`${dir}/sig.bin`, signature);
    const out = await new Deno.Command("openssl", {
      args: [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        pubPath,
        "-rawin",
        "-in",
        `${dir}/msg.bin`,
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
