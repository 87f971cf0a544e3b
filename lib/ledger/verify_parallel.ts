/**
 * A pool of Web Workers that run the per-line checks of ledger verification (`checkLines`) on
 * batches of lines, so signatures are checked on every core while the calling thread frames the
 * file and folds the results in order. Close it (or `await using` it) to terminate the workers.
 *
 * @module
 */

import type { BatchFacts, LineKeySpec } from "./verify_lines.ts";

/**
 * A message to a verify worker.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VerifyWorkerRequest } from "./verify_parallel.ts";
 * const reset: VerifyWorkerRequest = { kind: "keys", reset: true, keys: [] };
 * assert.equal(reset.kind, "keys");
 * ```
 */
export type VerifyWorkerRequest =
  | { readonly kind: "keys"; readonly reset: boolean; readonly keys: readonly LineKeySpec[] }
  | {
    readonly kind: "check";
    readonly id: number;
    /** The lines' bytes (with what lies between them when they were contiguous). */
    readonly bytes: Uint8Array;
    /** Start offset of each line in `bytes`. */
    readonly starts: Uint32Array;
    /** End offset of each line in `bytes`. */
    readonly ends: Uint32Array;
  };

/**
 * A verify worker's answer to a `check` request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VerifyWorkerReply } from "./verify_parallel.ts";
 * const reply: VerifyWorkerReply = { id: 3, error: { name: "Error", message: "boom" } };
 * assert.equal(reply.id, 3);
 * ```
 */
export type VerifyWorkerReply =
  | {
    readonly id: number;
    readonly facts: BatchFacts;
    /** The request's byte buffer, moved back for the next request to reuse. */
    readonly spare?: ArrayBuffer;
  }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/** Smallest byte buffer allocated for a request (a read chunk's lines fit). */
const MIN_BUFFER_BYTES = 256 * 1024;
/** Spare buffers kept at most. */
const MAX_SPARE_BUFFERS = 16;

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, PromiseWithResolvers<BatchFacts>>;
}

/**
 * The number of workers `ledger verify` uses by default: one per core
 * (`navigator.hardwareConcurrency`), at least 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultVerifyJobs } from "./verify_parallel.ts";
 * assert.ok(defaultVerifyJobs() >= 1);
 * ```
 */
