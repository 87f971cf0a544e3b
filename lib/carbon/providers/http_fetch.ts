/**
 * One GET with a per-attempt timeout, bounded retries with exponential backoff and full jitter,
 * and `Retry-After` honoured on 429/503. Time (sleep) and randomness (jitter) are injected.
 * Never throws: returns the body text or a classified failure.
 *
 * Redirects are followed only within the same origin (at most 3), so credentials in headers
 * never travel to another host.
 *
 * @module
 */

import type { Clock } from "../../base/clock.ts";
import type { RandomSource } from "../../base/prng.ts";
import { backoffDelayMs, parseRetryAfterMs } from "./backoff.ts";
import { fail, type Outcome, succeed } from "./failure.ts";

/**
 * The `fetch` function shape (injectable for tests; default `globalThis.fetch`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FetchFn } from "./http_fetch.ts";
 * const fake: FetchFn = (input) => Promise.resolve(new Response(`asked ${input}`));
 * const response = await fake("https://example.invalid/x", { method: "GET" });
 * assert.equal(await response.text(), "asked https://example.invalid/x");
 * ```
 */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/**
 * How requests are made and retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { seededRandom } from "../../base/prng.ts";
 * import { getText, type HttpPolicy } from "./http_fetch.ts";
 * const clock = new VirtualClock();
 * let calls = 0;
 * const policy: HttpPolicy = {
 *   clock,
 *   random: seededRandom(1),
 *   timeoutMs: 1000,
 *   maxAttempts: 3,
 *   baseDelayMs: 100,
 *   maxDelayMs: 1000,
 *   maxRetryAfterMs: 5000,
 *   fetch: () => Promise.resolve(new Response("busy", { status: ++calls < 3 ? 503 : 200 })),
 * };
 * const out = await getText("https://example.invalid/", { policy });
 * assert.ok(out.ok && out.value.attempts === 3);
 * assert.equal(clock.sleeps.length, 2);
 * ```
 */
export interface HttpPolicy {
  /** Sleeps between attempts and reads wall time for `Retry-After` dates. */
  readonly clock: Clock;
  /** Jitter source (seeded in tests). */
  readonly random: RandomSource;
  /** Timeout of one attempt including reading the body, ms. */
  readonly timeoutMs: number;
  /** Total attempts, first included (>= 1). */
  readonly maxAttempts: number;
  /** Backoff scale of the first retry, ms. */
  readonly baseDelayMs: number;
  /** Backoff cap before jitter, ms. */
  readonly maxDelayMs: number;
  /** Longest `Retry-After` obeyed, ms; a longer one ends the request as `rate_limited`. */
  readonly maxRetryAfterMs: number;
  /** Largest response body read, bytes (default 8 MiB); a larger one fails as `malformed`. */
  readonly maxBodyBytes?: number;
  /** Transport (default `globalThis.fetch`). */
  readonly fetch?: FetchFn;
}

/**
 * A successful (2xx) response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HttpText } from "./http_fetch.ts";
 * const text: HttpText = { status: 200, body: '{"data":[]}', attempts: 1 };
 * assert.deepEqual(JSON.parse(text.body), { data: [] });
 * ```
 */
