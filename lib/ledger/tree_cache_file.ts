/**
 * The tree hash cache on disk, next to a ledger: `DIR/cache/tree-hashes` (32-byte hashes in
 * stored-hash order, append-only) and `DIR/cache/tree-state.json` (`{"v":1,"size":N,
 * "ledgerBytes":B}`: how many ledger lines and bytes the hashes cover). Everything here is
 * derived from `ledger.jsonl` and untrusted (`DIR/cache/tree.lock` serialises updates: exclusive
 * while updating, shared while a tree is open). `openLedgerTree` brings it up to date by hashing
 * only the lines appended since, and rebuilds it from scratch when it is missing, torn or
 * inconsistent. Callers must compare the roots it yields with a signed checkpoint.
 *
 * @module
 */

import * as fs from "node:fs";
import { replaceFileAtomic } from "../base/durable_file.ts";
import { HASH_BYTES, leafHash } from "./merkle.ts";
import {
  type HashStore,
  MemoryHashStore,
  sizeForStoredCount,
  storedHashCount,
  TreeHashCache,
} from "./tree_cache.ts";

/**
 * Name of the ledger's line file (format v1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_FILE } from "./tree_cache_file.ts";
 * assert.equal(LEDGER_FILE, "ledger.jsonl");
 * ```
 */
export const LEDGER_FILE = "ledger.jsonl";
/**
 * Cache directory inside a ledger directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CACHE_DIR, openLedgerTree } from "./tree_cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"a":1}\n');
 * (await openLedgerTree(dir))[Symbol.dispose]();
 * assert.ok((await Deno.stat(`${dir}/${CACHE_DIR}`)).isDirectory);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const CACHE_DIR = "cache";

/**
 * Hashes stored in a file: reads with positioned reads, appends with one write per batch.
 * A trailing partial hash or a partial tree (after a crash) is truncated away on open.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileHashStore } from "./tree_cache_file.ts";
 * const path = await Deno.makeTempFile();
 * {
 *   using store = FileHashStore.open(path);
 *   store.append([new Uint8Array(32).fill(9)]);
 *   assert.equal(store.count, 1);
 * }
 * assert.equal((await Deno.stat(path)).size, 32);
 * await Deno.remove(path);
 * ```
 */
export class FileHashStore implements HashStore, Disposable {
  readonly #fd: number;
  #count: number;

  private constructor(fd: number, count: number) {
    this.#fd = fd;
    this.#count = count;
  }

  /** Opens (creating if missing, mode 0644) and trims to a whole tree. */
  static open(path: string): FileHashStore {
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    const raw = Math.floor(fs.fstatSync(fd).size / HASH_BYTES);
    const count = storedHashCount(sizeForStoredCount(raw));
    fs.ftruncateSync(fd, count * HASH_BYTES);
    return new FileHashStore(fd, count);
  }

  /** Number of hashes stored. */
  get count(): number {
    return this.#count;
  }