export function defaultVerifyJobs(): number {
  const n = globalThis.navigator?.hardwareConcurrency ?? 1;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/**
 * Workers for `verifyLedger({ pool })`. Workers start when the pool is built and stop on
 * `close()`; a pool may serve many verifications one after another (not at the same time).
 * After a worker fails, every pending and later check rejects: close the pool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VerifyPool } from "./verify_parallel.ts";
 * import { BatchCursor } from "./verify_lines.ts";
 * await using pool = new VerifyPool({ workers: 1 });
 * pool.setKeys([], true);
 * const facts = await pool.check([new TextEncoder().encode("{}")]);
 * assert.equal(new BatchCursor(facts).at(0).error?.code, "RECORD_INVALID");
 * assert.equal(pool.size, 1);
 * ```
 */
export class VerifyPool implements AsyncDisposable {
  readonly #slots: Slot[] = [];
  /**
   * Byte buffers the workers moved back, for the next requests: buffers are reused rather than
   * allocated per batch, because a moved buffer's memory is freed only when the worker's garbage
   * collector gets to it, and a new buffer per batch grew the peak RSS with the ledger's size.
   */
  readonly #spare: ArrayBuffer[] = [];
  #nextId = 0;
  #failure: Error | null = null;
  #closed = false;

  /**
   * Starts the workers.
   *
   * @param options `workers`: how many (default `defaultVerifyJobs()`).
   */
  constructor(options: { workers?: number } = {}) {
    const n = options.workers ?? defaultVerifyJobs();
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`a verify pool needs at least 1 worker, got ${n}`);
    }
    try {
      for (let i = 0; i < n; i++) this.#slots.push(this.#spawn());
    } catch (err) {
      this.close();
      throw new Error(
        `cannot start verify workers: ${(err as Error).message}; verify with --jobs 1 instead`,
        { cause: err },
      );
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  #spawn(): Slot {
    const worker = new Worker(new URL("./verify_worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, pending: new Map() };
    worker.onmessage = (event: MessageEvent<VerifyWorkerReply>) => {
      const reply = event.data;
      const waiter = slot.pending.get(reply.id);
      if (!waiter) return;
      slot.pending.delete(reply.id);
      if ("facts" in reply) {
        if (reply.spare && this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(reply.spare);
        waiter.resolve(reply.facts);
      } else {
        const cause = new Error(reply.error.message);
        cause.name = reply.error.name;
        waiter.reject(new Error(`verify worker failed: ${reply.error.message}`, { cause }));
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(`verify worker crashed: ${event.message}`));
    };
    worker.onmessageerror = () => {
      this.#fail(new Error("verify worker sent a message that could not be read"));
    };
    return slot;
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const slot of this.#slots) {
      for (const waiter of slot.pending.values()) waiter.reject(err);
      slot.pending.clear();
    }
  }

  /** True when some worker has fewer than `perWorker` checks pending. */
  hasRoom(perWorker: number): boolean {
    return this.#slots.some((s) => s.pending.size < perWorker);
  }

  /**
   * Sends signature keys to every worker; `reset` forgets the keys sent before. Used by
   * `verifyLedger`, not a public API.
   *
   * @ignore
   */
  setKeys(keys: readonly LineKeySpec[], reset: boolean): void {
    if (this.#closed) throw new Error("the verify pool is closed");
    const message: VerifyWorkerRequest = { kind: "keys", reset, keys };
    for (const slot of this.#slots) slot.worker.postMessage(message);
  }

  /**
   * Checks consecutive lines on the least busy worker. The bytes are copied into one buffer
   * (in one copy when the lines are views of one buffer, one after another, as a read chunk's
   * lines are) that is moved (not copied again) to the worker.
   *
   * @ignore
   */
  check(lines: readonly Uint8Array[]): Promise<BatchFacts> {
    if (this.#closed) return Promise.reject(new Error("the verify pool is closed"));
    if (this.#failure) return Promise.reject(this.#failure);
    const n = lines.length;
    const starts = new Uint32Array(n);
    const ends = new Uint32Array(n);
    let bytes: Uint8Array<ArrayBuffer>;
    const first = lines[0];
    const last = lines[n - 1];
    let contiguous = n > 0;
    for (let i = 1; contiguous && i < n; i++) {
      const a = lines[i - 1];
      const b = lines[i];
      contiguous = b.buffer === a.buffer && b.byteOffset >= a.byteOffset + a.length;
    }
    if (contiguous) {
      const base = first.byteOffset;
      bytes = this.#buffer(last.byteOffset + last.length - base);
      bytes.set(new Uint8Array(first.buffer, base, bytes.length));
      for (let i = 0; i < n; i++) {
        starts[i] = lines[i].byteOffset - base;
        ends[i] = starts[i] + lines[i].length;
      }
    } else {
      let total = 0;
      for (const l of lines) total += l.length;
      bytes = this.#buffer(total);
      let at = 0;
      for (let i = 0; i < n; i++) {
        bytes.set(lines[i], at);
        starts[i] = at;
        at += lines[i].length;
        ends[i] = at;
      }
    }
    let slot = this.#slots[0];
    for (const s of this.#slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.#nextId++;
    const waiter = Promise.withResolvers<BatchFacts>();
    slot.pending.set(id, waiter);
    const message: VerifyWorkerRequest = { kind: "check", id, bytes, starts, ends };
    slot.worker.postMessage(message, [bytes.buffer, starts.buffer, ends.buffer]);
    return waiter.promise;
  }

  /** `length` bytes in a spare buffer that holds them, else in a new one (at least 1 MiB). */
  #buffer(length: number): Uint8Array<ArrayBuffer> {
    for (let i = this.#spare.length - 1; i >= 0; i--) {
      if (this.#spare[i].byteLength >= length) {
        const [buffer] = this.#spare.splice(i, 1);
        return new Uint8Array(buffer, 0, length);
      }
    }
    return new Uint8Array(new ArrayBuffer(Math.max(length, MIN_BUFFER_BYTES)), 0, length);
  }

  /** Terminates the workers; pending checks reject. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(new Error("the verify pool was closed"));
    for (const slot of this.#slots) slot.worker.terminate();
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
