/**
 * Client for the governor's Unix socket (protocol v1, newline-delimited JSON). Unprivileged
 * processes in the socket's group read exact energy totals through it. Every line it writes is
 * encoded, and every line it reads is decoded (strictly), by `wire.ts`.
 *
 * @module
 */

import {
  decodeResponseLine,
  encodeRequestLine,
  type GovernorDomainInfo,
  type GovernorHealth,
  type GovernorReading,
  type GovernorStats,
  type GovernorWorkloads,
  type Op,
  type ResponseDecoding,
  type ResponseValues,
} from "./wire.ts";

/**
 * Default socket path of the governor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_GOVERNOR_SOCKET } from "./governor_client.ts";
 * assert.equal(DEFAULT_GOVERNOR_SOCKET, "/run/carbon-ops.sock");
 * ```
 */
export const DEFAULT_GOVERNOR_SOCKET = "/run/carbon-ops.sock";

/**
 * Why the governor could not be used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorUnavailableReason } from "./governor_client.ts";
 * import { GovernorClient, GovernorUnavailableError } from "./governor_client.ts";
 * const client = new GovernorClient({ socketPath: "/nonexistent.sock" });
 * const reason: GovernorUnavailableReason | null = await client.read().then(
 *   () => null,
 *   (e) => (e instanceof GovernorUnavailableError ? e.reason : null),
 * );
 * assert.equal(reason, "not_running");
 * client.close();
 * ```
 */
export type GovernorUnavailableReason =
  | "not_running"
  | "permission_denied"
  | "timeout"
  | "closed"
  | "protocol"
  | "error_response";

/**
 * The governor could not answer: not running, not allowed, too slow, or it spoke something other
 * than protocol v1. Callers branch on `reason` (e.g. fall back to a power model).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GovernorClient, GovernorUnavailableError } from "./governor_client.ts";
 * const client = new GovernorClient({ socketPath: "/nonexistent/carbon-ops.sock" });
 * await assert.rejects(client.read(), (e) => {
 *   assert.ok(e instanceof GovernorUnavailableError);
 *   assert.equal(e.reason, "not_running");
 *   assert.match(e.message, /^no governor is running at \/nonexistent\/carbon-ops\.sock/);
 *   return true;
 * });
 * client.close();
 * ```
 */
