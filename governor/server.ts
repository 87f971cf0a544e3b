/**
 * The Unix socket adapter. The socket is bound inside a private 0700 directory next to the
 * target path, given its final mode and group, and only then hard-linked into place (link
 * refuses to replace anything), so nobody can connect while its permissions are not final. A non-socket file at
 * the path is never removed; a stale socket is replaced; a live one means "already running".
 * Every connection is bounded: line length, idle time, the time a request line may take from its
 * first byte, concurrent clients. When every slot is taken, a new client evicts the connection
 * that is doing least (the oldest incomplete request line, else the longest idle one), so slow or
 * idle clients cannot starve a well-behaved reader.
 *
 * @module
 */

import type { HandledRequest } from "./protocol.ts";
import { encodeErrorLine, type GovernorClientCounts } from "../lib/energy/wire.ts";
import { AlreadyRunningError, clearSocketPath, SocketPathError } from "./socket_path.ts";
import { acceptLoop } from "./accept_loop.ts";

export { AlreadyRunningError, SocketPathError } from "./socket_path.ts";

/**
 * Limits that a config reload may change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServerLimits } from "./server.ts";
 * const limits: ServerLimits = { maxClients: 16, idleTimeoutMs: 5_000, requestTimeoutMs: 2_000 };
 * assert.equal(limits.maxLineBytes, undefined); // the default applies
 * ```
 */
export interface ServerLimits {
  /**
   * Concurrent connections (default 256). When all are taken, a new connection evicts the one
   * with the oldest incomplete request line, else the longest idle one; only when every one is
   * being answered is the new one answered `too_many_clients` and closed.
   */
  readonly maxClients?: number;
  /** Longest request line in bytes (default 65536). */
  readonly maxLineBytes?: number;
  /** Close a connection with no complete read or write for this long (default 30000). */
  readonly idleTimeoutMs?: number;
  /**
   * Close a connection whose request line is not complete this long after its first byte
   * (default 5000), however steadily the bytes drip in.
   */
  readonly requestTimeoutMs?: number;
}

/**
 * Options of {@link GovernorServer.start}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServerOptions } from "./server.ts";
 * import { GovernorServer } from "./server.ts";
 * const dir = await Deno.makeTempDir();
 * const options: ServerOptions = { socketPath: `${dir}/g.sock`, mode: 0o600, maxClients: 1 };
 * const server = await GovernorServer.start(() => ({ line: "\n", error: false }), options);
 * assert.equal((await Deno.stat(`${dir}/g.sock`)).mode! & 0o777, 0o600);
 * await server.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ServerOptions extends ServerLimits {
  /** Socket path (required). */
  readonly socketPath: string;
  /** Permission bits (default 0o660). */
  readonly mode?: number;
  /** Group id to own the socket, or null to keep the process's group (default null). */
  readonly gid?: number | null;
  /** Where failed accepts (e.g. EMFILE) are logged, once per burst (default: nowhere). */
  readonly log?: (line: string) => void;
}

/** What the server knows of one connection, for deadlines and eviction. */
interface Client {
  /** When the pending (incomplete) request line got its first byte, or null when none. */
  lineStartMs: number | null;
  /** Last time a read or write completed. */
  lastActiveMs: number;
  /** Whether a response is being written. */
  answering: boolean;
}

/**
 * The client counters of a server that has served no one (also what `stats` reports before the
 * socket is bound).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_CLIENT_COUNTS } from "./server.ts";
 * assert.equal(NO_CLIENT_COUNTS.accepted, 0);
 * assert.ok(Object.isFrozen(NO_CLIENT_COUNTS));
 * ```
 */
export const NO_CLIENT_COUNTS: GovernorClientCounts = Object.freeze({
  active: 0,
  accepted: 0,
  rejected: 0,
  timedOut: 0,
  oversized: 0,
  badRequests: 0,
  requests: 0,
  evicted: 0,
  requestTimedOut: 0,
});

