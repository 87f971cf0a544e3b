/**
 * Streaming a ledger file line by line with byte offsets, in linear time and bounded memory: one
 * chunk plus the longest line, or plus `maxLineBytes` when a limit is given (a longer line is
 * hashed as it streams past and reported by its length and leaf hash, never buffered).
 *
 * @module
 */

import { openLedgerFileSync } from "./ledger_file_check.ts";
import { type Sha256Stream, sha256Stream } from "./sha256.ts";

const SMALL_FILE_BYTES = 65536;

/**
 * The maximum size of one ledger record line in bytes, without its `\n`: 1 MiB. The largest
 * valid record is far smaller (a note's text is at most 65,536 characters, under 400 KiB even
 * with every character escaped; an emission body is a few KiB), so the limit refuses nothing the
 * writer produces, and bounds what a verifier, auditor script or `jq` must hold for one line.
 * `LedgerWriter.append` refuses a longer record; `ledger verify` reports a longer line as
 * RECORD_TOO_LARGE without buffering it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_RECORD_BYTES } from "./line_stream.ts";
 * assert.equal(MAX_RECORD_BYTES, 1024 * 1024);
 * ```
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * A line longer than `maxLineBytes`: its length and RFC 6962 leaf hash, computed while streaming.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OversizeLine } from "./line_stream.ts";
 * const o: OversizeLine = { length: 5, leaf: new Uint8Array(32) };
 * assert.equal(o.leaf.length, 32);
 * ```
 */
export interface OversizeLine {
  /** Line length in bytes, without the `\n`. */
  readonly length: number;
  /** SHA-256(0x00 || line), so the hash chain and Merkle tree stay checkable past it. */
  readonly leaf: Uint8Array;
}

/**
 * Work counters of one read, for tests that check framing stays linear (pass `stats`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LineStreamStats } from "./line_stream.ts";
 * const stats: LineStreamStats = { chunks: 0, bytesScanned: 0, bytesCopied: 0 };
 * assert.equal(stats.bytesCopied, 0);
 * ```
 */
export interface LineStreamStats {
  /** Chunks read. */
  chunks: number;
  /** Bytes searched for newlines (each file byte once). */
  bytesScanned: number;
  /** Bytes copied to assemble lines that span chunks. */
  bytesCopied: number;
}

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
  /** Set when the line is longer than `maxLineBytes`; `bytes` is then empty. */
  readonly oversize?: OversizeLine;
}

