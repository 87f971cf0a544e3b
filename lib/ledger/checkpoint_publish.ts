/**
 * Publishing signed checkpoints off the host. Signatures cannot reveal a rollback on the host
 * itself (whoever can rewrite the ledger can re-sign it); a copy of each checkpoint held
 * elsewhere can, because `ledger verify --checkpoint` refuses a ledger that no longer extends it.
 *
 * Two kinds of target:
 *
 * - a **directory** (a mount of storage the host cannot rewrite later): the note is written to
 *   `<dir>/<origin file name>/<size, 20 digits>.checkpoint` and `<...>/latest.checkpoint`, each
 *   through THE atomic durable replace (`replaceFileAtomic`, mode 0644). A different note of the
 *   same size, or a size below the published latest, is refused and nothing is overwritten.
 * - an **http(s) URL**: `PUT <url>/<origin file name, percent-encoded>/<size, 20 digits>.checkpoint`
 *   with the note as a `text/plain; charset=utf-8` body and an optional bearer token (read from a
 *   private file, never from argv or the environment). 201 means stored, 200/204 already held;
 *   409/412 mean the server holds a different checkpoint of this size.
 *
 * The origin becomes a file name by percent-encoding every byte of its UTF-8 outside
 * `[A-Za-z0-9._-]` (`%XX`, uppercase hex); `.` and `..` become `%2E` and `%2E%2E`. The mapping is
 * injective and `decodeURIComponent` reverses it.
 *
 * @module
 */

import { replaceFileAtomic, syncDir } from "../base/durable_file.ts";
import { describeFileKind } from "../base/file_kind.ts";
import { type Checkpoint, parseCheckpointText } from "./checkpoint.ts";
import { writeFailed } from "./disk_full.ts";
import { bytesEqual } from "./encoding.ts";
import { readPrivateTextFile } from "./private_file.ts";
import { parseNote } from "./signed_note.ts";

/**
 * Default timeout of one HTTP publish (request and response), ms: 30 s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_PUBLISH_TIMEOUT_MS } from "./checkpoint_publish.ts";
 * assert.equal(DEFAULT_PUBLISH_TIMEOUT_MS, 30_000);
 * ```
 */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;

const LATEST_NAME = "latest.checkpoint";
const BODY_SNIPPET_BYTES = 200;

/**
 * The file (and URL path segment, before percent-encoding for the URL) that holds the
 * checkpoints of `origin`: every UTF-8 byte outside `[A-Za-z0-9._-]` becomes `%XX` (uppercase
 * hex), and `.` / `..` become `%2E` / `%2E%2E`. Two origins never share a name, the name never
 * contains `/` and is never `.` or `..`, and `decodeURIComponent(name)` gives the origin back.
 *
 * @param origin A ledger origin (non-empty).
 * @returns The file name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { originFileName } from "./checkpoint_publish.ts";
 * assert.equal(originFileName("example.org/host-01"), "example.org%2Fhost-01");
 * assert.equal(originFileName(".."), "%2E%2E");
 * assert.equal(decodeURIComponent(originFileName("zürich/1")), "zürich/1");
 * ```
 */
