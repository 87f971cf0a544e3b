import type { Clock } from "../../lib/base/clock.ts";

/**
 * A clock that moves only when told. `sleep` resolves when `advance` passes its deadline, in
 * deadline order, so schedulers can be driven tick by tick without real time.
 */
export class FakeClock implements Clock {
  #wallMs: number;
  #monoNs: bigint;
  #sleepers: { dueNs: bigint; resolve: () => void; reject: (e: unknown) => void }[] = [];

  /** @param options `wallMs` start (default 2026-01-01T00:00:00Z), `monoNs` start (default 1e9). */
  constructor(options: { wallMs?: number; monoNs?: bigint } = {}) {
    this.#wallMs = options.wallMs ?? Date.UTC(2026, 0, 1);
    this.#monoNs = options.monoNs ?? 1_000_000_000n;
  }

  nowMs(): number {
    return this.#wallMs;
  }

  monoNs(): bigint {
    return this.#monoNs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { dueNs: this.#monoNs + BigInt(Math.round(ms * 1e6)), resolve, reject };
      this.#sleepers.push(entry);
      signal?.addEventListener("abort", () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== entry);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Number of pending sleeps. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /**
   * Moves both clocks forward by `ms`, waking sleepers whose deadline passed, in order, letting
   * their continuations run (microtasks) before waking the next.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#monoNs + BigInt(Math.round(ms * 1e6));
    const wallTarget = this.#wallMs + ms;
    for (;;) {
      this.#sleepers.sort((a, b) => (a.dueNs < b.dueNs ? -1 : a.dueNs > b.dueNs ? 1 : 0));
      const next = this.#sleepers[0];
      if (!next || next.dueNs > target) break;
      this.#sleepers.shift();
      this.#wallMs += Number(next.dueNs - this.#monoNs) / 1e6;
      this.#monoNs = next.dueNs;
      next.resolve();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
    }
    this.#monoNs = target;
    this.#wallMs = wallTarget;
  }
}
