import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { VirtualClock } from "../../lib/base/clock.ts";
import { LatencyRing, Scheduler, type TickInfo } from "../../governor/scheduler.ts";

/** Lets the scheduler reach its first sleep. */
const settle = () => new Promise((r) => setTimeout(r, 0));

async function drive(
  clock: VirtualClock,
  advanceMs: number,
  onTick: (t: TickInfo) => void = () => {},
  intervalMs = 100,
) {
  const ticks: TickInfo[] = [];
  const s = new Scheduler(clock, (t) => {
    ticks.push(t);
    onTick(t);
  }, { intervalMs });
  const stop = new AbortController();
  const done = s.run(stop.signal);
  await settle();
  await clock.advance(advanceMs);
  stop.abort();
  await done;
  return { ticks, stats: s.stats() };
}

Deno.test("scheduler ticks exactly at start + k*interval when timers are punctual", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const start = clock.monoNs();
  const { ticks, stats } = await drive(clock, 1000);
  assertEquals(ticks.length, 11);
  ticks.forEach((t, k) => {
    assertEquals(t.deadlineNs, start + BigInt(k) * 100_000_000n);
    assertEquals(t.monoNs, t.deadlineNs);
  });
  assertEquals(stats.ticks, 11);
  assertEquals(stats.overruns, 0);
  assertEquals(stats.lateness.maxMs, 0);
});

Deno.test("scheduler does not drift when every wake-up is late", async () => {
  const clock = new VirtualClock({ sleep: "manual", lateWakeMs: 7 });
  const start = clock.monoNs();
  const { ticks, stats } = await drive(clock, 10_050);
  // the deadline grid stays fixed: tick k starts 7 ms after start + k*100 ms, never later
  assertEquals(ticks.length, 101);
  for (const [k, t] of ticks.entries()) {
    assertEquals(t.deadlineNs, start + BigInt(k) * 100_000_000n);
    if (k > 0) assertEquals(t.monoNs - t.deadlineNs, 7_000_000n);
  }
  assertEquals(stats.lateness.p50Ms, 7);
  assertEquals(stats.lateness.p99Ms, 7);
  assertEquals(stats.lateness.maxMs, 7);
  assertEquals(stats.overruns, 0);
});

Deno.test("scheduler skips missed deadlines and counts the overrun when a tick is slow", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const start = clock.monoNs();
  const { ticks, stats } = await drive(clock, 1000, (t) => {
    if (t.index === 3) void clock.advance(250); // tick 3 takes 250 ms (nothing asleep: moves now)
  });
  const indices = ticks.map((t) => t.index);
  // tick 3 ends at 550 ms: deadlines 4 and 5 are skipped, 6 runs on the original grid
  assertEquals(indices.slice(0, 5), [0, 1, 2, 3, 6]);
  assertEquals(ticks[4].deadlineNs, start + 600_000_000n);
  assertEquals(stats.overruns, 1);
  assertEquals(stats.missedTicks, 2);
  assertEquals(stats.duration.maxMs, 250);
});

Deno.test("scheduler stops promptly when aborted while sleeping", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const s = new Scheduler(clock, () => {}, { intervalMs: 1000 });
  const stop = new AbortController();
  const done = s.run(stop.signal);
  await Promise.resolve();
  assertEquals(clock.pendingSleeps, 1);
  stop.abort();
  await done;
  assertEquals(s.stats().ticks, 1);
  assertEquals(clock.pendingSleeps, 0);
});

Deno.test("scheduler propagates an exception from the tick function", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const s = new Scheduler(clock, (t) => {
    if (t.index === 2) throw new Error("boom");
  });
  const done = s.run(new AbortController().signal);
  const caught = done.catch((e: Error) => e.message);
  await settle();
  await clock.advance(300);
  assertEquals(await caught, "boom");
});

Deno.test("LatencyRing keeps a bounded window and the all-time maximum", () => {
  const ring = new LatencyRing(100);
  ring.add(1000);
  for (let i = 0; i < 10_000; i++) ring.add(i % 100);
  const s = ring.summary();
  assertEquals(s.window, 100);
  assertEquals(s.maxMs, 1000);
  assertEquals(s.p50Ms, 49);
  assertEquals(s.p99Ms, 98);
  assert(new LatencyRing(1).summary().window === 0);
});

Deno.test("scheduler rejects a non-positive interval", () => {
  let message = "";
  try {
    new Scheduler(new VirtualClock(), () => {}, { intervalMs: 0 });
  } catch (e) {
    message = (e as Error).message;
  }
  assert(/intervalMs must be positive/.test(message));
});