export class GovernorUnavailableError extends Error {
  /** Category, for branching. */
  readonly reason: GovernorUnavailableReason;
  /** The socket path tried. */
  readonly socketPath: string;
  /** The governor's error code when `reason` is `error_response`. */
  readonly code: string | undefined;
  /**
   * Creates the error.
   *
   * @param message What failed and what to do next.
   * @param details `reason`, `socketPath` (required), `code` (default none) and `cause`.
   */
  constructor(
    message: string,
    details: {
      reason: GovernorUnavailableReason;
      socketPath: string;
      code?: string;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = "GovernorUnavailableError";
    this.reason = details.reason;
    this.socketPath = details.socketPath;
    this.code = details.code;
  }
}

/**
 * Options of {@link GovernorClient}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorClientOptions } from "./governor_client.ts";
 * import { GovernorClient } from "./governor_client.ts";
 * // A listener that accepts but never answers: the request times out.
 * const dir = await Deno.makeTempDir();
 * const listener = Deno.listen({ transport: "unix", path: `${dir}/g.sock` });
 * const accepted = listener.accept();
 * const options: GovernorClientOptions = { socketPath: `${dir}/g.sock`, timeoutMs: 50 };
 * const client = new GovernorClient(options);
 * await assert.rejects(client.read(), { name: "GovernorUnavailableError", reason: "timeout" });
 * client.close();
 * (await accepted).close();
 * listener.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface GovernorClientOptions {
  /** Socket path (default `/run/carbon-ops.sock`). */
  readonly socketPath?: string;
  /** Timeout per request including connecting, ms (default 1000). */
  readonly timeoutMs?: number;
  /**
   * Longest response line accepted, bytes (default 1 MiB; a `workloads` answer, which grows with
   * the number of workloads, may be up to 64 times this).
   */
  readonly maxResponseBytes?: number;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * Talks protocol v1 to the governor over one connection, reconnecting after failures. Requests
 * are serialised; each has a timeout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GovernorClient } from "./governor_client.ts";
 * const client = new GovernorClient({ socketPath: "/nonexistent.sock", timeoutMs: 200 });
 * const reading = await client.read().catch(() => null);
 * assert.equal(reading, null); // no governor at that path
 * client.close();
 * ```
 */
export class GovernorClient {
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  // the connection and the bytes read from it past the last line, dropped together
  #link: { conn: Deno.UnixConn; buffer: Uint8Array } | null = null;
  // one read buffer per client, reused by every request (requests are serialised)
  readonly #chunk = new Uint8Array(16_384);
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Creates a client; nothing connects until the first request.
   *
   * @param options See {@link GovernorClientOptions}.
   */
  constructor(options: GovernorClientOptions = {}) {
    this.#path = options.socketPath ?? DEFAULT_GOVERNOR_SOCKET;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#maxBytes = options.maxResponseBytes ?? 1 << 20;
  }

  /** The socket path. */
  get socketPath(): string {
    return this.#path;
  }

  /** Reads the current totals. */
  read(): Promise<GovernorReading> {
    return this.request("read");
  }

  /** Describes the domains: kind, hierarchy, host-total membership, counter modulus and unit. */
  async domains(): Promise<GovernorDomainInfo[]> {
    return [...(await this.request("domains")).domains];
  }

  /** Asks whether the numbers can be trusted right now. */
  health(): Promise<GovernorHealth> {
    return this.request("health");
  }

  /** Asks how the daemon is doing: tick timing, client counters, memory. */
  stats(): Promise<GovernorStats> {
    return this.request("stats");
  }

  /**
   * Reads the per-workload energy totals (op `workloads`): per domain the host energy and each
   * bucket's exact share, which sum to it. Throws {@link GovernorUnavailableError} like every
   * request; with `code` `"workloads_off"` when the governor attributes nothing (no cgroup root,
   * or `attributionIntervalMs` 0), and `code` `"unknown_op"` with a message that says to upgrade
   * it when the governor predates the op.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { GovernorClient, GovernorUnavailableError } from "./governor_client.ts";
   * // A governor from before the `workloads` op answers unknown_op.
   * const dir = await Deno.makeTempDir();
   * const listener = Deno.listen({ transport: "unix", path: `${dir}/g.sock` });
   * const serving = (async () => {
   *   const conn = await listener.accept();
   *   await conn.read(new Uint8Array(256));
   *   const error = { code: "unknown_op", message: "unknown op 'workloads'" };
   *   await conn.write(new TextEncoder().encode(JSON.stringify({ v: 1, ok: false, error }) + "\n"));
   *   conn.close();
   * })();
   * const client = new GovernorClient({ socketPath: `${dir}/g.sock` });
   * await assert.rejects(client.workloads(), (e) => {
   *   assert.ok(e instanceof GovernorUnavailableError);
   *   assert.equal(e.code, "unknown_op");
   *   assert.match(e.message, /does not attribute workloads: upgrade it/);
   *   return true;
   * });
   * client.close();
   * await serving;
   * listener.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async workloads(): Promise<GovernorWorkloads> {
    try {
      return await this.request("workloads");
    } catch (e) {
      if (e instanceof GovernorUnavailableError && e.code === "unknown_op") {
        throw new GovernorUnavailableError(
          `the governor at ${this.#path} does not attribute workloads: upgrade it (it predates ` +
            "the 'workloads' op of protocol v1; its other answers stay valid)",
          { reason: "error_response", socketPath: this.#path, code: e.code, cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * Sends `{"v":1,"op":op}` and returns the decoded answer (typed, camelCase, bigints). Throws
   * {@link GovernorUnavailableError} on any failure, `protocol` for an answer that is not
   * protocol v1 (the message names the field).
   */
  request<O extends Op>(op: O): Promise<ResponseValues[O]> {
    const run = this.#queue.then(() => this.#exchange(op), () => this.#exchange(op));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #exchange<O extends Op>(op: O): Promise<ResponseValues[O]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // once expired, nothing of this exchange may touch the client's connection again
    const token = { expired: false };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        token.expired = true;
        this.#drop();
        reject(
          new GovernorUnavailableError(
            `governor at ${this.#path} did not answer '${op}' within ${this.#timeoutMs} ms`,
            { reason: "timeout", socketPath: this.#path },
          ),
        );
      }, this.#timeoutMs);
    });
    const attempt = async () => {
      const reused = this.#link !== null;
      try {
        return await this.#roundTrip(op, token);
      } catch (e) {
        // the governor closes idle connections: retry a reused one once on a fresh connection
        // (every v1 op is read-only, so repeating it is safe)
        const closed = e instanceof GovernorUnavailableError && e.reason === "closed";
        if (token.expired || !reused || !closed) throw e;
        this.#drop();
        return await this.#roundTrip(op, token);
      }
    };
    try {
      return await Promise.race([attempt(), timeout]);
    } catch (e) {
      this.#drop();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async #roundTrip<O extends Op>(
    op: O,
    token: { expired: boolean },
  ): Promise<ResponseValues[O]> {
    let link = this.#link;
    if (link === null) {
      const conn = await this.#connect();
      if (token.expired) {
        conn.close(); // the caller already got its timeout; do not leave this connection behind
        throw this.#closed(null);
      }
      link = this.#link = { conn, buffer: new Uint8Array(0) };
    }
    const conn = link.conn;
    const bytes = ENCODER.encode(encodeRequestLine({ op }));
    try {
      for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    } catch (e) {
      throw this.#closed(e);
    }
    const limit = op === "workloads" ? this.#maxBytes * 64 : this.#maxBytes;
    const line = await this.#readLine(link, limit);
    let r: ResponseDecoding<O>;
    try {
      r = decodeResponseLine(op, line);
    } catch (e) {
      return this.#protocol(e instanceof Error ? e.message : String(e), e);
    }
    if (!r.ok) {
      throw new GovernorUnavailableError(
        `governor refused '${op}': ${r.error.message}`,
        { reason: "error_response", socketPath: this.#path, code: r.error.code },
      );
    }
    return r.value;
  }

  async #connect(): Promise<Deno.UnixConn> {
    try {
      return await Deno.connect({ transport: "unix", path: this.#path });
    } catch (e) {
      if (e instanceof Deno.errors.PermissionDenied) {
        throw new GovernorUnavailableError(
          `not allowed to connect to ${this.#path}: join the socket's group ` +
            `(usermod -aG carbon-users $USER, then log in again)`,
          { reason: "permission_denied", socketPath: this.#path, cause: e },
        );
      }
      throw new GovernorUnavailableError(
        `no governor is running at ${this.#path}: start it (systemctl start ` +
          `carbon-ops-governor, or carbon-ops governor) or pass the right --socket`,
        { reason: "not_running", socketPath: this.#path, cause: e },
      );
    }
  }

  async #readLine(
    link: { conn: Deno.UnixConn; buffer: Uint8Array },
    maxBytes: number,
  ): Promise<string> {
    const chunk = this.#chunk;
    for (;;) {
      const nl = link.buffer.indexOf(10);
      if (nl >= 0) {
        const line = DECODER.decode(link.buffer.subarray(0, nl));
        link.buffer = link.buffer.slice(nl + 1);
        return line;
      }
      if (link.buffer.length > maxBytes) {
        return this.#protocol(`response longer than ${maxBytes} bytes`);
      }
      let n: number | null;
      try {
        n = await link.conn.read(chunk);
      } catch (e) {
        throw this.#closed(e);
      }
      if (n === null) throw this.#closed(null);
      if (link.buffer.length === 0) {
        // the usual case: one whole response in one read, nothing left over
        const end = chunk.subarray(0, n).indexOf(10);
        if (end === n - 1) return DECODER.decode(chunk.subarray(0, end));
      }
      const next = new Uint8Array(link.buffer.length + n);
      next.set(link.buffer);
      next.set(chunk.subarray(0, n), link.buffer.length);
      link.buffer = next;
    }
  }

  #closed(cause: unknown): GovernorUnavailableError {
    return new GovernorUnavailableError(
      `governor at ${this.#path} closed the connection (is it stopping?)`,
      { reason: "closed", socketPath: this.#path, cause },
    );
  }

  #protocol(what: string, cause?: unknown): never {
    throw new GovernorUnavailableError(
      `governor at ${this.#path} does not speak protocol v1: ${what}; upgrade the client or daemon`,
      { reason: "protocol", socketPath: this.#path, cause },
    );
  }

  #drop(): void {
    try {
      this.#link?.conn.close();
    } catch { /* already closed */ }
    this.#link = null;
  }

  /** Closes the connection (the next request reconnects). */
  close(): void {
    this.#drop();
  }
}
