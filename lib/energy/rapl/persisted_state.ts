/**
 * The persisted-totals format (version 1) and its validation. Written by the daemon through
 * state_file.ts; read back so a restarted governor continues its totals.
 *
 * @module
 */

/**
 * Totals written to the state file so a restart can continue them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PersistedState } from "./persisted_state.ts";
 * const state: PersistedState = {
 *   v: 1,
 *   instance: "5a2c9f0e-0000-4000-8000-000000000000",
 *   savedAtMs: Date.UTC(2026, 0, 1),
 *   domains: { "package-0": { totalUj: "3600000000", wraps: 13, resets: 0, discarded: 0 } },
 * };
 * assert.equal(BigInt(state.domains["package-0"].totalUj) / 3_600_000_000n, 1n); // 1 Wh
 * ```
 */
export interface PersistedState {
  /** Format version (1). */
  readonly v: 1;
  /** Instance that wrote the state. */
  readonly instance: string;
  /** Wall-clock time of the write (epoch ms). */
  readonly savedAtMs: number;
  /** Per-domain totals (decimal strings) and counters. */
  readonly domains: Readonly<
    Record<string, { totalUj: string; wraps: number; resets: number; discarded: number }>
  >;
}

/**
 * Validates parsed JSON as a {@link PersistedState}; throws `TypeError` naming the bad field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePersistedState } from "./persisted_state.ts";
 * const s = parsePersistedState({
 *   v: 1,
 *   instance: "a",
 *   savedAtMs: 0,
 *   domains: { "package-0": { totalUj: "5" } },
 * });
 * assert.equal(s.instance, "a");
 * assert.deepEqual(s.domains["package-0"], { totalUj: "5", wraps: 0, resets: 0, discarded: 0 });
 * assert.throws(() => parsePersistedState({ v: 2 }), /unsupported version 2/);
 * ```
 */
export function parsePersistedState(value: unknown): PersistedState {
  const fail = (what: string): never => {
    throw new TypeError(`governor state: ${what}`);
  };
  if (typeof value !== "object" || value === null) return fail("not an object");
  const o = value as Record<string, unknown>;
  if (o.v !== 1) fail(`unsupported version ${JSON.stringify(o.v)} (expected 1)`);
  if (typeof o.instance !== "string" || o.instance === "") fail("instance must be a string");
  if (typeof o.savedAtMs !== "number") fail("savedAtMs must be a number");
  if (typeof o.domains !== "object" || o.domains === null) fail("domains must be an object");
  const domains: Record<string, PersistedState["domains"][string]> = {};
  for (const [name, raw] of Object.entries(o.domains as Record<string, unknown>)) {
    const d = raw as Record<string, unknown>;
    if (typeof d?.totalUj !== "string" || !/^[0-9]{1,40}$/.test(d.totalUj)) {
      fail(`domains.${name}.totalUj must be a decimal string`);
    }
    const count = (k: string) => {
      const v = d[k] ?? 0;
      return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
        ? v
        : fail(`domains.${name}.${k} must be a non-negative integer`);
    };
    domains[name] = {
      totalUj: d.totalUj as string,
      wraps: count("wraps"),
      resets: count("resets"),
      discarded: count("discarded"),
    };
  }
  return { v: 1, instance: o.instance as string, savedAtMs: o.savedAtMs as number, domains };
}
