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
 * import { writerSink } from "./sinks.ts";
 * writerSink(Deno.stderr).write("hello\n");
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
 * import { bufferSink } from "./sinks.ts";
 * const sink = bufferSink();
 * sink.write("a");
 * console.log(sink.text()); // "a"
 * ```
 */
export function bufferSink(): TextSink & { text(): string } {
  const parts: string[] = [];
  return { write: (t: string) => void parts.push(t), text: () => parts.join("") };
}
