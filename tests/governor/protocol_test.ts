import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { Accumulator } from "../../lib/energy/rapl/accumulator.ts";
import { assessHealth, handleRequestLine, type ProtocolContext } from "../../governor/protocol.ts";
import { renderOpenMetrics } from "../../governor/metrics.ts";
import { Scheduler } from "../../governor/scheduler.ts";
import { fakeDomain, FakeSource } from "../_kit/fake_source.ts";
import { VirtualClock } from "../../lib/base/clock.ts";

const ID = "33333333-3333-4333-8333-333333333333";

function context(script: Record<string, (bigint | { error: string })[]>, frames: number) {
  const domains = [
    fakeDomain("package-0"),
    fakeDomain("package-0/core", { kind: "core", parent: "package-0", inHostTotal: false }),
  ];
  const src = new FakeSource(domains, script);
  const acc = new Accumulator(domains, { instance: ID, startMonoNs: 0n, stallTicks: 3 });
  for (let i = 0; i < frames; i++) {
    acc.apply(src.read(), {
      monoNs: BigInt(i) * 100_000_000n,
      timeMs: Date.UTC(2026, 0, 1) + i * 100,
    });
  }
  const lastTick = frames === 0 ? null : BigInt(frames - 1) * 100_000_000n;
  const sched = new Scheduler(new VirtualClock({ sleep: "manual" }), () => {});
  const ctx: ProtocolContext = {
    snapshot: () => acc.snapshot(),
    domains,
    scheduler: () => ({ ...sched.stats(), lastTickMonoNs: lastTick }),
    server: () => ({
      active: 1,
      accepted: 2,
      rejected: 0,
      timedOut: 0,
      oversized: 0,
      badRequests: 0,
      requests: 5,
      evicted: 0,
      requestTimedOut: 0,
    }),
    process: () => ({ rssBytes: 1234, uptimeS: 1.5 }),
    nowMonoNs: () => lastTick ?? 0n,
  };
  return ctx;
}

const parse = (line: string) => {
  assert(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), "one line");
  return JSON.parse(line);
};

Deno.test("protocol read returns totals as decimal strings with instance, source and time", () => {
  const ctx = context({ "package-0": [0n, 1000n], "package-0/core": [0n, 400n] }, 2);
  const r = parse(handleRequestLine('{"v":1,"op":"read"}', ctx).line);
  assertEquals(r.v, 1);
  assertEquals(r.ok, true);
  assertEquals(r.instance, ID);
  assertEquals(r.continues, null);
  assertEquals(r.source, "sim");
  assertEquals(r.mono_ns, "100000000");
  assertEquals(r.time, "2026-01-01T00:00:00.100Z");
  assertEquals(r.domains["package-0"].total_uj, "1000");
  assertEquals(r.domains["package-0"].delta_uj, "1000");
  assertEquals(r.domains["package-0/core"].total_uj, "400");
  assertEquals(r.host_total_uj, "1000");
  assertEquals(r.host_total_domains, ["package-0"]);
  assertEquals(r.domains["package-0"].coverage, 1);
});

Deno.test("protocol keeps totals beyond 2^53 exact on the wire", () => {
  const domains = [fakeDomain("psys", { kind: "psys" })];
  const acc = new Accumulator(domains, {
    instance: ID,
    restored: {
      v: 1,
      instance: "old",
      savedAtMs: 0,
      domains: { psys: { totalUj: "9007199254740993", wraps: 0, resets: 0, discarded: 0 } },
    },
  });
  acc.apply([{ name: "psys", raw: 0n }], { monoNs: 0n, timeMs: 0 });
  acc.apply([{ name: "psys", raw: 3n }], { monoNs: 100_000_000n, timeMs: 100 });
  const ctx = {
    ...context({ "package-0": [0n], "package-0/core": [0n] }, 1),
    snapshot: () => acc.snapshot(),
  };
  const r = parse(handleRequestLine('{"v":1,"op":"read"}', ctx).line);
  assertEquals(r.domains.psys.total_uj, "9007199254740996");
  assertEquals(r.host_total_uj, "9007199254740996");
  assertEquals(r.continues, "old");
});

