/**
 * For the tamper, bit-flip and proof tests: `verifyDir` that verifies with the sequential
 * verifier and with the parallel one (a worker pool, tiny batches so results are reassembled
 * across batches and workers), asserts both reports are identical, and returns it. The pool is
 * shared by the tests of a file and closed after each test.
 */

import assert from "node:assert/strict";
import type { TrustFile } from "../../lib/ledger/trust.ts";
import { type CheckpointInput, verifyLedger } from "../../lib/ledger/verify.ts";
import { VerifyPool } from "../../lib/ledger/verify_parallel.ts";
import type { VerifyReport } from "../../lib/ledger/verify_report.ts";

let pool: VerifyPool | null = null;

Deno.test.afterEach(() => {
  pool?.close();
  pool = null;
});

/** The parallel verifier's report, with a shared pool of one worker and batches of 2 lines. */
export function verifyParallel(
  dir: string,
  trust: TrustFile,
  checkpoints: CheckpointInput[] = [],
): Promise<VerifyReport> {
  pool ??= new VerifyPool({ workers: 1 });
  return verifyLedger(dir, { trust, checkpoints, useLedgerCheckpoint: false, pool, batchLines: 2 });
}

/** Verifies without the on-host checkpoint, sequentially and in parallel; both must agree. */
export async function verifyDir(
  dir: string,
  trust: TrustFile,
  checkpoints: CheckpointInput[] = [],
): Promise<VerifyReport> {
  const sequential = await verifyLedger(dir, { trust, checkpoints, useLedgerCheckpoint: false });
  const parallel = await verifyParallel(dir, trust, checkpoints);
  assert.deepEqual(parallel, sequential, "parallel and sequential verification disagree");
  return sequential;
}