/**
 * Yields the lines of `path` from byte `start` (default 0, must be a line start) up to byte `end`
 * (default: the size when the stream starts, so concurrent appends are not read half-way).
 *
 * @param options `start`, `end`, `startIndex` (index of the first line, default 0),
 *   `chunkBytes` (default 1 MiB), `maxLineBytes` (default none: lines longer than it come with
 *   `oversize` and empty `bytes`), `stats` (work counters).
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
  options: {
    start?: number;
    end?: number;
    startIndex?: number;
    chunkBytes?: number;
    maxLineBytes?: number;
    stats?: LineStreamStats;
  } = {},
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
    maxLineBytes?: number;
    stats?: LineStreamStats;
  } = {},
): AsyncGenerator<RawLine[]> {
  // Small files are read with synchronous calls: each async file op costs a thread hand-off,
  // which dominates for files of a few KiB. The file is stat'ed before it is opened: a FIFO
  // would block open(2) forever (LedgerFileError LEDGER_NOT_REGULAR / LEDGER_UNREADABLE).
  using file = openLedgerFileSync(path);
  const end = options.end ?? file.statSync().size;
  const max = options.maxLineBytes ?? Infinity;
  const stats = options.stats ?? { chunks: 0, bytesScanned: 0, bytesCopied: 0 };
  let pos = options.start ?? 0;
  if (pos > 0) file.seekSync(pos, Deno.SeekMode.Start);
  const small = end - pos <= SMALL_FILE_BYTES;
  const buf = new Uint8Array(Math.max(1, Math.min(options.chunkBytes ?? 1 << 20, end - pos)));
  // The pending (unterminated) line: pieces copied out of earlier chunks, joined once when its
  // newline arrives (linear; the old code re-copied the whole carry for every chunk). Past `max`
  // the pieces are dropped and the rest of the line is only hashed.
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let hasher: Sha256Stream | null = null;
  let pendingOffset = pos;
  let index = options.startIndex ?? 0;
  const pending = () => partBytes > 0 || hasher !== null;
  const addPiece = (piece: Uint8Array) => {
    if (hasher === null && partBytes + piece.length > max) {
      hasher = sha256Stream().update(new Uint8Array([0]));
      for (const p of parts) hasher.update(p);
      parts = [];
    }
    if (hasher !== null) hasher.update(piece);
    else if (piece.length > 0) {
      parts.push(piece.slice());
      stats.bytesCopied += piece.length;
    }
    partBytes += piece.length;
  };
  const takePending = (terminated: boolean): RawLine => {
    let line: RawLine;
    if (hasher !== null) {
      const leaf = hasher.digest();
      line = {
        bytes: new Uint8Array(0),
        index: index++,
        offset: pendingOffset,
        terminated,
        oversize: { length: partBytes, leaf },
      };
    } else {
      let bytes: Uint8Array;
      if (parts.length === 1) bytes = parts[0];
      else {
        bytes = new Uint8Array(partBytes);
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        stats.bytesCopied += partBytes;
      }
      line = { bytes, index: index++, offset: pendingOffset, terminated };
    }
    parts = [];
    partBytes = 0;
    hasher = null;
    return line;
  };
  // Larger files are read ahead: the next chunk's read runs (in the runtime's thread pool) while
  // the caller works on this chunk's lines, into the other of two buffers, so a line handed out
  // stays intact until the caller asks for the next batch. Awaiting each read in turn left the
  // thread idle for a hand-off per chunk (about 15% of `ledger totals`' time, in a CPU profile).
  const spare = small ? buf : new Uint8Array(buf.length);
  let current = buf;
  const readInto = (target: Uint8Array, at: number): Promise<number | null> | null => {
    if (small || at >= end) return null;
    const read = file.read(target.subarray(0, Math.min(target.length, end - at)));
    // A read still in flight when the caller stops early must not surface as unhandled.
    read.catch(() => {});
    return read;
  };
  let ahead = readInto(current, pos);
  try {
    while (pos < end) {
      const n = small
        ? file.readSync(current.subarray(0, Math.min(current.length, end - pos)))
        : await ahead;
      if (n === null || n === 0) break;
      stats.chunks++;
      stats.bytesScanned += n;
      const chunk = current.subarray(0, n);
      current = current === buf ? spare : buf;
      ahead = readInto(current, pos + n);
      const batch: RawLine[] = [];
      const chunkOffset = pos;
      pos += n;
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl < 0) break;
        if (pending()) {
          addPiece(chunk.subarray(from, nl));
          batch.push(takePending(true));
        } else if (nl - from > max) {
          pendingOffset = chunkOffset + from;
          addPiece(chunk.subarray(from, nl));
          batch.push(takePending(true));
        } else {
          const bytes = options.reuse ? chunk.subarray(from, nl) : chunk.slice(from, nl);
          batch.push({ bytes, index: index++, offset: chunkOffset + from, terminated: true });
        }
        from = nl + 1;
      }
      if (batch.length > 0) yield batch;
      if (from < n) {
        if (!pending()) pendingOffset = chunkOffset + from;
        addPiece(chunk.subarray(from));
      }
    }
    if (pending()) yield [takePending(false)];
  } finally {
    // The caller stopped early (or a read failed): let the read ahead finish before the file
    // is closed, so no read is left running against a closed file.
    await ahead?.catch(() => null);
  }
}