Deno.test("protocol domains, health and stats answer with their documented fields", () => {
  const ctx = context({
    "package-0": [0n, 10n, 20n, 30n, 40n],
    "package-0/core": [0n, 5n, 5n, 5n, 5n],
  }, 5);
  const d = parse(handleRequestLine('{"v":1,"op":"domains","id":7}', ctx).line);
  assertEquals(d.id, 7);
  assertEquals(d.domains.map((x: { name: string }) => x.name), ["package-0", "package-0/core"]);
  assertEquals(d.domains[0].wrap_modulus, String(2n ** 32n));
  assertEquals(d.domains[1].in_host_total, false);
  const h = parse(handleRequestLine('{"v":1,"op":"health"}', ctx).line);
  assertEquals(h.status, "degraded");
  assertEquals(h.simulated, true);
  assert(h.problems[0].includes("package-0/core: counter stalled"), h.problems[0]);
  assertEquals(h.domains["package-0"].ok, true);
  const s = parse(handleRequestLine('{"v":1,"op":"stats","id":"x"}', ctx).line);
  assertEquals(s.id, "x");
  assertEquals(s.interval_ms, 100);
  assertEquals(s.clients.requests, 5);
  assertEquals(s.rss_bytes, 1234);
  assertEquals(Object.keys(s.tick_lateness_ms).sort(), ["max", "p50", "p99", "window"]);
});

Deno.test("protocol answers malformed requests with a v1 error and the right code", () => {
  const ctx = context({ "package-0": [0n], "package-0/core": [0n] }, 1);
  const table: [string, string][] = [
    ["{not json", "bad_json"],
    ["[1,2]", "bad_request"],
    ['"read"', "bad_request"],
    ["null", "bad_request"],
    ['{"op":"read"}', "unsupported_version"],
    ['{"v":2,"op":"read"}', "unsupported_version"],
    ['{"v":"1","op":"read"}', "unsupported_version"],
    ['{"v":1}', "unknown_op"],
    ['{"v":1,"op":"write"}', "unknown_op"],
    ['{"v":1,"op":"read","id":{}}', "bad_request"],
  ];
  for (const [line, code] of table) {
    const res = handleRequestLine(line, ctx);
    const r = parse(res.line);
    assertEquals(res.error, true, line);
    assertEquals(r.v, 1, line);
    assertEquals(r.ok, false, line);
    assertEquals(r.error.code, code, line);
    assert(typeof r.error.message === "string" && r.error.message.length > 10, line);
  }
});

Deno.test("protocol health is failing before the first sample and when every read fails", () => {
  assertEquals(handleHealth(context({ "package-0": [0n], "package-0/core": [0n] }, 0)), "failing");
  const failing = context({
    "package-0": [0n, { error: "EIO" }],
    "package-0/core": [0n, { error: "EIO" }],
  }, 2);
  assertEquals(handleHealth(failing), "failing");
  const ok = context({ "package-0": [0n, 1n], "package-0/core": [0n, 1n] }, 2);
  assertEquals(handleHealth(ok), "ok");
  const stale = assessHealth(ok.snapshot(), { intervalMs: 100, lastTickMonoNs: 0n }, 600_000_000n);
  assertEquals(stale.status, "failing");
});

function handleHealth(ctx: ProtocolContext): string {
  return parse(handleRequestLine('{"v":1,"op":"health"}', ctx).line).status;
}

