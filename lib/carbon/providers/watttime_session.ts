/**
 * WattTime login: `GET /login` with HTTP basic auth returns `{ "token": "..." }`, a bearer token
 * valid for 30 minutes. The session keeps it (with a one-minute margin) on the injected clock.
 *
 * @module
 */

import type { Clock } from "../../base/clock.ts";
import { fail, type Outcome, succeed } from "./failure.ts";
import type { HttpText } from "./http_fetch.ts";
import { isRecord, parseJsonBody } from "./parse_helpers.ts";

/**
 * Token lifetime documented by WattTime (30 min) minus a safety margin (1 min).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WATTTIME_TOKEN_TTL_MS } from "./watttime_session.ts";
 * assert.equal(WATTTIME_TOKEN_TTL_MS / 60_000, 29);
 * ```
 */
export const WATTTIME_TOKEN_TTL_MS = 29 * 60_000;

/**
 * Performs one GET (the provider's retrying `httpGet`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { succeed } from "./failure.ts";
 * import type { Getter } from "./watttime_session.ts";
 * const get: Getter = (_url, headers) =>
 *   Promise.resolve(succeed({ status: 200, body: headers.authorization ?? "", attempts: 1 }));
 * const got = await get("https://example.invalid/login", { authorization: "Basic YTpi" });
 * assert.ok(got.ok && got.value.body === "Basic YTpi");
 * ```
 */
export type Getter = (url: string, headers: Record<string, string>) => Promise<Outcome<HttpText>>;

/**
 * Holds the WattTime bearer token, logging in when there is none or it has expired.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { succeed } from "./failure.ts";
 * import { type Getter, WattTimeSession } from "./watttime_session.ts";
 * let logins = 0;
 * const get: Getter = () => {
 *   logins++;
 *   return Promise.resolve(succeed({ status: 200, body: '{"token":"t1"}', attempts: 1 }));
 * };
 * const session = new WattTimeSession("https://example.invalid/login", {
 *   username: "user",
 *   password: "pass",
 *   clock: new VirtualClock(),
 * });
 * assert.deepEqual(await session.token(get), { ok: true, value: "t1" });
 * assert.deepEqual(await session.token(get), { ok: true, value: "t1" });
 * assert.equal(logins, 1);
 * session.invalidate();
 * assert.equal(session.hasToken, false);
 * ```
 */
export class WattTimeSession {
  readonly #loginUrl: string;
  readonly #authorization: string;
  readonly #clock: Clock;
  #token: { value: string; expiresMs: number } | undefined;

  /**
   * @param loginUrl Full URL of `/login`.
   * @param options `username`, `password` (both required) and `clock`.
   */
  constructor(loginUrl: string, options: { username: string; password: string; clock: Clock }) {
    this.#loginUrl = loginUrl;
    this.#authorization = basicAuth(options.username, options.password);
    this.#clock = options.clock;
  }

  /** Whether a token is held and not expired. */
  get hasToken(): boolean {
    return this.#token !== undefined && this.#token.expiresMs > this.#clock.nowMs();
  }

  /** Forgets the token (after the API rejected it). */
  invalidate(): void {
    this.#token = undefined;
  }

  /** The current token, logging in first when needed. */
  async token(get: Getter): Promise<Outcome<string>> {
    if (this.#token !== undefined && this.#token.expiresMs > this.#clock.nowMs()) {
      return succeed(this.#token.value);
    }
    this.#token = undefined;
    const got = await get(this.#loginUrl, { authorization: this.#authorization });
    if (!got.ok) {
      const f = got.failure;
      const hint = f.kind === "auth"
        ? "WattTime login refused: check carbon.wattTimeUsername / carbon.wattTimePassword"
        : `WattTime login failed: ${f.message}`;
      return fail(f.kind, hint, {
        ...(f.status === undefined ? {} : { status: f.status }),
        ...(f.attempts === undefined ? {} : { attempts: f.attempts }),
        url: this.#loginUrl,
      });
    }
    const json = parseJsonBody(got.value.body);
    const token = json.ok && isRecord(json.value) ? json.value.token : undefined;
    if (typeof token !== "string" || token === "") {
      return fail("malformed", `WattTime login answered without a "token" string`, {
        url: this.#loginUrl,
      });
    }
    this.#token = { value: token, expiresMs: this.#clock.nowMs() + WATTTIME_TOKEN_TTL_MS };
    return succeed(token);
  }
}

/**
 * The `Authorization` value for HTTP basic auth (UTF-8 user and password).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basicAuth } from "./watttime_session.ts";
 * assert.equal(basicAuth("a", "b"), "Basic YTpi");
 * assert.equal(basicAuth("user", "pass"), "Basic dXNlcjpwYXNz");
 * ```
 */
export function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}
