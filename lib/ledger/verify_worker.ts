/**
 * The Web Worker of `VerifyPool` (verify_parallel.ts): keeps the signature keys it is sent and
 * answers each `check` request with `checkLines` over the lines in it. Loaded only with
 * `new Worker(...)`; importing it elsewhere does nothing.
 *
 * @module
 */

import { checkLines, LineKeys } from "./verify_lines.ts";
import type { VerifyWorkerReply, VerifyWorkerRequest } from "./verify_parallel.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<VerifyWorkerRequest>) => void) | null;
  postMessage(message: VerifyWorkerReply, transfer?: Transferable[]): void;
}

/** True in a worker (only a worker's global scope has `WorkerGlobalScope`). */
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

if (inWorker) {
  const scope = globalThis as unknown as WorkerScope;
  let keys = new LineKeys();
  scope.onmessage = (event) => {
    const request = event.data;
    if (request.kind === "keys") {
      if (request.reset) keys = new LineKeys();
      for (const spec of request.keys) keys.addSpec(spec);
      return;
    }
    const lines: Uint8Array[] = new Array(request.ends.length);
    for (let i = 0; i < request.ends.length; i++) {
      lines[i] = request.bytes.subarray(request.starts[i], request.ends[i]);
    }
    try {
      const facts = checkLines(lines, keys);
      const spare = request.bytes.buffer as ArrayBuffer;
      scope.postMessage({ id: request.id, facts, spare }, [
        facts.leaves.buffer,
        facts.seqs.buffer,
        facts.tsMs.buffer,
        facts.flags.buffer,
        facts.nameIds.buffer,
        spare,
      ]);
    } catch (err) {
      const error = err instanceof Error
        ? { name: err.name, message: err.message }
        : { name: "Error", message: String(err) };
      scope.postMessage({ id: request.id, error });
    }
  };
}
