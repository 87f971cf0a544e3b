/**
 * A lock per key: tasks with the same key run one after another, tasks with different keys run
 * concurrently. Used so that concurrent queries for one zone fetch each day once.
 *
 * @module
 */

/**
 * Serialises async tasks by key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyedLock } from "./keyed_lock.ts";
 * const lock = new KeyedLock();
 * const order: number[] = [];
 * await Promise.all([
 *   lock.run("a", async () => { await new Promise((r) => setTimeout(r, 5)); order.push(1); }),
 *   lock.run("a", () => { order.push(2); return Promise.resolve(); }),
 * ]);
 * assert.deepEqual(order, [1, 2]);
 * assert.equal(lock.size, 0);
 * ```
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` after every earlier task with the same `key` has settled. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}
