/**
 * A small v1 ledger for proof, rotation and import tests: `initLedger` plus `records` note
 * records appended through `LedgerWriter` (real durable appends), with a fake clock.
 */

import { initLedger, type InitResult } from "../../lib/ledger/init.ts";
import type { SigningKey } from "../../lib/ledger/keys.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { VirtualClock } from "../../lib/base/clock.ts";

/** Creates a ledger in `dir` with genesis and `records` notes ("note 1", "note 2", ...). */
export async function smallLedger(
  dir: string,
  options: { records: number; key: SigningKey; origin?: string },
): Promise<InitResult> {
  const clock = new VirtualClock({ sleep: "manual", wallMs: Date.UTC(2026, 0, 1) });
  const init = await initLedger(dir, {
    origin: options.origin ?? "carbon-ops.example/test",
    key: options.key,
    clock,
  });
  await using w = await LedgerWriter.open(dir, { key: options.key, clock });
  for (let i = 1; i <= options.records; i++) {
    await clock.advance(1000);
    await w.append("note", { text: `note ${i}` });
  }
  return init;
}