Deno.test("protocol never throws and always answers one v1 line for any input (property)", () => {
  const ctx = context({ "package-0": [0n, 5n], "package-0/core": [0n, 1n] }, 2);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json(),
        fc.record({ v: fc.anything(), op: fc.anything(), id: fc.anything() }).map((o) =>
          JSON.stringify(o) ?? ""
        ),
      ),
      (line) => {
        const r = parse(handleRequestLine(line, ctx).line);
        assertEquals(r.v, 1);
        assert(typeof r.ok === "boolean");
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("openmetrics text has exact joules, one TYPE per family and ends with # EOF", () => {
  const ctx = context({ "package-0": [0n, 1_234_567n], "package-0/core": [0n, 1_000_000n] }, 2);
  const snap = ctx.snapshot();
  const text = renderOpenMetrics({
    snapshot: snap,
    health: assessHealth(snap, ctx.scheduler(), ctx.nowMonoNs()),
    scheduler: ctx.scheduler(),
  });
  assert(text.includes('carbon_ops_energy_joules_total{domain="package-0"} 1.234567\n'));
  assert(text.includes('carbon_ops_energy_joules_total{domain="package-0/core"} 1\n'));
  assert(text.includes('carbon_ops_host_energy_joules_total{basis="package-0"} 1.234567\n'));
  assert(text.includes(`carbon_ops_governor_info{governor_instance="${ID}",source="sim"} 1`));
  assert(text.endsWith("# EOF\n"));
  const types = text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
  assertEquals(new Set(types).size, types.length);
  // every sample belongs to a declared family
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const name = line.split(/[{ ]/)[0];
    assert(types.some((t) => name === t || name.startsWith(t + "_")), line);
  }
});

Deno.test("protocol workloads answers the latest attribution, re-encoded only when it changes, and workloads_off with the reason when off", () => {
  const ctx = context({ "package-0": [0n, 1000n], "package-0/core": [0n, 400n] }, 2);
  // not configured at all: off
  const none = parse(handleRequestLine('{"v":1,"op":"workloads","id":1}', ctx).line);
  assertEquals(none.ok, false);
  assertEquals(none.id, 1);
  assertEquals(none.error.code, "workloads_off");
  assertEquals(parse(handleRequestLine('{"v":1,"op":"stats"}', ctx).line).workloads, null);
  const off = handleRequestLine('{"v":1,"op":"workloads"}', {
    ...ctx,
    workloads: () => ({ on: false, reason: "no cgroup hierarchy under /x" }),
  });
  assertEquals(off.error, true);
  const body = parse(off.line).error;
  assertEquals(body.code, "workloads_off");
  assert(body.message.includes("no cgroup hierarchy under /x"), body.message);
  let totals = {
    instance: ID,
    monoNs: 5n,
    timeMs: 0,
    policy: "idle" as const,
    intervals: 1,
    domains: { "package-0": { hostUj: 1000n, buckets: { "(idle)": 600n, "a.slice": 400n } } },
    workloads: {
      "a.slice": { cgroup: "a.slice", podUid: null, containerId: null, qos: null, runtime: null },
    },
  };
  const stats = {
    intervalMs: 1000,
    runs: 2,
    intervals: 1,
    lastDurationMs: 0.5,
    maxDurationMs: 0.5,
    cgroups: 1,
    skipped: 0,
    workloads: 1,
    overCap: 0,
    cgroupResets: 0,
    domainResets: 0,
    scanFailures: 0,
  };
  const on = {
    ...ctx,
    workloads: () => ({ on: true as const, totals: () => totals, stats: () => stats }),
  };
  const r = parse(handleRequestLine('{"v":1,"op":"workloads"}', on).line);
  assertEquals(r.ok, true);
  assertEquals(r.domains["package-0"], {
    host_uj: "1000",
    buckets: { "(idle)": "600", "a.slice": "400" },
  });
  assertEquals(r.workloads["a.slice"].pod_uid, null);
  assertEquals(parse(handleRequestLine('{"v":1,"op":"stats"}', on).line).workloads.runs, 2);
  // a new snapshot object is a new answer
  totals = { ...totals, intervals: 2 };
  assertEquals(parse(handleRequestLine('{"v":1,"op":"workloads"}', on).line).intervals, 2);
  // a snapshot that would break conservation is never written: internal error instead
  totals = {
    ...totals,
    domains: { "package-0": { hostUj: 1001n, buckets: totals.domains["package-0"].buckets } },
  };
  assertEquals(
    parse(handleRequestLine('{"v":1,"op":"workloads"}', on).line).error.code,
    "internal",
  );
});
