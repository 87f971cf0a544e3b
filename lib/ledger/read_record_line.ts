/**
 * Reading one record's exact line from `ledger.jsonl` by seq (streamed, constant memory).
 *
 * @module
 */

import { LEDGER_JSONL } from "./ledger_files.ts";
import { ProofError } from "./prove.ts";

/**
 * The exact line of record `seq` (without `\n`), streamed from `ledger.jsonl`.
 *
 * @example
 * ```ts ignore
 * import { readRecordLine } from "./read_record_line.ts";
 * console.log(new TextDecoder().decode(await readRecordLine("/var/lib/carbon-ops/ledger", 0)));
 * ```
 */
export async function readRecordLine(dir: string, seq: number): Promise<Uint8Array> {
  using file = await Deno.open(`${dir}/${LEDGER_JSONL}`, { read: true });
  const chunk = new Uint8Array(1 << 20);
  let index = 0;
  let parts: Uint8Array[] = [];
  for (;;) {
    const n = await file.read(chunk);
    if (n === null) break;
    const data = chunk.subarray(0, n);
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      if (index === seq) return concat([...parts, data.slice(start, i)]);
      parts = [];
      index++;
      start = i + 1;
    }
    if (index === seq) parts.push(data.slice(start));
  }
  throw new ProofError("NOT_IN_CHECKPOINT", `the ledger has no complete record ${seq}`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
