/**
 * Streaming a ledger file line by line with byte offsets, in constant memory (one chunk plus the
 * longest line).
 *
 * @module
 */

const SMALL_FILE_BYTES = 65536;

/**
 * One line as stored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RawLine } from "./line_stream.ts";
 * const line: RawLine = { bytes: new TextEncoder().encode("ab"), index: 0, offset: 0, terminated: true };
 * assert.equal(line.offset + line.bytes.length + 1, 3);
 * ```
 */
export interface RawLine {
  /** Line bytes without the `\n`. */
  readonly bytes: Uint8Array;
  /** 0-based line index (counted from `startIndex`). */
  readonly index: number;
  /** Byte offset of the line start in the file. */
  readonly offset: number;
  /** False for a final line without `\n` (a torn write). */
  readonly terminated: boolean;
}

/**
 * Yields the lines of `path` from byte `start` (default 0, must be a line start) up to byte `end`
 * (default: the size when the stream starts, so concurrent appends are not read half-way).
 *
 * @param options `start`, `end`, `startIndex` (index of the first line, default 0),
 *   `chunkBytes` (default 1 MiB).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLines } from "./line_stream.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "a\nbc\nd");
 * const seen = [];
 * for await (const l of readLines(path)) seen.push([l.index, l.offset, l.terminated]);
 * assert.deepEqual(seen, [[0, 0, true], [1, 2, true], [2, 5, false]]);
 * await Deno.remove(path);
 * ```
 */
export async function* readLines(
  path: string,
  options: { start?: number; end?: number; startIndex?: number; chunkBytes?: number } = {},
): AsyncGenerator<RawLine> {
  for await (const batch of readLineBatches(path, options)) yield* batch;
}

/**
 * Like `readLines`, but yields the lines of each chunk as one array (fewer async steps for hot
 * loops such as verification). With `reuse: true` the line bytes are views into the read buffer,
 * valid only until the next batch is requested (no copy per line).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readLineBatches } from "./line_stream.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "a\nbc\n");
 * const sizes = [];
 * for await (const batch of readLineBatches(path)) sizes.push(batch.length);
 * assert.deepEqual(sizes, [2]);
 * await Deno.remove(path);
 * ```
 */
export async function* readLineBatches(
  path: string,
  options: {
    start?: number;
    end?: number;
    startIndex?: number;
    chunkBytes?: number;
    reuse?: boolean;
  } = {},
): AsyncGenerator<RawLine[]> {
  // Small files are read with synchronous calls: each async file op costs a thread hand-off,
  // which dominates for files of a few KiB.
  using file = Deno.openSync(path, { read: true });
  const end = options.end ?? file.statSync().size;
  let pos = options.start ?? 0;
  if (pos > 0) file.seekSync(pos, Deno.SeekMode.Start);
  const small = end - pos <= SMALL_FILE_BYTES;
  const buf = new Uint8Array(Math.max(1, Math.min(options.chunkBytes ?? 1 << 20, end - pos)));
  let carry: Uint8Array | null = null;
  let carryOffset = pos;
  let index = options.startIndex ?? 0;
  while (pos < end) {
    const want = Math.min(buf.length, end - pos);
    const n = small ? file.readSync(buf.subarray(0, want)) : await file.read(buf.subarray(0, want));
    if (n === null || n === 0) break;
    const chunk = buf.subarray(0, n);
    const batch: RawLine[] = [];
    const chunkOffset = pos;
    pos += n;
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      let bytes: Uint8Array;
      let offset: number;
      if (carry) {
        bytes = new Uint8Array(carry.length + nl);
        bytes.set(carry);
        bytes.set(chunk.subarray(0, nl), carry.length);
        offset = carryOffset;
        carry = null;
      } else {
        bytes = options.reuse ? chunk.subarray(from, nl) : chunk.slice(from, nl);
        offset = chunkOffset + from;
      }
      batch.push({ bytes, index: index++, offset, terminated: true });
      from = nl + 1;
    }
    if (batch.length > 0) yield batch;
    if (from < n) {
      const rest = chunk.subarray(from);
      if (carry) {
        const joined: Uint8Array = new Uint8Array(carry.length + rest.length);
        joined.set(carry);
        joined.set(rest, carry.length);
        carry = joined;
      } else {
        carry = rest.slice();
        carryOffset = chunkOffset + from;
      }
    }
  }
  if (carry && carry.length > 0) {
    yield [{ bytes: carry, index, offset: carryOffset, terminated: false }];
  }
}