export function originFileName(origin: string): string {
  if (origin === "") throw new RangeError("a checkpoint origin is never empty");
  if (origin === ".") return "%2E";
  if (origin === "..") return "%2E%2E";
  let out = "";
  for (const byte of new TextEncoder().encode(origin)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function sizeFileName(size: number): string {
  return `${String(size).padStart(20, "0")}.checkpoint`;
}

/**
 * Where to publish: a directory path or an http(s) base URL, with the text it was given as.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePublishTarget, type PublishTarget } from "./checkpoint_publish.ts";
 * const target: PublishTarget = parsePublishTarget("/mnt/checkpoints/");
 * assert.equal(target.kind === "directory" && target.path, "/mnt/checkpoints");
 * ```
 */
export type PublishTarget =
  | {
    /** A directory (it must exist: a missing mount is an error, never a local directory). */
    readonly kind: "directory";
    /** As given on the command line. */
    readonly text: string;
    /** The path without trailing slashes. */
    readonly path: string;
  }
  | {
    /** An http(s) base URL. */
    readonly kind: "url";
    /** As given on the command line. */
    readonly text: string;
    /** The parsed URL (no credentials, query or fragment). */
    readonly url: URL;
  };

/**
 * Parses a `--publish` value: `http://` or `https://` is a base URL, anything else without a
 * `scheme://` is a directory path. Throws `RangeError` (saying what to give instead) for an empty
 * value, another scheme, a malformed URL, or a URL with credentials (use a token file), a query
 * or a fragment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePublishTarget } from "./checkpoint_publish.ts";
 * const url = parsePublishTarget("https://audit.example/checkpoints");
 * assert.equal(url.kind === "url" && url.url.host, "audit.example");
 * assert.equal(parsePublishTarget("published").kind, "directory");
 * assert.throws(() => parsePublishTarget("ftp://x/y"), /only http:\/\/ and https:\/\//);
 * assert.throws(() => parsePublishTarget("https://u:p@x/"), /--publish-token-file/);
 * ```
 */
export function parsePublishTarget(text: string): PublishTarget {
  if (text === "") throw new RangeError("a publish target is a directory path or an http(s) URL");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!scheme) return { kind: "directory", text, path: text.replace(/(?<=.)\/+$/, "") };
  const name = scheme[1].toLowerCase();
  if (name !== "http" && name !== "https") {
    throw new RangeError(
      `publish target '${text}' uses ${name}://; only http:// and https:// URLs and directory ` +
        "paths are supported (for a mounted file system give its path)",
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new RangeError(`publish target '${text}' is not a valid URL`, { cause: err });
  }
  if (url.username || url.password) {
    throw new RangeError(
      "publish URLs must not carry credentials (they would show in process lists and logs); " +
        "put a bearer token in a file and pass --publish-token-file",
    );
  }
  if (url.search || url.hash) {
    throw new RangeError(`publish URL '${text}' must not have a query or fragment`);
  }
  return { kind: "url", text, url };
}

/**
 * What one publish did: the target as given, where the note went (a file path or a URL), and
 * whether anything was stored (`written`) or the target already held this note (`unchanged`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublishResult } from "./checkpoint_publish.ts";
 * const r: PublishResult = { target: "/mnt/cp", location: "/mnt/cp/o/00000000000000000001.checkpoint", status: "written" };
 * assert.equal(r.status, "written");
 * ```
 */
export interface PublishResult {
  /** The target as given. */
  readonly target: string;
  /** The file written or the URL PUT to. */
  readonly location: string;
  /** `written` when stored now, `unchanged` when the target already held this exact note. */
  readonly status: "written" | "unchanged";
}

/**
 * Why a publish failed:
 * `CONFLICT` the target holds a different checkpoint of this size (or an unreadable latest),
 * `ROLLBACK` the target already holds a larger checkpoint, `TARGET_MISSING` the directory does
 * not exist or is not a directory, `IO` a file could not be read or written (disk full...),
 * `HTTP` a non-2xx answer, `TIMEOUT`, `NETWORK`, `INSECURE` a token would be sent over plain
 * http to another host, `MALFORMED_NOTE` the note is not a checkpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublishErrorCode } from "./checkpoint_publish.ts";
 * const code: PublishErrorCode = "ROLLBACK";
 * assert.equal(code, "ROLLBACK");
 * ```
 */
export type PublishErrorCode =
  | "CONFLICT"
  | "ROLLBACK"
  | "TARGET_MISSING"
  | "IO"
  | "HTTP"
  | "TIMEOUT"
  | "NETWORK"
  | "INSECURE"
  | "MALFORMED_NOTE";

/**
 * A checkpoint could not be published to one target. The message says what failed and what to
 * do; it never contains the bearer token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CheckpointPublishError } from "./checkpoint_publish.ts";
 * const e = new CheckpointPublishError("TIMEOUT", "https://x/", "PUT timed out", { hint: "retry" });
 * assert.equal(e.code, "TIMEOUT");
 * assert.equal(e.message, "PUT timed out; retry");
 * ```
 */
export class CheckpointPublishError extends Error {
  /** Why. */
  readonly code: PublishErrorCode;
  /** The target as given. */
  readonly target: string;
  /** The HTTP status, for `HTTP`. */
  readonly status: number | undefined;
  /**
   * Creates the error.
   *
   * @param code Why.
   * @param target The target as given.
   * @param message What failed.
   * @param options `hint` (next step, appended to the message), `status`, `cause`.
   */
  constructor(
    code: PublishErrorCode,
    target: string,
    message: string,
    options: { hint?: string; status?: number; cause?: unknown } = {},
  ) {
    super(options.hint ? `${message}; ${options.hint}` : message, { cause: options.cause });
    this.name = "CheckpointPublishError";
    this.code = code;
    this.target = target;
    this.status = options.status;
  }
}

/**
 * How to publish.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PublishOptions } from "./checkpoint_publish.ts";
 * const options: PublishOptions = { timeoutMs: 5000 };
 * assert.equal(options.token, undefined);
 * ```
 */
export interface PublishOptions {
  /** Bearer token for URL targets (default none: no `authorization` header). */
  readonly token?: string;
  /** Timeout of one HTTP publish, request and response body, ms (default 30 000). */
  readonly timeoutMs?: number;
  /** HTTP transport (default `globalThis.fetch`). */
  readonly fetch?: typeof globalThis.fetch;
  /** Cancels an HTTP publish (default none). */
  readonly signal?: AbortSignal;
}

/**
 * Reads a bearer token from a file that only its owner may access (mode 0600 or stricter; the
 * same rule as private key files), without its trailing newline. Refuses a group- or
 * world-readable file with the `chmod` to run, an empty token and one with spaces or control
 * characters; messages never contain the token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPublishToken } from "./checkpoint_publish.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/token`, "abc123\n");
 * await Deno.chmod(`${dir}/token`, 0o600);
 * assert.equal(await loadPublishToken(`${dir}/token`), "abc123");
 * await Deno.chmod(`${dir}/token`, 0o644);
 * await assert.rejects(() => loadPublishToken(`${dir}/token`), /chmod 600/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPublishToken(path: string): Promise<string> {
  const token = (await readPrivateTextFile(path, { what: "token file" })).replace(/\r?\n$/, "");
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new RangeError(
      `token file ${path}: must hold one bearer token (printable ASCII, no spaces) and an ` +
        "optional final newline",
    );
  }
  return token;
}

function parsePublishedNote(note: string, target: string): Checkpoint {
  try {
    return parseCheckpointText(parseNote(note).text);
  } catch (err) {
    throw new CheckpointPublishError(
      "MALFORMED_NOTE",
      target,
      `not publishing: the note is not a signed checkpoint (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/**
 * Publishes one signed checkpoint note (as `writeCheckpoint` writes it) to `target`, a directory
 * or an http(s) base URL (see the module documentation for the layout and protocol). Idempotent:
 * publishing the same note again reports `unchanged`. Never overwrites a different checkpoint.
 *
 * @param note The signed note text.
 * @param target A `--publish` value or a parsed target.
 * @param options Token, timeout, transport, cancel signal.
 * @returns What was done.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishCheckpoint } from "./checkpoint_publish.ts";
 * import { signCheckpoint } from "./checkpoint.ts";
 * import { generateSigningKey } from "./keys.ts";
 * const key = generateSigningKey();
 * const note = signCheckpoint({ origin: "example.org/host-01", size: 3, root: new Uint8Array(32) }, key);
 * const dir = await Deno.makeTempDir();
 * const first = await publishCheckpoint(note, dir);
 * assert.equal(first.status, "written");
 * assert.equal(first.location, `${dir}/example.org%2Fhost-01/00000000000000000003.checkpoint`);
 * assert.equal(await Deno.readTextFile(first.location), note);
 * assert.equal((await publishCheckpoint(note, dir)).status, "unchanged");
 * const older = signCheckpoint({ origin: "example.org/host-01", size: 2, root: new Uint8Array(32) }, key);
 * await assert.rejects(() => publishCheckpoint(older, dir), /already holds size 3/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function publishCheckpoint(
  note: string,
  target: string | PublishTarget,
  options: PublishOptions = {},
): Promise<PublishResult> {
  let parsed: PublishTarget;
  try {
    parsed = typeof target === "string" ? parsePublishTarget(target) : target;
  } catch (err) {
    throw new CheckpointPublishError("TARGET_MISSING", String(target), (err as Error).message, {
      cause: err,
    });
  }
  const cp = parsePublishedNote(note, parsed.text);
  return parsed.kind === "directory"
    ? await publishToDirectory(note, cp, parsed)
    : await publishToUrl(note, cp, parsed, options);
}

async function readIfExists(path: string, target: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new CheckpointPublishError(
      "IO",
      target,
      `cannot read ${path}: ${(err as Error).message}`,
      {
        hint: "check the target's permissions and mount",
        cause: err,
      },
    );
  }
}

function conflictDetail(existing: string, cp: Checkpoint): string {
  try {
    const old = parseCheckpointText(parseNote(existing).text);
    if (old.origin === cp.origin && old.size === cp.size && bytesEqual(old.root, cp.root)) {
      return "the same tree with different signature lines";
    }
    return "a different tree: two checkpoints of one size are evidence of a fork or rollback";
  } catch {
    return "a note that is not a readable checkpoint";
  }
}

async function publishToDirectory(
  note: string,
  cp: Checkpoint,
  target: Extract<PublishTarget, { kind: "directory" }>,
): Promise<PublishResult> {
  const dir = target.path;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (err) {
    throw new CheckpointPublishError(
      "TARGET_MISSING",
      target.text,
      `publish directory ${dir} ${
        err instanceof Deno.errors.NotFound ? "does not exist" : `cannot be used (${err})`
      }`,
      {
        hint: "mount the off-host storage there (or create the directory); it is never created " +
          "here, so a missing mount cannot silently become a local copy",
        cause: err,
      },
    );
  }
  if (!info.isDirectory) {
    throw new CheckpointPublishError(
      "TARGET_MISSING",
      target.text,
      `publish target ${dir} is ${describeFileKind(info)}, not a directory`,
      { hint: "give the directory where the off-host storage is mounted" },
    );
  }
  const originDir = `${dir === "/" ? "" : dir}/${originFileName(cp.origin)}`;
  const path = `${originDir}/${sizeFileName(cp.size)}`;
  const latestPath = `${originDir}/${LATEST_NAME}`;
  const ioHint = "fix the target (space, permissions, mount), then publish again with " +
    "'carbon-ops ledger publish DIR --publish TARGET'";
  try {
    const created = await Deno.mkdir(originDir, { mode: 0o755 }).then(() => true, (err) => {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      throw err;
    });
    if (created) await syncDir(dir);
  } catch (err) {
    const failed = writeFailed(`creating ${originDir}`, err, ioHint);
    throw new CheckpointPublishError("IO", target.text, failed.message, { cause: err });
  }
  const latest = await readIfExists(latestPath, target.text);
  const conflictHint = "nothing was overwritten; keep both notes and compare them " +
    "('carbon-ops ledger verify DIR --trust FILE --checkpoint FILE' with each) before publishing again";
  if (latest !== null && latest !== note) {
    let held: Checkpoint;
    try {
      held = parseCheckpointText(parseNote(latest).text);
    } catch (err) {
      throw new CheckpointPublishError(
        "CONFLICT",
        target.text,
        `${latestPath} is not a readable checkpoint`,
        { hint: "inspect it; nothing was overwritten", cause: err },
      );
    }
    if (held.origin !== cp.origin) {
      throw new CheckpointPublishError(
        "CONFLICT",
        target.text,
        `${latestPath} is a checkpoint of origin '${held.origin}', not '${cp.origin}'`,
        { hint: "inspect it; nothing was overwritten" },
      );
    }
    if (held.size > cp.size) {
      throw new CheckpointPublishError(
        "ROLLBACK",
        target.text,
        `refusing to publish the checkpoint of size ${cp.size}: ${latestPath} already holds size ` +
          `${held.size}`,
        {
          hint: "a ledger that signs a smaller checkpoint than one it published was truncated or " +
            "rolled back; verify it with 'carbon-ops ledger verify DIR --trust FILE --checkpoint " +
            `${latestPath}'`,
        },
      );
    }
    if (held.size === cp.size) {
      throw new CheckpointPublishError(
        "CONFLICT",
        target.text,
        `${latestPath} already holds a different checkpoint of size ${cp.size} (` +
          `${conflictDetail(latest, cp)})`,
        { hint: conflictHint },
      );
    }
  }
  const existing = await readIfExists(path, target.text);
  if (existing !== null && existing !== note) {
    throw new CheckpointPublishError(
      "CONFLICT",
      target.text,
      `${path} already holds a different checkpoint of size ${cp.size} (` +
        `${conflictDetail(existing, cp)})`,
      { hint: conflictHint },
    );
  }
  let wrote = false;
  for (
    const [file, needed] of [[path, existing === null], [latestPath, latest !== note]] as const
  ) {
    if (!needed) continue;
    try {
      await replaceFileAtomic(file, note, { mode: 0o644 });
    } catch (err) {
      const failed = writeFailed(`writing ${file}`, err, ioHint);
      throw new CheckpointPublishError("IO", target.text, failed.message, { cause: err });
    }
    wrote = true;
  }
  return { target: target.text, location: path, status: wrote ? "written" : "unchanged" };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Up to `maxBytes` of the body as one line of text (the rest is discarded unread). */
async function bodySnippet(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch {
    // A body cut short (timeout, reset) still gives what arrived.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  // Control characters (newlines, escapes) become spaces: the snippet is one line of a message.
  return new TextDecoder().decode(bytes.subarray(0, maxBytes)).replace(/\p{Cc}+/gu, " ").trim();
}

async function publishToUrl(
  note: string,
  cp: Checkpoint,
  target: Extract<PublishTarget, { kind: "url" }>,
  options: PublishOptions,
): Promise<PublishResult> {
  const base = target.url.href.replace(/\/+$/, "");
  const location = `${base}/${encodeURIComponent(originFileName(cp.origin))}/${
    sizeFileName(cp.size)
  }`;
  const token = options.token;
  if (token !== undefined && target.url.protocol === "http:" && !isLoopback(target.url.hostname)) {
    throw new CheckpointPublishError(
      "INSECURE",
      target.text,
      `not sending the bearer token to ${target.url.host} over plain http`,
      { hint: "use an https:// URL (plain http is accepted only for loopback addresses)" },
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const retryHint = `the next run publishes it again; check the server with 'curl -s ${location}'`;
  const fetchFn = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFn(location, {
      method: "PUT",
      headers,
      body: note,
      signal,
      redirect: "manual",
    });
  } catch (err) {
    if (timeout.aborted) {
      throw new CheckpointPublishError(
        "TIMEOUT",
        target.text,
        `PUT ${location} timed out after ${timeoutMs} ms`,
        { hint: retryHint, cause: err },
      );
    }
    throw new CheckpointPublishError(
      "NETWORK",
      target.text,
      `PUT ${location} failed: ${(err as Error).message}`,
      { hint: retryHint, cause: err },
    );
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => {});
    return {
      target: target.text,
      location,
      status: response.status === 201 ? "written" : "unchanged",
    };
  }
  let snippet = await bodySnippet(response, BODY_SNIPPET_BYTES);
  if (token !== undefined && token !== "") snippet = snippet.replaceAll(token, "[token]");
  const said = snippet === "" ? "" : `: ${snippet}`;
  if (response.status === 409 || response.status === 412) {
    throw new CheckpointPublishError(
      "CONFLICT",
      target.text,
      `PUT ${location} answered ${response.status}: the server holds a different checkpoint of ` +
        `this size (${cp.size})${said}`,
      {
        status: response.status,
        hint:
          "two checkpoints of one size are evidence of a fork or rollback; fetch the server's " +
          "copy and compare before publishing again",
      },
    );
  }
  const redirect = response.status >= 300 && response.status < 400
    ? ` (redirect to ${response.headers.get("location") ?? "?"}: give the final URL)`
    : "";
  const auth = response.status === 401 || response.status === 403
    ? " (check --publish-token-file)"
    : "";
  throw new CheckpointPublishError(
    "HTTP",
    target.text,
    `PUT ${location} answered ${response.status}${redirect}${auth}${said}`,
    { status: response.status, hint: retryHint },
  );
}
