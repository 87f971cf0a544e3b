/**
 * The report's pass over the ledger lines (adapter): reads up to a byte bound (by default the
 * size under the shared lock on `ledger.lock`, as `verifyLedger` takes it) or a number of lines,
 * decodes each line once (`scanRecordLine`: one `JSON.parse`), feeds the `ReportAggregator`,
 * and, when asked, computes the RFC 6962 Merkle root of exactly the lines it read, so the caller
 * can check that the figures come from the very bytes the verifier checked. Memory stays flat:
 * one read buffer, the Merkle frontier, an offset every 4096 lines and the aggregator's classes.
 *
 * @module
 */

import { toBase64 } from "../ledger/encoding.ts";
import { LEDGER_JSONL, ledgerSizeUnderLock } from "../ledger/ledger_files.ts";
import { MAX_RECORD_BYTES, readLineBatches, readLines } from "../ledger/line_stream.ts";
import { leafHash, MerkleAccumulator } from "../ledger/merkle.ts";
import { leafHex } from "../ledger/record.ts";
import { scanRecordLine } from "../ledger/record_scan.ts";
import { ReportAggregator, type ReportData } from "./report_aggregate.ts";

/** Lines between two remembered offsets (to re-read a superseded record without an index). */
const OFFSET_EVERY = 4096;

/**
 * Options of `readReportPass`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ReportPassOptions } from "./report_pass.ts";
 * const options: ReportPassOptions = { merkle: true, maxLines: 10 };
 * assert.equal(options.maxLines, 10);
 * ```
 */
export interface ReportPassOptions {
  /**
   * The lines file to read (default `DIR/ledger.jsonl`). Tests point it at another file to stand
   * for a ledger that changed between the verifier's pass and this one.
   */
  readonly path?: string;
  /** Byte to read up to (default: the ledger's size under the shared lock on `ledger.lock`). */
  readonly end?: number;
  /** Most lines to read (default: every line up to `end`). */
  readonly maxLines?: number;
  /** Compute the Merkle root of the lines read (default false: no hashing). */
  readonly merkle?: boolean;
  /** Records kept for the table at each end (default 50). */
  readonly tableRows?: number;
  /** Stops the pass (rejecting with the signal's reason). */
  readonly signal?: AbortSignal;
  /**
   * Bytes read at a time (default 256 KiB: the line objects of a chunk are alive while it is
   * aggregated, and fewer of them outliving a young-generation collection keeps V8's heap, and
   * so the process, smaller than with 1 MiB chunks, at the same speed).
   */
  readonly chunkBytes?: number;
}

/**
 * What the pass read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReportAggregator } from "./report_aggregate.ts";
 * import type { ReportPass } from "./report_pass.ts";
 * const pass: ReportPass = { data: new ReportAggregator().finish(), entries: 0, root: null };
 * assert.equal(pass.entries, 0);
 * ```
 */
export interface ReportPass {
  /** The aggregated figures. */
  readonly data: ReportData;
  /** Complete lines read (a torn last line is not one): what `VerifyReport.entries` counts. */
  readonly entries: number;
  /** Base64 RFC 6962 root of those lines (as `VerifyReport.head.root`), null without `merkle`. */
  readonly root: string | null;
}

/**
 * Reads the ledger in `dir` once into the report's figures, and with `merkle` the root of the
 * lines read. Superseded records are re-read from the nearest remembered offset after the pass
 * (within the same bytes).
 *
 * @param options Bound (`end`, `maxLines`), `merkle`, `tableRows`, `signal`, `path`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initLedger } from "../ledger/init.ts";
 * import { generateSigningKey } from "../ledger/keys.ts";
 * import { verifyLedger } from "../ledger/verify.ts";
 * import { LedgerWriter } from "../ledger/writer.ts";
 * import { readReportPass } from "./report_pass.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   const key = generateSigningKey();
 *   const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
 *   {
 *     await using ledger = await LedgerWriter.open(dir, { key });
 *     await ledger.append("note", { text: "hello" });
 *   }
 *   const pass = await readReportPass(dir, { merkle: true });
 *   const report = await verifyLedger(dir, { trust });
 *   assert.equal(pass.entries, report.entries);
 *   assert.equal(pass.root, report.head?.root);
 *   assert.deepEqual(pass.data.byType, { genesis: 1, note: 1 });
 *   assert.equal((await readReportPass(dir, { maxLines: 1 })).entries, 1);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export async function readReportPass(
  dir: string,
  options: ReportPassOptions = {},
): Promise<ReportPass> {
  const path = options.path ?? `${dir}/${LEDGER_JSONL}`;
  const end = options.end ?? await ledgerSizeUnderLock(dir, path);
  const maxLines = options.maxLines ?? Infinity;
  const signal = options.signal;
  const agg = new ReportAggregator({ tableRows: options.tableRows });
  const tree = options.merkle ? new MerkleAccumulator() : null;
  const offsets = new Map<number, number>();
  const targets: { seq: number; leaf: string }[] = [];
  let entries = 0;
  /** Bytes up to the end of the last complete line read. */
  let covered = 0;
  const lines = readLineBatches(path, {
    end,
    reuse: true,
    maxLineBytes: MAX_RECORD_BYTES,
    chunkBytes: options.chunkBytes ?? 256 * 1024,
  });
  batches: for await (const batch of lines) {
    signal?.throwIfAborted();
    for (const line of batch) {
      if (entries >= maxLines) break batches;
      if (line.index % OFFSET_EVERY === 0) offsets.set(line.index, line.offset);
      if (!line.terminated) {
        agg.unreadable(); // a torn last line: the verdict says so; not a record
        continue;
      }
      entries++;
      if (line.oversize !== undefined) {
        covered = line.offset + line.oversize.length + 1;
        tree?.append(line.oversize.leaf);
        agg.unreadable();
        continue;
      }
      covered = line.offset + line.bytes.length + 1;
      tree?.append(leafHash(line.bytes));
      let record;
      try {
        record = scanRecordLine(line);
      } catch {
        agg.unreadable(); // the verdict names it
        continue;
      }
      const target = agg.add({ seq: line.index, type: record.type, body: record.body }, line);
      if (target !== null && target.seq < line.index) targets.push(target);
    }
  }
  // Superseded records: re-read each target line from the nearest remembered offset (once,
  // however many corrections name it), never past the bytes read above.
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(`${t.seq}:${t.leaf}`)) continue;
    seen.add(`${t.seq}:${t.leaf}`);
    const base = Math.floor(t.seq / OFFSET_EVERY) * OFFSET_EVERY;
    const start = offsets.get(base);
    if (start === undefined) continue;
    for await (const line of readLines(path, { start, startIndex: base, end: covered })) {
      if (line.index < t.seq) continue;
      if (line.terminated && line.oversize === undefined && leafHex(line.bytes) === t.leaf) {
        try {
          const record = scanRecordLine(line);
          if (record.type === "emission") agg.retract(t.seq, record.body);
        } catch {
          // not a record: it was not counted either
        }
      }
      break;
    }
  }
  // The records table's last rows were kept as copies of their lines as read (and hashed):
  // decode them, never re-read the file (which may have changed since).
  const tailBodies = new Map<number, unknown>();
  for (const t of agg.tailLines()) {
    try {
      tailBodies.set(
        t.seq,
        scanRecordLine({ bytes: t.bytes, index: t.seq, offset: 0, terminated: true }).body,
      );
    } catch {
      // it was added, so it decoded: unreachable, but a row is better missing than invented
    }
  }
  return {
    data: agg.finish(tailBodies),
    entries,
    root: tree === null ? null : toBase64(tree.root()),
  };
}