export interface HttpText {
  /** HTTP status. */
  readonly status: number;
  /** Body as text. */
  readonly body: string;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 3;

type Attempt =
  | { kind: "response"; status: number; body: string; retryAfter: string | null }
  | { kind: "timeout" | "network" | "aborted" | "redirect" | "too_large"; message: string };

const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * GETs `url` under `policy`, returning the 2xx body or a failure (`auth`, `http`,
 * `rate_limited`, `timeout`, `network`, `aborted`).
 *
 * @param url Absolute URL (query strings must not carry secrets: they appear in diagnostics).
 * @param options `headers` (default none), `policy` (required), `signal` (caller's cancel).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getText } from "./http_fetch.ts";
 * import { seededRandom } from "../../base/prng.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const policy = {
 *   clock: new VirtualClock(),
 *   random: seededRandom(1),
 *   timeoutMs: 200,
 *   maxAttempts: 1,
 *   baseDelayMs: 10,
 *   maxDelayMs: 100,
 *   maxRetryAfterMs: 1000,
 * };
 * const ok = await getText("https://example.invalid/", {
 *   policy: { ...policy, fetch: () => Promise.resolve(new Response("hello")) },
 * });
 * assert.deepEqual(ok, { ok: true, value: { status: 200, body: "hello", attempts: 1 } });
 * const denied = await getText("https://example.invalid/", {
 *   policy: { ...policy, fetch: () => Promise.resolve(new Response("", { status: 401 })) },
 * });
 * assert.ok(!denied.ok && denied.failure.kind === "auth" && denied.failure.status === 401);
 * ```
 */
export async function getText(
  url: string,
  options: { headers?: Record<string, string>; policy: HttpPolicy; signal?: AbortSignal },
): Promise<Outcome<HttpText>> {
  const { policy, signal } = options;
  const attempts = Math.max(1, Math.floor(policy.maxAttempts));
  let last: Attempt = { kind: "network", message: "no attempt made" };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (signal?.aborted) return fail("aborted", "query aborted by the caller", { url, attempts });
    last = await attemptOnce(url, options.headers ?? {}, policy, signal);
    if (last.kind === "aborted") return fail("aborted", last.message, { url, attempts: attempt });
    if (last.kind === "redirect") return fail("http", last.message, { url, attempts: attempt });
    if (last.kind === "too_large") {
      return fail("malformed", last.message, { url, attempts: attempt });
    }
    if (last.kind === "response" && last.status >= 200 && last.status < 300) {
      return succeed({ status: last.status, body: last.body, attempts: attempt });
    }
    if (last.kind === "response" && !RETRYABLE.has(last.status)) {
      return statusFailure(url, last.status, last.body, attempt);
    }
    if (attempt === attempts) break;
    let delayMs = backoffDelayMs(attempt - 1, policy.random, policy);
    if (last.kind === "response" && (last.status === 429 || last.status === 503)) {
      const askedMs = parseRetryAfterMs(last.retryAfter, policy.clock.nowMs());
      if (askedMs !== undefined && askedMs > policy.maxRetryAfterMs) {
        return fail(
          last.status === 429 ? "rate_limited" : "http",
          `HTTP ${last.status}: the API asks to wait ${Math.ceil(askedMs / 1000)} s ` +
            `(Retry-After), longer than the ${Math.ceil(policy.maxRetryAfterMs / 1000)} s ` +
            `allowed; try again later`,
          { url, status: last.status, attempts: attempt, retryAfterMs: askedMs },
        );
      }
      if (askedMs !== undefined) delayMs = Math.max(delayMs, askedMs);
    }
    try {
      await policy.clock.sleep(delayMs, signal);
    } catch {
      return fail("aborted", "query aborted by the caller during backoff", {
        url,
        attempts: attempt,
      });
    }
  }
  if (last.kind === "response") return statusFailure(url, last.status, last.body, attempts);
  const kind = last.kind === "timeout" ? "timeout" : "network";
  return fail(kind, `${last.message} (after ${attempts} attempt(s))`, { url, attempts });
}

async function attemptOnce(
  url: string,
  headers: Record<string, string>,
  policy: HttpPolicy,
  signal: AbortSignal | undefined,
): Promise<Attempt> {
  const timeout = AbortSignal.timeout(Math.max(1, policy.timeoutMs));
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const doFetch: FetchFn = policy.fetch ?? ((input, init) => fetch(input, init));
  let target = url;
  try {
    for (let hop = 0;; hop++) {
      const response = await doFetch(target, {
        method: "GET",
        headers: { accept: "application/json", ...headers },
        redirect: "manual",
        signal: combined,
      });
      if (response.status >= 300 && response.status < 400 && response.headers.has("location")) {
        await response.body?.cancel();
        const next = new URL(response.headers.get("location") ?? "", target);
        if (next.origin !== new URL(target).origin || hop >= MAX_REDIRECTS) {
          return {
            kind: "redirect",
            message: `HTTP ${response.status}: redirected to ${next.origin}, which is not ` +
              `followed (credentials stay with the configured host); if you trust it, ` +
              `configure that base URL instead`,
          };
        }
        target = next.href;
        continue;
      }
      const body = await readCapped(response, policy.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      if (body === undefined) {
        return {
          kind: "too_large",
          message: `response body larger than ${
            policy.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
          } bytes; refused`,
        };
      }
      return {
        kind: "response",
        status: response.status,
        body,
        retryAfter: response.headers.get("retry-after"),
      };
    }
  } catch (err) {
    if (signal?.aborted) return { kind: "aborted", message: "query aborted by the caller" };
    if (timeout.aborted) {
      return { kind: "timeout", message: `no complete answer within ${policy.timeoutMs} ms` };
    }
    const why = err instanceof Error ? err.message : String(err);
    return { kind: "network", message: `request failed: ${why}` };
  }
}

/** The body as UTF-8 text, or `undefined` (body cancelled) when it exceeds `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function statusFailure(
  url: string,
  status: number,
  body: string,
  attempts: number,
): { ok: false; failure: ReturnType<typeof fail>["failure"] } {
  const detail = apiErrorText(body);
  const suffix = detail === undefined ? "" : `: ${detail}`;
  if (status === 401 || status === 403) {
    return fail(
      "auth",
      `HTTP ${status}${suffix}; check the API credentials and that your plan covers this ` +
        `endpoint and zone`,
      { url, status, attempts },
    );
  }
  if (status === 429) {
    return fail("rate_limited", `HTTP 429${suffix}; rate limited after ${attempts} attempt(s)`, {
      url,
      status,
      attempts,
    });
  }
  return fail("http", `HTTP ${status}${suffix} (after ${attempts} attempt(s))`, {
    url,
    status,
    attempts,
  });
}

/** A short error text from a JSON error body (`error` / `message` / `detail`), if any. */
function apiErrorText(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const record = parsed as Record<string, unknown>;
    for (const key of ["error", "message", "detail"]) {
      const value = record[key];
      if (typeof value === "string" && value.trim() !== "") {
        return value.replace(/\s+/g, " ").slice(0, 200);
      }
      if (typeof value === "object" && value !== null) {
        const inner = (value as Record<string, unknown>).message;
        if (typeof inner === "string") return inner.replace(/\s+/g, " ").slice(0, 200);
      }
    }
  } catch {
    // not JSON: say nothing more than the status
  }
  return undefined;
}
