/**
 * Writing key pairs to disk: `NAME.key` (PKCS#8 PEM, 0600, never overwritten) and `NAME.pub`
 * (SPKI PEM, 0644), both synced with their directory.
 *
 * @module
 */

import { syncDir, writeFileDurable } from "./fs_durable.ts";
import { KeyFileError, privateKeyPem, publicKeyPem, type SigningKey } from "./keys.ts";
import { verifierKeyString } from "./signed_note.ts";

/** What `writeKeyPair` wrote. */
export interface WrittenKeyPair {
  /** Path of the private key (PKCS#8 PEM, mode 0600). */
  readonly keyPath: string;
  /** Path of the public key (SPKI PEM). */
  readonly pubPath: string;
  /** Record key id (hex SHA-256 of the SPKI DER). */
  readonly kid: string;
  /** C2SP verifier key string `<noteName>+<keyid>+<base64>` for checkpoints signed under `noteName`. */
  readonly verifierKey: string;
}

/** Names usable as a key file stem and a note key name: no whitespace, no `+`, no `/`. */
export function isValidKeyName(name: string): boolean {
  return /^[^\s+/\\]+$/u.test(name) && name !== "." && name !== "..";
}

/**
 * Writes `dir/name.key` and `dir/name.pub` for `key`. Refuses to overwrite an existing file.
 *
 * @param dir Directory (created 0700 when missing).
 * @param key The key pair.
 * @param options `name` file stem (default "ledger"); `noteName` the signed-note key name used
 *   in the verifier key string (default `name`; for checkpoints, the ledger origin).
 * @example
 * ```ts ignore
 * import { generateSigningKey } from "./keys.ts";
 * import { writeKeyPair } from "./key_files.ts";
 * const written = await writeKeyPair("/tmp/keys", generateSigningKey(), { name: "host-01" });
 * console.log(written.verifierKey);
 * ```
 */
export async function writeKeyPair(
  dir: string,
  key: SigningKey,
  options: { name?: string; noteName?: string } = {},
): Promise<WrittenKeyPair> {
  const name = options.name ?? "ledger";
  if (!isValidKeyName(name)) {
    throw new RangeError(`key name '${name}' must not contain whitespace, '+', '/' or '\\'`);
  }
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const keyPath = `${dir}/${name}.key`;
  const pubPath = `${dir}/${name}.pub`;
  for (const path of [keyPath, pubPath]) {
    const exists = await Deno.lstat(path).then(() => true, () => false);
    if (exists) {
      throw new KeyFileError(
        "EXISTS",
        path,
        "already exists",
        "choose another --name or --out; keys are never overwritten",
      );
    }
  }
  await writeFileDurable(keyPath, privateKeyPem(key), { mode: 0o600, createNew: true });
  await writeFileDurable(pubPath, publicKeyPem(key), { mode: 0o644, createNew: true });
  await syncDir(dir);
  return {
    keyPath,
    pubPath,
    kid: key.kid,
    verifierKey: verifierKeyString(options.noteName ?? name, key.publicRaw),
  };
}
