/**
 * A simple circuit breaker for a live provider: after a transient failure (timeout, network
 * error, rate limit, 5xx), requests are not sent again for a cool-down period, so that a span
 * split into many queries, or many estimates in a row, do not each wait out the same outage.
 * Cached pages are still served meanwhile (only requests are held back).
 *
 * @module
 */

import type { Clock } from "../../base/clock.ts";
import type { FailureKind } from "./failure.ts";

/**
 * What a tripped breaker remembers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "../../base/clock.ts";
 * import { CoolDown, type Tripped } from "./cool_down.ts";
 * const breaker = new CoolDown(new VirtualClock(), 1000);
 * const tripped: Tripped = { kind: "http", status: 503, message: "service unavailable" };
 * breaker.record(tripped);
 * assert.equal(breaker.blocked()?.status, 503);
 * ```
 */
export interface Tripped {
  /** Kind of the failure that tripped it. */
  readonly kind: FailureKind;
  /** Its message. */
  readonly message: string;
  /** HTTP status, when there was one. */
  readonly status?: number;
}

/**
 * Whether a failure is worth cooling down for: the service is unreachable, slow, overloaded or
 * rate limiting (not a configuration or data problem, which retrying cannot fix either).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTransient } from "./cool_down.ts";
 * assert.equal(isTransient("timeout"), true);
 * assert.equal(isTransient("http", 503), true);
 * assert.equal(isTransient("http", 404), false);
 * assert.equal(isTransient("auth", 401), false);
 * ```
 */
export function isTransient(kind: FailureKind, status?: number): boolean {
  if (kind === "timeout" || kind === "network" || kind === "rate_limited") return true;
  return kind === "http" && status !== undefined && status >= 500;
}

/**
 * Holds requests back for `coolDownMs` after a transient failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoolDown } from "./cool_down.ts";
 * import { VirtualClock } from "../../base/clock.ts";
 * const clock = new VirtualClock();
 * const breaker = new CoolDown(clock, 60_000);
 * breaker.record({ kind: "timeout", message: "no answer" });
 * assert.equal(breaker.blocked()?.kind, "timeout");
 * assert.match(breaker.blocked()?.message ?? "", /next request in 60 s/);
 * await clock.sleep(60_000);
 * assert.equal(breaker.blocked(), undefined);
 * ```
 */
export class CoolDown {
  readonly #clock: Clock;
  readonly #coolDownMs: number;
  #untilNs = 0n;
  #tripped: (Tripped & { atMs: number }) | undefined;

  /**
   * Creates a closed breaker.
   *
   * @param clock Time source (monotonic time decides when the cool-down ends).
   * @param coolDownMs How long requests are held back after a transient failure (0: never).
   */
  constructor(clock: Clock, coolDownMs: number) {
    this.#clock = clock;
    this.#coolDownMs = Math.max(0, coolDownMs);
  }

  /** Notes an outcome: a transient failure trips the breaker, a success closes it. */
  record(outcome: Tripped | "ok", retryAfterMs?: number): void {
    if (outcome === "ok") {
      this.#tripped = undefined;
      this.#untilNs = 0n;
      return;
    }
    if (!isTransient(outcome.kind, outcome.status) || this.#coolDownMs === 0) return;
    const waitMs = Math.max(this.#coolDownMs, retryAfterMs ?? 0);
    this.#untilNs = this.#clock.monoNs() + BigInt(Math.ceil(waitMs * 1e6));
    this.#tripped = { ...outcome, atMs: this.#clock.nowMs() };
  }

  /** The failure holding requests back, with a message saying until when, or `undefined`. */
  blocked(): Tripped | undefined {
    const t = this.#tripped;
    if (t === undefined) return undefined;
    const leftNs = this.#untilNs - this.#clock.monoNs();
    if (leftNs <= 0n) return undefined;
    const leftS = Math.ceil(Number(leftNs) / 1e9);
    return {
      kind: t.kind,
      ...(t.status === undefined ? {} : { status: t.status }),
      message: `not asked: the provider failed at ${new Date(t.atMs).toISOString()} ` +
        `(${t.message}); next request in ${leftS} s`,
    };
  }
}
