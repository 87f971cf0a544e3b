/**
 * The accept loop shared by the Unix socket server and the metrics endpoint: a failed `accept`
 * (EMFILE/ENFILE when the process runs out of file descriptors, ECONNABORTED, ...) never ends
 * the loop or escapes as an uncaught error. The loop backs off exponentially while accepts fail,
 * logs the first failure of a burst and, once accepting works again, one line saying how many
 * failed, so a flood of failures writes two lines, not thousands.
 *
 * @module
 */

/**
 * What {@link acceptLoop} needs of a listener (a `Deno.Listener` fits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Acceptor } from "./accept_loop.ts";
 * const listener: Acceptor<string> = { accept: () => Promise.resolve("conn") };
 * assert.equal(await listener.accept(), "conn");
 * ```
 */
export interface Acceptor<C> {
  /** Waits for the next connection. */
  accept(): Promise<C>;
}

/**
 * Options of {@link acceptLoop}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AcceptLoopOptions } from "./accept_loop.ts";
 * const options: AcceptLoopOptions = { what: "metrics 127.0.0.1:9464", signal: AbortSignal.abort() };
 * assert.equal(options.initialBackoffMs, undefined); // 10 ms by default
 * ```
 */
export interface AcceptLoopOptions {
  /** Names the listener in log lines ("socket /run/carbon-ops.sock"). */
  readonly what: string;
  /** Ends the loop (it also ends when the listener is closed). */
  readonly signal: AbortSignal;
  /** Where the once-per-burst lines go (default: nowhere). */
  readonly log?: (line: string) => void;
  /** First pause after a failed accept, doubled per further failure (default 10 ms). */
  readonly initialBackoffMs?: number;
  /** Longest pause between accepts while they fail (default 1000 ms). */
  readonly maxBackoffMs?: number;
  /** Called on every failed accept (counters). */
  readonly onFailure?: (error: unknown) => void;
}

/**
 * Accepts connections until `signal` aborts or the listener is closed, handing each to
 * `onConnection` (which must not block: start the connection's work and return). Never rejects.
 * Returns how many accepts failed in total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptLoop } from "./accept_loop.ts";
 * // Two failures (a burst), one connection, then the listener closes.
 * const steps = ["fail", "fail", "conn", "closed"];
 * const lines: string[] = [];
 * const got: string[] = [];
 * const failures = await acceptLoop({
 *   accept: () => {
 *     const step = steps.shift();
 *     if (step === "fail") return Promise.reject(new Error("Too many open files (os error 24)"));
 *     if (step === "conn") return Promise.resolve("c1");
 *     return Promise.reject(new Deno.errors.BadResource("closed"));
 *   },
 * }, (c) => void got.push(c), {
 *   what: "test listener",
 *   signal: new AbortController().signal,
 *   log: (l) => void lines.push(l),
 *   initialBackoffMs: 1,
 * });
 * assert.equal(failures, 2);
 * assert.deepEqual(got, ["c1"]);
 * assert.equal(lines.length, 2);
 * assert.match(lines[0], /accepting on test listener failed: Too many open files/);
 * assert.match(lines[1], /accepting on test listener works again after 2 failed accepts/);
 * ```
 */
export async function acceptLoop<C>(
  listener: Acceptor<C>,
  onConnection: (conn: C) => void,
  options: AcceptLoopOptions,
): Promise<number> {
  const initial = options.initialBackoffMs ?? 10;
  const max = options.maxBackoffMs ?? 1000;
  const log = options.log ?? (() => {});
  let total = 0;
  let burst = 0;
  let backoff = initial;
  while (!options.signal.aborted) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (e) {
      if (options.signal.aborted || isClosed(e)) return total;
      total++;
      options.onFailure?.(e);
      if (burst++ === 0) {
        log(
          `accepting on ${options.what} failed: ${message(e)}; retrying with backoff up to ` +
            `${max} ms (if this is 'Too many open files', raise LimitNOFILE or lower the ` +
            "connection limits)",
        );
      }
      await pause(backoff, options.signal);
      backoff = Math.min(backoff * 2, max);
      continue;
    }
    if (burst > 0) {
      log(`accepting on ${options.what} works again after ${burst} failed accepts`);
      burst = 0;
      backoff = initial;
    }
    try {
      onConnection(conn);
    } catch (e) {
      log(`connection handler on ${options.what} failed: ${message(e)}`);
    }
  }
  return total;
}

function isClosed(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
