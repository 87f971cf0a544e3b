/**
 * Why a live provider gave "no reading". Providers never throw into the estimate: they record a
 * `ProviderFailure`, hand it to the diagnostics callback, keep it as `lastError`, and return
 * `null` so the chain falls through to the next provider.
 *
 * @module
 */

/**
 * Kinds of failure, for callers that branch (and for tests):
 * - `not_configured`: no API key / username for the provider.
 * - `unknown_region`: the region cannot be mapped to the provider's zone.
 * - `invalid_span`: non-finite times, `endMs <= startMs`, or a span over the page limit.
 * - `auth`: the API refused the credentials (401/403).
 * - `http`: another HTTP error status (4xx/5xx) after retries.
 * - `rate_limited`: 429 after retries, or a Retry-After longer than the allowed wait.
 * - `timeout`: no answer within the timeout, after retries.
 * - `network`: connection refused/reset, DNS, TLS.
 * - `malformed`: the body is not JSON or not in the documented format (missing fields, wrong
 *   types, negative or non-finite values).
 * - `empty`: the API answered, but with no values for the span.
 * - `aborted`: the caller's signal aborted the query.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fail, type FailureKind } from "./failure.ts";
 * const kind: FailureKind = "rate_limited";
 * assert.equal(fail(kind, "429 after 3 attempts").failure.kind, "rate_limited");
 * ```
 */
export type FailureKind =
  | "not_configured"
  | "unknown_region"
  | "invalid_span"
  | "auth"
  | "http"
  | "rate_limited"
  | "timeout"
  | "network"
  | "malformed"
  | "empty"
  | "aborted";

/**
 * One recorded failure. Never contains credentials.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ProviderFailure } from "./failure.ts";
 * const failure: ProviderFailure = {
 *   provider: "electricitymaps",
 *   kind: "auth",
 *   message: "the API refused the key; check carbon.electricityMapsToken",
 *   status: 401,
 *   atMs: 0,
 * };
 * assert.equal(failure.attempts ?? 1, 1);
 * ```
 */
export interface ProviderFailure {
  /** Provider name, e.g. `electricitymaps`. */
  readonly provider: string;
  /** What went wrong (see {@link FailureKind}). */
  readonly kind: FailureKind;
  /** One sentence: what failed and what to do next. */
  readonly message: string;
  /** HTTP status of the last response, when there was one. */
  readonly status?: number;
  /** HTTP attempts made for the failing request (1 = no retry). */
  readonly attempts?: number;
  /** Wait the API asked for (`Retry-After`), ms, when it was longer than allowed. */
  readonly retryAfterMs?: number;
  /** Request URL without credentials (query strings carry none), when a request was made. */
  readonly url?: string;
  /** Wall-clock time of the failure, Unix epoch ms (from the injected clock). */
  readonly atMs: number;
}

/**
 * Receives every failure as it happens (e.g. to print under `--verbose` or count in metrics).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DiagnosticsCallback, ProviderFailure } from "./failure.ts";
 * const seen: ProviderFailure[] = [];
 * const onFailure: DiagnosticsCallback = (f) => seen.push(f);
 * onFailure({ provider: "watttime", kind: "timeout", message: "no answer in 10 s", atMs: 0 });
 * assert.equal(seen[0].kind, "timeout");
 * ```
 */
export type DiagnosticsCallback = (failure: ProviderFailure) => void;

/**
 * A value or the failure that prevented it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fail, type Outcome, succeed } from "./failure.ts";
 * const parse = (s: string): Outcome<number> =>
 *   Number.isFinite(Number(s)) ? succeed(Number(s)) : fail("malformed", `not a number: ${s}`);
 * const good = parse("42");
 * assert.ok(good.ok && good.value === 42);
 * const bad = parse("x");
 * assert.ok(!bad.ok && bad.failure.kind === "malformed");
 * ```
 */
export type Outcome<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly failure: Omit<ProviderFailure, "provider" | "atMs">;
};

/**
 * Builds a failed {@link Outcome}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fail } from "./failure.ts";
 * const out = fail("malformed", "response has no data array", { status: 200 });
 * assert.equal(out.ok, false);
 * assert.deepEqual(out.failure, { kind: "malformed", message: "response has no data array", status: 200 });
 * ```
 */
export function fail(
  kind: FailureKind,
  message: string,
  extra: { status?: number; attempts?: number; url?: string; retryAfterMs?: number } = {},
): { readonly ok: false; readonly failure: Omit<ProviderFailure, "provider" | "atMs"> } {
  return { ok: false, failure: { kind, message, ...extra } };
}

/**
 * Builds a successful {@link Outcome}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { succeed } from "./failure.ts";
 * assert.deepEqual(succeed(42), { ok: true, value: 42 });
 * ```
 */
export function succeed<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}