/**
 * A listening governor socket. Create with {@link GovernorServer.start}; `close` stops it and
 * removes the socket file if it is still ours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GovernorServer } from "./server.ts";
 * const dir = await Deno.makeTempDir();
 * const server = await GovernorServer.start(
 *   (line) => ({ line: line.toUpperCase() + "\n", error: false }),
 *   { socketPath: `${dir}/g.sock` },
 * );
 * const conn = await Deno.connect({ transport: "unix", path: `${dir}/g.sock` });
 * await conn.write(new TextEncoder().encode("ping\n"));
 * const buf = new Uint8Array(64);
 * const n = await conn.read(buf);
 * assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), "PING\n");
 * conn.close();
 * await server.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class GovernorServer {
  readonly #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  readonly #handle: (line: string) => HandledRequest;
  readonly #path: string;
  readonly #ino: number | null;
  readonly #conns = new Map<Deno.UnixConn, Client>();
  readonly #stop = new AbortController();
  readonly #log: (line: string) => void;
  #limits: Required<ServerLimits>;
  #accepting: Promise<unknown> = Promise.resolve();
  #closed = false;
  #c: { -readonly [K in keyof GovernorClientCounts]: number } = { ...NO_CLIENT_COUNTS };
  /** What happened at start: whether a stale socket was replaced. */
  readonly replacedStale: boolean;

  private constructor(
    listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>,
    handle: (line: string) => HandledRequest,
    path: string,
    ino: number | null,
    limits: Required<ServerLimits>,
    replacedStale: boolean,
    log: (line: string) => void,
  ) {
    this.#log = log;
    this.#listener = listener;
    this.#handle = handle;
    this.#path = path;
    this.#ino = ino;
    this.#limits = limits;
    this.replacedStale = replacedStale;
  }

  /**
   * Binds, sets mode and group, links into place, then starts accepting.
   *
   * @param handle Answers one request line (protocol.ts `handleRequestLine`).
   * @param options See {@link ServerOptions}.
   */
  static async start(
    handle: (line: string) => HandledRequest,
    options: ServerOptions,
  ): Promise<GovernorServer> {
    const path = options.socketPath;
    const slash = path.lastIndexOf("/");
    const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
    const state = await clearSocketPath(path);
    if (new TextEncoder().encode(path).length > 100) {
      throw new SocketPathError(
        path,
        `socket path ${path} is too long (Unix socket paths are limited to 107 bytes, and the ` +
          "temporary name used while binding needs a few more); choose a shorter --socket",
      );
    }
    // Bind inside a fresh 0700 directory on the same file system: nobody but us can connect
    // through that name, whatever the umask, until mode and group are set and the socket is
    // hard-linked into place (link, unlike rename, never replaces anything at the path).
    let privateDir: string;
    try {
      privateDir = await Deno.makeTempDir({ dir, prefix: ".carbon-ops-" });
    } catch (e) {
      throw new Error(`cannot create a temporary directory in ${dir} for the socket`, { cause: e });
    }
    const tmp = `${privateDir}/s`;
    let listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr> | null = null;
    let ino: number | null = null;
    try {
      listener = Deno.listen({ transport: "unix", path: tmp });
      await Deno.chmod(tmp, options.mode ?? 0o660);
      if (options.gid !== undefined && options.gid !== null) {
        await Deno.chown(tmp, null, options.gid);
      }
      try {
        await Deno.link(tmp, path);
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) throw new AlreadyRunningError(path);
        throw e;
      }
      ino = (await Deno.lstat(path)).ino;
    } catch (e) {
      listener?.close();
      throw e;
    } finally {
      await Deno.remove(privateDir, { recursive: true }).catch(() => {});
    }
    const server = new GovernorServer(
      listener,
      handle,
      path,
      ino,
      {
        maxClients: options.maxClients ?? 256,
        maxLineBytes: options.maxLineBytes ?? 65_536,
        idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
        requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      },
      state === "stale",
      options.log ?? (() => {}),
    );
    server.#accepting = acceptLoop(server.#listener, (conn) => server.#admit(conn), {
      what: `socket ${path}`,
      signal: server.#stop.signal,
      log: server.#log,
    });
    return server;
  }

  /** The socket path. */
  get path(): string {
    return this.#path;
  }

  /** Connection counters for `stats`. */
  counters(): GovernorClientCounts {
    return { ...this.#c, active: this.#conns.size };
  }

  /** Applies new limits (to new reads/connections) and, when given, a new mode and group. */
  async reconfigure(
    limits: ServerLimits & { mode?: number; gid?: number | null },
  ): Promise<void> {
    this.#limits = {
      maxClients: limits.maxClients ?? this.#limits.maxClients,
      maxLineBytes: limits.maxLineBytes ?? this.#limits.maxLineBytes,
      idleTimeoutMs: limits.idleTimeoutMs ?? this.#limits.idleTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs ?? this.#limits.requestTimeoutMs,
    };
    if (limits.mode !== undefined || (limits.gid !== undefined && limits.gid !== null)) {
      const info = await Deno.lstat(this.#path);
      if (info.ino !== this.#ino) {
        throw new Error(`${this.#path} is no longer this governor's socket`);
      }
      if (limits.mode !== undefined) await Deno.chmod(this.#path, limits.mode);
      if (limits.gid !== undefined && limits.gid !== null) {
        await Deno.chown(this.#path, null, limits.gid);
      }
    }
  }

  #admit(conn: Deno.UnixConn): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    // a loop, not an if: a reload may have lowered maxClients below the connections open
    while (this.#conns.size >= this.#limits.maxClients) {
      const victim = this.#victim();
      if (victim === null) {
        this.#c.rejected++;
        const bytes = new TextEncoder().encode(
          encodeErrorLine(
            "too_many_clients",
            `governor has ${this.#conns.size} clients; retry later`,
          ),
        );
        conn.write(bytes).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* already closed */ }
        });
        return;
      }
      this.#c.evicted++;
      this.#conns.delete(victim);
      try {
        victim.close();
      } catch { /* already closed */ }
    }
    this.#c.accepted++;
    const client: Client = { lineStartMs: null, lastActiveMs: performance.now(), answering: false };
    this.#conns.set(conn, client);
    this.#serve(conn, client).finally(() => {
      if (this.#conns.get(conn) === client) this.#conns.delete(conn);
      try {
        conn.close();
      } catch { /* already closed */ }
    });
  }

  /** The connection to evict for a new one: oldest incomplete line, else longest idle. */
  #victim(): Deno.UnixConn | null {
    let partial: [Deno.UnixConn, number] | null = null;
    let idle: [Deno.UnixConn, number] | null = null;
    for (const [conn, c] of this.#conns) {
      if (c.answering) continue;
      if (c.lineStartMs !== null) {
        if (partial === null || c.lineStartMs < partial[1]) partial = [conn, c.lineStartMs];
      } else if (idle === null || c.lastActiveMs < idle[1]) {
        idle = [conn, c.lastActiveMs];
      }
    }
    return partial?.[0] ?? idle?.[0] ?? null;
  }

  async #serve(conn: Deno.UnixConn, client: Client): Promise<void> {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const buf = new Uint8Array(16_384);
    let pending: Uint8Array[] = [];
    let pendingLen = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lineTimer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      client.lastActiveMs = performance.now();
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.#c.timedOut++;
        try {
          conn.close();
        } catch { /* closed */ }
      }, this.#limits.idleTimeoutMs);
    };
    // The request-line deadline runs from a line's first byte to its newline, whatever the pace.
    const lineStarted = () => {
      if (client.lineStartMs !== null) return;
      client.lineStartMs = performance.now();
      lineTimer = setTimeout(() => {
        this.#c.requestTimedOut++;
        try {
          conn.close();
        } catch { /* closed */ }
      }, this.#limits.requestTimeoutMs);
    };
    const lineDone = () => {
      client.lineStartMs = null;
      clearTimeout(lineTimer);
    };
    const send = async (text: string) => {
      const bytes = enc.encode(text);
      client.answering = true;
      try {
        for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
      } finally {
        client.answering = false;
      }
      arm();
    };
    const answer = async (bytes: Uint8Array) => {
      const line = dec.decode(bytes).replace(/\r$/, "");
      if (line.trim() === "") return;
      const res = this.#handle(line);
      this.#c.requests++;
      if (res.error) this.#c.badRequests++;
      await send(res.line);
    };
    arm();
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) {
          // end of input: a last request without its newline (printf | nc -U) is still answered
          if (pendingLen > 0) await answer(concat(pending, pendingLen));
          return;
        }
        arm();
        lineStarted(); // the bytes just read start a line unless one is already pending
        let start = 0;
        for (let i = 0; i < n; i++) {
          if (buf[i] !== 10) continue;
          const piece = buf.subarray(start, i);
          start = i + 1;
          lineDone();
          const total = pendingLen + piece.length;
          if (total > this.#limits.maxLineBytes) return await this.#oversized(send);
          let bytes: Uint8Array = piece;
          if (pendingLen > 0) {
            pending.push(piece);
            bytes = concat(pending, total);
            pending = [];
            pendingLen = 0;
          }
          await answer(bytes);
        }
        if (start < n) {
          lineStarted();
          pendingLen += n - start;
          if (pendingLen > this.#limits.maxLineBytes) return await this.#oversized(send);
          pending.push(buf.slice(start, n));
        }
      }
    } catch {
      // reset by peer, closed by the idle timer or by close(): just end this connection
    } finally {
      clearTimeout(timer);
      clearTimeout(lineTimer);
    }
  }

  async #oversized(send: (text: string) => Promise<void>): Promise<void> {
    this.#c.oversized++;
    this.#c.badRequests++;
    await send(
      encodeErrorLine(
        "line_too_long",
        `request line exceeds ${this.#limits.maxLineBytes} bytes; connection closed`,
      ),
    );
  }

  /** Stops accepting, closes every connection and removes the socket if it is still ours. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    try {
      this.#listener.close();
    } catch { /* closed */ }
    for (const c of this.#conns.keys()) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await this.#accepting;
    try {
      const info = await Deno.lstat(this.#path);
      if (info.isSocket && info.ino === this.#ino) await Deno.remove(this.#path);
    } catch { /* already gone */ }
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
