/**
 * Key files: loading (refusing private keys that group or others can access) and writing pairs: `NAME.key` (PKCS#8 PEM, 0600, never overwritten) and `NAME.pub`
 * (SPKI PEM, 0644), both synced with their directory.
 *
 * @module
 */

import { privateFileModeProblem } from "./private_file.ts";
import { describeFileKind } from "../base/file_kind.ts";
import { syncDir, writeFileDurable } from "../base/durable_file.ts";
import { permissionDeniedDetails } from "../base/permission_denied.ts";
import {
  privateKeyPem,
  publicKeyPem,
  type SigningKey,
  signingKeyFromPem,
  type VerifyingKey,
  verifyingKeyFromPem,
} from "./keys.ts";
import { verifierKeyString } from "./signed_note.ts";

/**
 * What `writeKeyPair` wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { writeKeyPair, type WrittenKeyPair } from "./key_files.ts";
 * const dir = await Deno.makeTempDir();
 * const written: WrittenKeyPair = await writeKeyPair(dir, generateSigningKey());
 * assert.equal(written.keyPath, `${dir}/ledger.key`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
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

/**
 * Names usable as a key file stem and a note key name: no whitespace, no `+`, no `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isValidKeyName } from "./key_files.ts";
 * assert.equal(isValidKeyName("host-01"), true);
 * assert.equal(isValidKeyName("../etc"), false);
 * ```
 */
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
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { writeKeyPair } from "./key_files.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * const written = await writeKeyPair(dir, key, { name: "host-01" });
 * assert.equal(written.kid, key.kid);
 * assert.match(written.verifierKey, /^host-01\+[0-9a-f]{8}\+/);
 * assert.equal((await Deno.stat(written.keyPath)).mode! & 0o777, 0o600);
 * await assert.rejects(() => writeKeyPair(dir, key, { name: "host-01" }));
 * await Deno.remove(dir, { recursive: true });
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

/**
 * Why a key file was refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyFileError, type KeyFileProblem } from "./key_files.ts";
 * const problem: KeyFileProblem = "NOT_FOUND";
 * assert.equal(new KeyFileError(problem, "/k.key", "missing", "run keygen").problem, "NOT_FOUND");
 * ```
 */
export type KeyFileProblem = "MODE" | "FORMAT" | "NOT_FOUND" | "EXISTS" | "UNREADABLE";

/**
 * A key file could not be used. `hint` is the next step (for MODE, the chmod to run).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyFileError } from "./key_files.ts";
 * const e = new KeyFileError("MODE", "/k.key", "readable by others", "chmod 600 /k.key");
 * assert.equal(e.problem, "MODE");
 * assert.equal(e.message, "key file /k.key: readable by others; chmod 600 /k.key");
 * ```
 */
export class KeyFileError extends Error {
  /** What is wrong. */
  readonly problem: KeyFileProblem;
  /** The file. */
  readonly path: string;
  /** What to do about it. */
  readonly hint: string;
  /**
   * Creates the error.
   *
   * @param problem Category.
   * @param path File path.
   * @param what Description.
   * @param hint Next step.
   */
  constructor(problem: KeyFileProblem, path: string, what: string, hint: string, cause?: unknown) {
    super(`key file ${path}: ${what}; ${hint}`, { cause });
    this.name = "KeyFileError";
    this.problem = problem;
    this.path = path;
    this.hint = hint;
  }
}

/**
 * Loads a private key file, refusing files that group or others can access (mode & 0o077) with
 * the `chmod` to run, and anything that is not an unencrypted Ed25519 PKCS#8 PEM. A path that is
 * not a regular file (a directory, `/dev/null`) is named as what it is (never with a `chmod`
 * hint); a file this user may not read is UNREADABLE with its owner, mode and the next step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { KeyFileError, loadSigningKey, writeKeyPair } from "./key_files.ts";
 * const dir = await Deno.makeTempDir();
 * const written = await writeKeyPair(dir, generateSigningKey());
 * assert.equal((await loadSigningKey(written.keyPath)).kid, written.kid);
 * await Deno.chmod(written.keyPath, 0o644);
 * await assert.rejects(() => loadSigningKey(written.keyPath), KeyFileError);
 * await assert.rejects(() => loadSigningKey("/dev/null"), /is a character device, not a key file/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      const { reason, nextStep } = permissionDeniedDetails(path);
      throw new KeyFileError("UNREADABLE", path, `cannot be read: ${reason}`, nextStep, err);
    }
    throw new KeyFileError(
      "NOT_FOUND",
      path,
      "does not exist",
      "check the path, or create one with 'carbon-ops keys generate --out DIR'",
      err,
    );
  }
  if (!info.isFile) {
    throw new KeyFileError(
      "FORMAT",
      path,
      `is ${describeFileKind(info)}, not a key file`,
      "give the path of a private key file from 'carbon-ops keys generate' (e.g. DIR/ledger.key)",
    );
  }
  const modeProblem = privateFileModeProblem(path, info);
  if (modeProblem) throw new KeyFileError("MODE", path, modeProblem.what, modeProblem.hint);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      const { reason, nextStep } = permissionDeniedDetails(path);
      throw new KeyFileError("UNREADABLE", path, `cannot be read: ${reason}`, nextStep, err);
    }
    throw new KeyFileError("UNREADABLE", path, "cannot be read", "check the file", err);
  }
  try {
    return signingKeyFromPem(text);
  } catch (err) {
    throw new KeyFileError(
      "FORMAT",
      path,
      "is not an Ed25519 PKCS#8 PEM private key",
      "use a key from 'carbon-ops keys generate'",
      err,
    );
  }
}

/**
 * Loads a public key file (SPKI PEM). Refuses (`FORMAT`) a key that is not an Ed25519 SPKI PEM,
 * and one whose point is of small order or non-canonically encoded (see `ed25519_point.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateSigningKey } from "./keys.ts";
 * import { loadVerifyingKey, writeKeyPair } from "./key_files.ts";
 * const dir = await Deno.makeTempDir();
 * const written = await writeKeyPair(dir, generateSigningKey());
 * assert.equal((await loadVerifyingKey(written.pubPath)).kid, written.kid);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadVerifyingKey(path: string): Promise<VerifyingKey> {
  try {
    return verifyingKeyFromPem(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof RangeError) {
      // A small-order or non-canonical point (ed25519_point.ts); the message says what to do.
      throw new KeyFileError(
        "FORMAT",
        path,
        "holds an unusable Ed25519 public key",
        err.message,
        err,
      );
    }
    throw new KeyFileError(
      "FORMAT",
      path,
      "is not an Ed25519 SPKI PEM public key",
      "use a .pub file from 'carbon-ops keys generate'",
      err,
    );
  }
}
