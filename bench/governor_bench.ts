/**
 * Governor hot paths (issue 4): a full tick (sysfs read + accumulate) beside the bare reads of
 * the same files, the accumulator alone, protocol answers and the OpenMetrics page.
 * The daemon-level numbers (CPU, RSS, round trips, lateness, accuracy) come from
 * bench/governor_measure.ts.
 *
 * Run: node_modules/.bin/deno bench -A bench/governor_bench.ts
 */
import * as fs from "node:fs";
import { Accumulator } from "../lib/energy/rapl/accumulator.ts";
import { renderOpenMetrics } from "../governor/metrics.ts";
import { assessHealth, handleRequestLine, type ProtocolContext } from "../governor/protocol.ts";
import { Scheduler } from "../governor/scheduler.ts";
import { openSysfsSource } from "../lib/energy/rapl/sysfs.ts";
import { systemClock } from "../lib/base/clock.ts";
import { buildFakePowercap, intelTwoSocketZones } from "../tests/_kit/fake_powercap.ts";

const dir = Deno.makeTempDirSync({ prefix: "carbon-ops-governor-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const tree = buildFakePowercap(dir, intelTwoSocketZones());
const source = openSysfsSource({ root: tree.classRoot });
const fds = source.domains.map((d) => fs.openSync(d.energyPath, "r"));
const buf = new Uint8Array(32);
const acc = new Accumulator(source.domains, { instance: "bench", source: "sysfs" });
let k = 0;
const tick = () =>
  acc.apply(source.read(), { monoNs: BigInt(++k) * 100_000_000n, timeMs: k * 100 });

Deno.bench({
  name: "governor tick: sysfs read + accumulate, 6 domains",
  group: "tick",
  baseline: true,
  fn: () => void tick(),
});
Deno.bench({
  name: "floor: 6 bare pread of the same files",
  group: "tick",
  fn: () => {
    for (const fd of fds) fs.readSync(fd, buf, 0, buf.length, 0);
  },
});

const samples = source.read();
let m = 0;
Deno.bench({
  name: "accumulator.apply, 6 domains (pre-read samples)",
  group: "accumulate",
  fn: () =>
    void acc.apply(samples, {
      monoNs: BigInt(++m) * 100_000_000n + BigInt(k) * 100_000_000n,
      timeMs: 0,
    }),
});

tick();
const scheduler = new Scheduler(systemClock, () => {});
const ctx: ProtocolContext = {
  snapshot: () => acc.snapshot(),
  domains: source.domains,
  scheduler: () => scheduler.stats(),
  server: () => ({
    active: 1,
    accepted: 1,
    rejected: 0,
    timedOut: 0,
    oversized: 0,
    badRequests: 0,
    requests: 1,
    evicted: 0,
    requestTimedOut: 0,
  }),
  process: () => ({ rssBytes: 0, uptimeS: 1 }),
  nowMonoNs: () => BigInt(k) * 100_000_000n,
};
Deno.bench({
  name: "read (cached between ticks)",
  group: "protocol",
  baseline: true,
  fn: () => void handleRequestLine('{"v":1,"op":"read"}', ctx),
});
Deno.bench({
  name: "read right after a tick (serialised afresh)",
  group: "protocol",
  fn: () => {
    tick();
    handleRequestLine('{"v":1,"op":"read"}', ctx);
  },
});
Deno.bench({
  name: "health",
  group: "protocol",
  fn: () => void handleRequestLine('{"v":1,"op":"health"}', ctx),
});
Deno.bench({
  name: "malformed line",
  group: "protocol",
  fn: () => void handleRequestLine('{"v":1,"op":', ctx),
});
Deno.bench({
  name: "OpenMetrics page, 6 domains",
  fn: () =>
    void renderOpenMetrics({
      snapshot: acc.snapshot(),
      health: assessHealth(acc.snapshot(), scheduler.stats(), BigInt(k) * 100_000_000n),
      scheduler: scheduler.stats(),
    }),
});