  /** Positioned read of hash `index`. */
  read(index: number): Uint8Array {
    if (index < 0 || index >= this.#count) throw new RangeError(`stored hash ${index} missing`);
    const out = new Uint8Array(HASH_BYTES);
    const got = fs.readSync(this.#fd, out, 0, HASH_BYTES, index * HASH_BYTES);
    if (got !== HASH_BYTES) throw new RangeError(`stored hash ${index} is truncated on disk`);
    return out;
  }

  /** Appends hashes with one positioned write. */
  append(hashes: readonly Uint8Array[]): void {
    if (hashes.length === 0) return;
    const buf = new Uint8Array(hashes.length * HASH_BYTES);
    hashes.forEach((h, i) => buf.set(h, i * HASH_BYTES));
    let done = 0;
    while (done < buf.length) {
      done += fs.writeSync(this.#fd, buf, done, buf.length - done, this.#count * HASH_BYTES + done);
    }
    this.#count += hashes.length;
  }

  /** Drops everything after the first `count` hashes. */
  truncate(count: number): void {
    fs.ftruncateSync(this.#fd, count * HASH_BYTES);
    this.#count = count;
  }

  /** Closes the file. */
  close(): void {
    fs.closeSync(this.#fd);
  }

  /** Same as `close`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** How long to wait for another process updating the cache before using memory instead. */
const LOCK_WAIT_MS = 10_000;

/** Polls for an exclusive flock (never blocks forever, also not on a lock held in-process). */
async function lockWithin(file: Deno.FsFile, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (file.tryLockSync(true)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A ledger's tree, opened from its cache and brought up to date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LedgerTree, openLedgerTree } from "./tree_cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"a":1}\n{"a":2}\n');
 * {
 *   using lt: LedgerTree = await openLedgerTree(dir);
 *   assert.equal(lt.hashedNow, 2);
 * }
 * {
 *   using again = await openLedgerTree(dir);
 *   assert.equal(again.hashedNow, 0);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface LedgerTree extends Disposable {
  /** The tree over every complete line of `ledger.jsonl` (a torn last line is left out). */
  readonly tree: TreeHashCache;
  /** True when the cache lives on disk; false when it could not be written or stayed busy. */
  readonly persistent: boolean;
  /** How many leaves were hashed now (0 when the cache was already current). */
  readonly hashedNow: number;
}

interface CacheState {
  v: 1;
  size: number;
  ledgerBytes: number;
}

async function readState(path: string): Promise<CacheState | undefined> {
  try {
    const s = JSON.parse(await Deno.readTextFile(path));
    if (s?.v === 1 && Number.isSafeInteger(s.size) && Number.isSafeInteger(s.ledgerBytes)) return s;
  } catch { /* missing or corrupt: rebuild */ }
  return undefined;
}

/**
 * Opens the tree of the ledger in `dir`, updating (or rebuilding) `dir/cache/` from
 * `ledger.jsonl`. Falls back to an in-memory tree when the cache cannot be written.
 *
 * @param dir Ledger directory.
 * @param options `rebuild` (default false): ignore the cache and hash every line again;
 *   `lockWaitMs` (default 10 000): how long to wait for another process updating the cache
 *   before building the tree in memory instead.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leafHash, rootOf } from "./merkle.ts";
 * import { openLedgerTree } from "./tree_cache_file.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/ledger.jsonl`, '{"a":1}\n{"a":2}\n{"a"');
 * {
 *   using lt = await openLedgerTree(dir);
 *   assert.equal(lt.tree.size, 2);
 *   const leaves = ['{"a":1}', '{"a":2}'].map((s) => leafHash(new TextEncoder().encode(s)));
 *   assert.deepEqual(lt.tree.root(2), rootOf(leaves));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openLedgerTree(
  dir: string,
  options: { rebuild?: boolean; lockWaitMs?: number } = {},
): Promise<LedgerTree> {
  const ledgerPath = `${dir}/${LEDGER_FILE}`;
  const ledgerSize = (await Deno.stat(ledgerPath)).size;
  const cacheDir = `${dir}/${CACHE_DIR}`;
  let store: FileHashStore | undefined;
  // Updates hold an exclusive flock on cache/tree.lock, readers a shared one until disposed,
  // so one process never truncates hashes another is reading.
  let lock: Deno.FsFile | undefined;
  try {
    await Deno.mkdir(cacheDir, { recursive: true });
    lock = await Deno.open(`${cacheDir}/tree.lock`, {
      read: true,
      write: true,
      create: true,
      mode: 0o644,
    });
    if (!(await lockWithin(lock, options.lockWaitMs ?? LOCK_WAIT_MS))) {
      throw new Error("cache busy");
    }
    store = FileHashStore.open(`${cacheDir}/tree-hashes`);
  } catch {
    lock?.close();
    lock = undefined;
    store = undefined;
  }
  const release = () => {
    store?.close();
    lock?.close();
  };
  const statePath = `${cacheDir}/tree-state.json`;
  let state = options.rebuild || !store ? undefined : await readState(statePath);
  if (state && (storedHashCount(state.size) > store!.count || state.ledgerBytes > ledgerSize)) {
    state = undefined;
  }
  if (store) store.truncate(state ? storedHashCount(state.size) : 0);
  const tree = new TreeHashCache(store ?? new MemoryHashStore());
  const start = state?.ledgerBytes ?? 0;
  let ledgerBytes: number;
  try {
    ledgerBytes = await hashLinesFrom(ledgerPath, start, tree);
  } catch (err) {
    release();
    throw err;
  }
  const hashedNow = tree.size - (state?.size ?? 0);
  if (store && (hashedNow > 0 || !state)) {
    await replaceFileAtomic(statePath, JSON.stringify({ v: 1, size: tree.size, ledgerBytes }));
  }
  await lock?.lock(false);
  return {
    tree,
    persistent: store !== undefined,
    hashedNow,
    [Symbol.dispose]: release,
  };
}

/**
 * Hashes every complete line (ending in `\n`) of `path` from byte `start` into `tree`, and
 * returns the byte offset just after the last complete line.
 */
async function hashLinesFrom(path: string, start: number, tree: TreeHashCache): Promise<number> {
  using file = await Deno.open(path, { read: true });
  await file.seek(start, Deno.SeekMode.Start);
  const chunk = new Uint8Array(1 << 20);
  let carry = new Uint8Array(0);
  let offset = start;
  const batch: Uint8Array[] = [];
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    let data = chunk.subarray(0, n);
    if (carry.length > 0) {
      const joined = new Uint8Array(carry.length + n);
      joined.set(carry);
      joined.set(data, carry.length);
      data = joined;
    }
    let lineStart = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, lineStart)) {
      batch.push(leafHash(data.subarray(lineStart, i)));
      offset += i + 1 - lineStart;
      lineStart = i + 1;
    }
    carry = data.slice(lineStart);
    if (batch.length >= 4096) tree.appendLeafHashes(batch.splice(0));
  }
  tree.appendLeafHashes(batch);
  return offset;
}
