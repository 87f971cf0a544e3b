/**
 * Measuring parts of a program: `logger.monitor(operation, fn)` and `using span =
 * logger.span(operation)`, which ends the span when the block exits, also on an exception.
 *
 *   deno run -A examples/energy_spans.ts
 *
 * @module
 */
// deno-lint-ignore-file no-console
import { EnergyLogger } from "../mod.ts";

const logger = new EnergyLogger();

function busy(ms: number): number {
  const until = performance.now() + ms;
  let x = 1;
  while (performance.now() < until) x = (x * 48271) % 2147483647;
  return x;
}

// 1. monitor: wraps a function and returns its value with the span's energy summary.
const { value, energy } = await logger.monitor("busy 300 ms", () => busy(300));
console.log(`monitor: value ${value}, ${energy.energy_wh_attributed.toFixed(6)} Wh attributed`);
console.log(
  `  ${energy.duration_seconds.toFixed(3)} s at ${energy.avg_power_watts.toFixed(1)} W host,` +
    ` allocation_ratio ${
      energy.allocation_ratio.toFixed(3)
    }, mode ${energy.attribution_mode}, source ${energy.source}`,
);

// 2. using: the span ends when the block exits, even though it throws. (`await using` also
// waits for the final reading; with plain `using`, `logger.settled()` does.)
try {
  using _span = logger.span("failing step");
  busy(100);
  throw new Error("step failed");
} catch (err) {
  console.log(`using: caught "${(err as Error).message}"; the span was still ended and recorded`);
}

await logger.settled();
const summary = logger.getMetricsSummary();
if (summary.span_records !== 2) throw new Error("both spans should be in the history");
console.log(`history: ${JSON.stringify(summary).slice(0, 160)}...`);
await logger.close();
