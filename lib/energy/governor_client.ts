/**
 * Client for the governor's Unix socket (protocol v1, newline-delimited JSON). Unprivileged
 * processes in the socket's group read exact energy totals through it.
 *
 * @module
 */

/** Default socket path of the governor. */
export const DEFAULT_GOVERNOR_SOCKET = "/var/run/carbon-ops.sock";

/** Why the governor could not be used. */
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
 * import { GovernorClient, GovernorUnavailableError } from "./governor_client.ts";
 * const client = new GovernorClient({ socketPath: "/nonexistent/carbon-ops.sock" });
 * try {
 *   await client.read();
 * } catch (e) {
 *   if (e instanceof GovernorUnavailableError) console.log(e.reason); // "not_running"
 * }
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

/** One domain in a {@link GovernorReading}. */
export interface GovernorDomainReading {
  /** Energy since the governor started counting (or since persisted totals began), uJ. */
  readonly totalUj: bigint;
  /** Energy added in the governor's last tick, uJ. */
  readonly deltaUj: bigint;
  /** Counter wraps handled. */
  readonly wraps: number;
  /** Counter resets (energy across them not counted). */
  readonly resets: number;
  /** Samples discarded as implausible. */
  readonly discarded: number;
  /** Failed reads. */
  readonly readErrors: number;
  /** Stall episodes. */
  readonly stalls: number;
  /** Whether the counter is stalled now. */
  readonly stalled: boolean;
  /** Share of time covered by valid samples, 0..1. */
  readonly coverage: number;
}

/** The answer to `read`. */
export interface GovernorReading {
  /** Instance id of the governor run; a change means it restarted. */
  readonly instance: string;
  /** Instance whose totals this run continues (persisted), or null: totals restarted at 0. */
  readonly continues: string | null;
  /** Source kind: `sysfs`, `msr` or `sim` (simulated, not a measurement). */
  readonly source: string;
  /** Governor's monotonic time of the sample, ns. */
  readonly monoNs: bigint;
  /** Wall time of the sample, RFC 3339. */
  readonly time: string;
  /** Per-domain figures. */
  readonly domains: Readonly<Record<string, GovernorDomainReading>>;
  /** Host energy (sum of `hostTotalDomains`), uJ. */
  readonly hostTotalUj: bigint;
  /** Domains in the host total. */
  readonly hostTotalDomains: readonly string[];
}

/** One energy domain as the governor describes it (answer to `domains`). */
export interface GovernorDomainInfo {
  /** Stable name, e.g. `package-0`, `package-0/core`, `dram-0`, `psys`. */
  readonly name: string;
  /** `package`, `core`, `uncore`, `dram` or `psys`. */
  readonly kind: string;
  /** Enclosing domain, or null. */
  readonly parent: string | null;
  /** Whether it is part of host energy. */
  readonly inHostTotal: boolean;
  /** Counter modulus in raw counts. */
  readonly wrapModulus: bigint;
  /** Exact microjoules per raw count. */
  readonly ujPerRaw: { readonly num: bigint; readonly den: bigint };
  /** Where it is read from. */
  readonly origin: string;
  /** Caveat, e.g. "AMD core zone measures a single core", or null. */
  readonly note: string | null;
}

/** The answer to `health`. */
export interface GovernorHealth {
  /** Instance id of the governor run. */
  readonly instance: string;
  /** Source kind (`sim` is never a measurement). */
  readonly source: string;
  /** `ok`, `degraded` (a domain failing or stalled) or `failing` (nothing valid, or stopped). */
  readonly status: "ok" | "degraded" | "failing";
  /** One line per problem, naming the domain. */
  readonly problems: readonly string[];
  /** Whether the source is simulated. */
  readonly simulated: boolean;
}

/** Options of {@link GovernorClient}. */
export interface GovernorClientOptions {
  /** Socket path (default `/var/run/carbon-ops.sock`). */
  readonly socketPath?: string;
  /** Timeout per request including connecting, ms (default 1000). */
  readonly timeoutMs?: number;
  /** Longest response line accepted, bytes (default 1 MiB). */
  readonly maxResponseBytes?: number;
}

