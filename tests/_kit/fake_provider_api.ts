/**
 * Test helpers for the live providers: a local HTTP server on 127.0.0.1 (port 0) whose handler
 * the test writes, recording every request; and fast deterministic provider options (pair them
 * with an instant `VirtualClock`, which records the asked delays, so backoff never really waits).
 */

import type { VirtualClock } from "../../lib/base/clock.ts";
import { seededRandom } from "../../lib/base/prng.ts";

/** What the fake server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Headers;
}

/** A handler's answer; `"hang"` never answers (until the server is disposed). */
export type Answer = Response | "hang";

/** What answers the fake API's requests (the test writes it). */
export type FakeHandler = (req: SeenRequest) => Answer | Promise<Answer>;

/** A running fake API. */
export interface FakeApi extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Requests in arrival order. */
  readonly requests: SeenRequest[];
}

/** Starts a fake API answering with `handler`. */
export function fakeApi(handler: FakeHandler): FakeApi {
  const requests: SeenRequest[] = [];
  const stop = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {}, signal: stop.signal },
    async (request) => {
      const u = new URL(request.url);
      const seen = {
        method: request.method,
        path: decodeURIComponent(u.pathname),
        query: u.searchParams,
        headers: request.headers,
      };
      requests.push(seen);
      const answer = await handler(seen);
      if (answer !== "hang") return answer;
      // Never answer while the test runs; release the handler when the server stops.
      await new Promise<void>((resolve) => {
        stop.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return new Response("late", { status: 200 });
    },
  );
  const addr = server.addr as Deno.NetAddr;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      stop.abort();
      await server.finished;
    },
  };
}

/** JSON response helper. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Epoch ms for a UTC date-time. */
export function utc(y: number, mo: number, d: number, h = 0, mi = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi);
}

/** Options that make providers fast and deterministic in tests. */
export function fastOptions(clock: VirtualClock): {
  clock: VirtualClock;
  random: () => number;
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
} {
  return {
    clock,
    random: seededRandom(42),
    timeoutMs: 2000,
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
  };
}
