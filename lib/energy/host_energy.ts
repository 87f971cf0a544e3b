/**
 * The narrow interface through which the energy logger gets measured host energy, and a wrapper
 * that retries a failing reader with exponential backoff instead of giving up.
 *
 * Adapters: `governor_reader.ts` (the governor socket) and `powercap_reader.ts` (direct sysfs
 * reads). Tests implement the interface with fakes.
 *
 * @module
 */

import type { Clock } from "../base/clock.ts";
import type { EnergyModelDetails, RaplBackend } from "../base/energy_evidence.ts";

/**
 * Where measured host energy came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MeasuredSource } from "./host_energy.ts";
 * const sources: MeasuredSource[] = ["governor", "powercap"];
 * assert.equal(sources.length, 2);
 * ```
 */
export type MeasuredSource = "governor" | "powercap";

/**
 * One reading of a monotonic host energy total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostEnergyReading } from "./host_energy.ts";
 * const before: HostEnergyReading = { source: "governor", instance: "i", totalUj: 1_000_000n };
 * const after: HostEnergyReading = { ...before, totalUj: 4_600_000n, backend: "sysfs" };
 * assert.equal(after.totalUj - before.totalUj, 3_600_000n); // 3.6 J = 1 mWh
 * ```
 */
export interface HostEnergyReading {
  /** Which reader produced it. */
  readonly source: MeasuredSource;
  /**
   * Identity of the counter: totals from two readings are comparable only when the source and
   * instance are equal (a governor restart or a counter reset changes it).
   */
  readonly instance: string;
  /** Host energy in microjoules since the counter's origin (monotonic within one instance). */
  readonly totalUj: bigint;
  /** RAPL backend behind the source, when known. */
  readonly backend?: RaplBackend;
  /**
   * True when the source is simulated (`sim`): its energy is not a measurement. Set by the reader
   * that decodes the source (absent: not simulated).
   */
  readonly simulated?: boolean;
  /**
   * Set when the source serves MODELLED energy (the governor's `instance` source: a cloud
   * instance power model): which model. Such energy is integrated like a counter but is never
   * signed as measured (its evidence is kind `model`). Absent: a counter reading.
   */
  readonly model?: EnergyModelDetails;
}

/**
 * Something that reads a host energy total. `read` rejects when the source is unavailable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostEnergyReader } from "./host_energy.ts";
 * let totalUj = 0n;
 * const reader: HostEnergyReader = {
 *   source: "powercap",
 *   read: () => Promise.resolve({ source: "powercap", instance: "p", totalUj: (totalUj += 10n) }),
 *   close: () => {},
 * };
 * assert.equal((await reader.read()).totalUj, 10n);
 * assert.equal((await reader.read()).totalUj, 20n);
 * reader.close();
 * ```
 */
export interface HostEnergyReader {
  /** Source name stamped on readings. */
  readonly source: MeasuredSource;
  /** Reads the current total; rejects (any error) when unavailable. */
  read(): Promise<HostEnergyReading>;
  /** Releases connections or files. */
  close(): void;
}

/**
 * State of a reader behind `BackoffReader`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BackoffStatus } from "./host_energy.ts";
 * import { BackoffReader } from "./host_energy.ts";
 * import { VirtualClock } from "../base/clock.ts";
 * const up = {
 *   source: "governor" as const,
 *   read: () => Promise.resolve({ source: "governor" as const, instance: "i", totalUj: 1n }),
 *   close() {},
 * };
 * const reader = new BackoffReader(up, { clock: new VirtualClock() });
 * await reader.tryRead();
 * const status: BackoffStatus = reader.status;
 * assert.deepEqual(status, { failures: 0, lastError: null, retryAtMonoNs: 0n });
 * ```
 */
export interface BackoffStatus {
  /** Consecutive failures (0 after a success). */
  readonly failures: number;
  /** Message of the last failure, or null. */
  readonly lastError: string | null;
  /** Monotonic time (ns) before which no attempt is made; 0n when attempts are allowed. */
  readonly retryAtMonoNs: bigint;
}

/**
 * Wraps a reader: a failure makes `tryRead` return `null` (never throw) and skip the reader for
 * a delay that doubles from `initialBackoffMs` up to `maxBackoffMs`; the next attempt after the
 * delay may succeed again. Success resets the delay.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackoffReader } from "./host_energy.ts";
 * import { VirtualClock } from "../base/clock.ts";
 * let calls = 0;
 * const down = {
 *   source: "governor" as const,
 *   read: () => (calls++, Promise.reject(new Error("down"))),
 *   close() {},
 * };
 * const clock = new VirtualClock();
 * const r = new BackoffReader(down, { clock });
 * assert.equal(await r.tryRead(), null);
 * assert.deepEqual(r.status, { failures: 1, lastError: "down", retryAtMonoNs: 1_000_000_000n });
 * assert.equal(await r.tryRead(), null); // still backing off: the reader is not called
 * assert.equal(calls, 1);
 * clock.advance(1_000);
 * await r.tryRead();
 * assert.equal(r.status.retryAtMonoNs, 3_000_000_000n); // the delay doubled to 2 s
 * ```
 */
export class BackoffReader {
  readonly #reader: HostEnergyReader;
  readonly #clock: Clock;
  readonly #initialNs: bigint;
  readonly #maxNs: bigint;
  #failures = 0;
  #lastError: string | null = null;
  #retryAt = 0n;

  /**
   * Creates the instance.
   * @param reader The reader to protect.
   * @param options `clock` (required), `initialBackoffMs` (default 1000), `maxBackoffMs`
   *   (default 30000).
   */
  constructor(
    reader: HostEnergyReader,
    options: { clock: Clock; initialBackoffMs?: number; maxBackoffMs?: number },
  ) {
    this.#reader = reader;
    this.#clock = options.clock;
    this.#initialNs = BigInt(Math.round((options.initialBackoffMs ?? 1000) * 1e6));
    this.#maxNs = BigInt(Math.round((options.maxBackoffMs ?? 30_000) * 1e6));
  }

  /** The wrapped reader's source. */
  get source(): MeasuredSource {
    return this.#reader.source;
  }

  /** Failure count, last error and next retry time. */
  get status(): BackoffStatus {
    return { failures: this.#failures, lastError: this.#lastError, retryAtMonoNs: this.#retryAt };
  }

  /** Reads unless backing off; `null` when unavailable. Never throws. */
  async tryRead(): Promise<HostEnergyReading | null> {
    if (this.#clock.monoNs() < this.#retryAt) return null;
    try {
      const reading = await this.#reader.read();
      this.#failures = 0;
      this.#lastError = null;
      this.#retryAt = 0n;
      return reading;
    } catch (err) {
      this.#failures++;
      this.#lastError = err instanceof Error ? err.message : String(err);
      let delay = this.#initialNs;
      for (let i = 1; i < this.#failures && delay < this.#maxNs; i++) delay *= 2n;
      if (delay > this.#maxNs) delay = this.#maxNs;
      this.#retryAt = this.#clock.monoNs() + delay;
      return null;
    }
  }

  /** Closes the wrapped reader (errors ignored). */
  close(): void {
    try {
      this.#reader.close();
    } catch {
      // closing is best effort
    }
  }
}