const DECIMAL = /^[0-9]{1,40}$/;
const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/**
 * Talks protocol v1 to the governor over one connection, reconnecting after failures. Requests
 * are serialised; each has a timeout.
 *
 * @example
 * ```ts
 * import { GovernorClient } from "./governor_client.ts";
 * const client = new GovernorClient({ socketPath: "/nonexistent.sock", timeoutMs: 200 });
 * const reading = await client.read().catch(() => null);
 * console.log(reading?.hostTotalUj ?? "governor unavailable");
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
  async read(): Promise<GovernorReading> {
    const r = await this.request("read");
    const bad = (what: string): never => this.#protocol(`read response: ${what}`);
    const big = (v: unknown, what: string) =>
      typeof v === "string" && DECIMAL.test(v) ? BigInt(v) : bad(`${what} is not a decimal string`);
    const domainsRaw = r.domains;
    if (typeof domainsRaw !== "object" || domainsRaw === null) bad("domains missing");
    const domains: Record<string, GovernorDomainReading> = {};
    for (const [name, v] of Object.entries(domainsRaw as Record<string, unknown>)) {
      const d = v as Record<string, unknown>;
      const n = (k: string) => typeof d[k] === "number" ? d[k] as number : bad(`${name}.${k}`);
      domains[name] = {
        totalUj: big(d.total_uj, `${name}.total_uj`),
        deltaUj: big(d.delta_uj, `${name}.delta_uj`),
        wraps: n("wraps"),
        resets: n("resets"),
        discarded: n("discarded"),
        readErrors: n("read_errors"),
        stalls: n("stalls"),
        stalled: d.stalled === true,
        coverage: n("coverage"),
      };
    }
    if (typeof r.instance !== "string") bad("instance missing");
    return {
      instance: r.instance as string,
      continues: typeof r.continues === "string" ? r.continues : null,
      source: String(r.source),
      monoNs: big(r.mono_ns, "mono_ns"),
      time: String(r.time),
      domains,
      hostTotalUj: big(r.host_total_uj, "host_total_uj"),
      hostTotalDomains: Array.isArray(r.host_total_domains)
        ? r.host_total_domains.map(String)
        : bad("host_total_domains"),
    };
  }

  /** Describes the domains: kind, hierarchy, host-total membership, counter modulus and unit. */
  async domains(): Promise<GovernorDomainInfo[]> {
    const r = await this.request("domains");
    if (!Array.isArray(r.domains)) this.#protocol("domains response: domains is not a list");
    return (r.domains as Record<string, unknown>[]).map((d) => {
      const unit = (d.uj_per_raw ?? {}) as Record<string, unknown>;
      const big = (v: unknown, what: string) =>
        typeof v === "string" && DECIMAL.test(v)
          ? BigInt(v)
          : this.#protocol(`domains response: ${what} is not a decimal string`);
      return {
        name: String(d.name),
        kind: String(d.kind),
        parent: typeof d.parent === "string" ? d.parent : null,
        inHostTotal: d.in_host_total === true,
        wrapModulus: big(d.wrap_modulus, "wrap_modulus"),
        ujPerRaw: { num: big(unit.num, "uj_per_raw.num"), den: big(unit.den, "uj_per_raw.den") },
        origin: String(d.origin),
        note: typeof d.note === "string" ? d.note : null,
      };
    });
  }

  /** Asks whether the numbers can be trusted right now. */
  async health(): Promise<GovernorHealth> {
    const r = await this.request("health");
    const status = r.status;
    if (status !== "ok" && status !== "degraded" && status !== "failing") {
      return this.#protocol(`health response: unknown status ${JSON.stringify(status)}`);
    }
    return {
      instance: String(r.instance),
      source: String(r.source),
      status,
      problems: Array.isArray(r.problems) ? r.problems.map(String) : [],
      simulated: r.simulated === true,
    };
  }

  /**
   * Sends `{"v":1,"op":op}` and returns the parsed success response (snake_case, as on the
   * wire). Throws {@link GovernorUnavailableError} on any failure.
   */
  request(op: "read" | "domains" | "health" | "stats"): Promise<Record<string, unknown>> {
    const run = this.#queue.then(() => this.#exchange(op), () => this.#exchange(op));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #exchange(op: string): Promise<Record<string, unknown>> {
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

  async #roundTrip(op: string, token: { expired: boolean }): Promise<Record<string, unknown>> {
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
    const bytes = ENCODER.encode(`{"v":1,"op":${JSON.stringify(op)}}\n`);
    try {
      for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    } catch (e) {
      throw this.#closed(e);
    }
    const line = await this.#readLine(link);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return this.#protocol("response is not JSON");
    }
    const r = parsed as Record<string, unknown>;
    if (typeof r !== "object" || r === null || r.v !== 1) {
      return this.#protocol(`unsupported protocol version ${JSON.stringify(r?.v ?? null)}`);
    }
    if (r.ok !== true) {
      const err = (r.error ?? {}) as Record<string, unknown>;
      throw new GovernorUnavailableError(
        `governor refused '${op}': ${String(err.message ?? "no message")}`,
        { reason: "error_response", socketPath: this.#path, code: String(err.code ?? "unknown") },
      );
    }
    return r;
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

  async #readLine(link: { conn: Deno.UnixConn; buffer: Uint8Array }): Promise<string> {
    const chunk = this.#chunk;
    for (;;) {
      const nl = link.buffer.indexOf(10);
      if (nl >= 0) {
        const line = DECODER.decode(link.buffer.subarray(0, nl));
        link.buffer = link.buffer.slice(nl + 1);
        return line;
      }
      if (link.buffer.length > this.#maxBytes) {
        return this.#protocol(`response longer than ${this.#maxBytes} bytes`);
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

  #protocol(what: string): never {
    throw new GovernorUnavailableError(
      `governor at ${this.#path} does not speak protocol v1: ${what}; upgrade the client or daemon`,
      { reason: "protocol", socketPath: this.#path },
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
