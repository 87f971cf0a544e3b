/**
 * Text sinks over the process's stdout and stderr (adapter), and an in-memory sink for tests.
 *
 * @module
 */

import type { TextSink } from "../base/text_sink.ts";

const encoder = new TextEncoder();

/**
 * A sink that writes synchronously to a Deno writer, completing partial writes. A closed pipe
 * (the reader went away, e.g. `| head`) silently stops output instead of crashing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writerSink } from "./sinks.ts";
 * const chunks: Uint8Array[] = [];
 * const short = { writeSync: (p: Uint8Array) => (chunks.push(p.slice(0, 2)), Math.min(2, p.length)) };
 * writerSink(short).write("hello");
 * assert.equal(chunks.map((c) => new TextDecoder().decode(c)).join(""), "hello");
 * const closed = {
 *   writeSync: (): number => {
 *     throw new Deno.errors.BrokenPipe("reader went away");
 *   },
 * };
 * writerSink(closed).write("ignored"); // does not throw
 * ```
 */
export function writerSink(writer: { writeSync(p: Uint8Array): number }): TextSink {
  let closed = false;
  return {
    write(text: string) {
      if (closed) return;
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(writer.writeSync(bytes));
      } catch (err) {
        if (err instanceof Deno.errors.BrokenPipe) closed = true;
        else throw err;
      }
    },
  };
}

/**
 * A sink that collects text in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bufferSink } from "./sinks.ts";
 * const sink = bufferSink();
 * sink.write("a");
 * sink.write("b\n");
 * assert.equal(sink.text(), "ab\n");
 * ```
 */
export function bufferSink(): TextSink & { text(): string } {
  const parts: string[] = [];
  return { write: (t: string) => void parts.push(t), text: () => parts.join("") };
}
