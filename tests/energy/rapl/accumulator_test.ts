import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { Accumulator, type SampleOutcome } from "../../../lib/energy/rapl/accumulator.ts";
import { parsePersistedState } from "../../../lib/energy/rapl/persisted_state.ts";
import type { DomainInfo, DomainSample } from "../../../lib/energy/rapl/energy_source.ts";
import { fakeDomain, FakeSource } from "../../_kit/fake_source.ts";

const ID = "11111111-1111-4111-8111-111111111111";
const TICK_NS = 100_000_000n; // 100 ms

/** Runs a FakeSource through an Accumulator, one frame per tick. */
function run(
  domains: DomainInfo[],
  script: Record<string, (bigint | { error: string })[]>,
  options: { ticks?: number; maxPowerWatts?: number; stallTicks?: number; tickNs?: bigint } = {},
) {
  const src = new FakeSource(domains, script);
  const acc = new Accumulator(domains, {
    instance: ID,
    startMonoNs: 0n,
    maxPowerWatts: options.maxPowerWatts ?? 5000,
    stallTicks: options.stallTicks ?? 20,
  });
  const ticks = options.ticks ?? Math.max(...Object.values(script).map((v) => v.length));
  const outcomes: Record<string, SampleOutcome>[] = [];
  for (let i = 0; i < ticks; i++) {
    const ns = BigInt(i) * (options.tickNs ?? TICK_NS);
    outcomes.push(acc.apply(src.read(), { monoNs: ns, timeMs: Number(ns / 1_000_000n) }));
  }
  return { acc, snap: acc.snapshot(), outcomes };
}

Deno.test("accumulator counts a wrap exactly when it lands at any phase of a tick", () => {
  const M = 2n ** 32n;
  const perTick = 39_000_000n; // 390 W at 10 Hz
  for (let phase = 0n; phase < perTick; phase += perTick / 37n) {
    // the counter starts `phase` below the top, so the wrap happens inside tick 1 at that phase
    const start = M - 1n - phase;
    const values = Array.from({ length: 12 }, (_, i) => (start + BigInt(i) * perTick) % M);
    const { snap } = run([fakeDomain("package-0", { wrapModulus: M })], { "package-0": values });
    const d = snap.domains["package-0"];
    assertEquals(d.totalUj, 11n * perTick, `phase ${phase}`);
    assertEquals(d.wraps, 1, `phase ${phase}`);
    assertEquals(d.resets, 0);
  }
});

Deno.test("accumulator handles a wrap that lands exactly on zero and on the top value", () => {
  const M = 1000n;
  const d = [fakeDomain("p", { wrapModulus: M })];
  const { snap } = run(d, { p: [990n, 0n, 995n, 999n, 9n] }, {
    maxPowerWatts: 1e-3, // 1 mW x 100 ms = 100 uJ per tick at most
  });
  // 990->0: 10 (wrap); 0->995: 995 implausible; 995->999: 4; 999->9: wrap 10
  assertEquals(snap.domains.p.totalUj, 24n);
  assertEquals(snap.domains.p.wraps, 2);
  assertEquals(snap.domains.p.discarded, 1);
});

Deno.test("accumulator counts several wraps over a long run with a small range", () => {
  const M = 5000n;
  const step = 1234n;
  const values = Array.from({ length: 101 }, (_, i) => (BigInt(i) * step) % M);
  const { snap } = run([fakeDomain("p", { wrapModulus: M })], { p: values }, {
    maxPowerWatts: 0.02, // 2000 uJ per tick allowed
  });
  assertEquals(snap.domains.p.totalUj, 100n * step);
  assertEquals(snap.domains.p.wraps, Number((100n * step) / M));
});

Deno.test("accumulator treats a backward step far from the top as a reset and counts on", () => {
  const table: { values: bigint[]; total: bigint; resets: number; wraps: number }[] = [
    { values: [1_000_000n, 2_000_000n, 100n, 1_100n], total: 1_001_000n, resets: 1, wraps: 0 },
    { values: [4_000_000_000n, 0n, 10n], total: 10n, resets: 1, wraps: 0 }, // top is 2^32: far
    { values: [50n, 40n, 30n, 20n], total: 0n, resets: 3, wraps: 0 },
    { values: [2n ** 32n - 10n, 5n, 4n, 6n], total: 17n, resets: 1, wraps: 1 },
  ];
  for (const row of table) {
    const { snap } = run([fakeDomain("p")], { p: row.values }, { maxPowerWatts: 100 });
    assertEquals(snap.domains.p.totalUj, row.total, row.values.join(","));
    assertEquals(snap.domains.p.resets, row.resets, row.values.join(","));
    assertEquals(snap.domains.p.wraps, row.wraps, row.values.join(","));
  }
});

Deno.test("accumulator discards a delta above the maximum power and re-bases on it", () => {
  // 100 W x 100 ms = 10 J = 10_000_000 uJ allowed per tick
  const { snap, outcomes } = run([fakeDomain("p")], {
    p: [0n, 10_000_000n, 30_000_001n, 30_000_101n],
  }, { maxPowerWatts: 100 });
  assertEquals(outcomes.map((o) => o.p), ["first", "ok", "implausible", "ok"]);
  assertEquals(snap.domains.p.totalUj, 10_000_100n);
  assertEquals(snap.domains.p.discarded, 1);
  // one of three intervals was not covered
  assert(Math.abs(snap.domains.p.coverage - 2 / 3) < 1e-6, String(snap.domains.p.coverage));
});

Deno.test("accumulator keeps other domains' samples when one domain fails to read", () => {
  const domains = [fakeDomain("a"), fakeDomain("b")];
  const { snap, outcomes } = run(domains, {
    a: [0n, 100n, { error: "EIO" }, { error: "EIO" }, 400n],
    b: [0n, 50n, 100n, 150n, 200n],
  });
  assertEquals(outcomes.map((o) => o.a), ["first", "ok", "error", "error", "ok"]);
  assertEquals(outcomes.map((o) => o.b), ["first", "ok", "ok", "ok", "ok"]);
  assertEquals(snap.domains.a.totalUj, 400n); // the gap is covered by the next valid sample
  assertEquals(snap.domains.a.readErrors, 2);
  assertEquals(snap.domains.a.lastError, null);
  assertEquals(snap.domains.b.totalUj, 200n);
  assertEquals(snap.domains.a.coverage, 1);
});

Deno.test("accumulator reports the last error and out-of-range values as read errors", () => {
  const { snap } = run([fakeDomain("a", { wrapModulus: 1000n })], {
    a: [0n, 5n, 1000n, { error: "ENOENT: zone vanished" }],
  }, { maxPowerWatts: 0.001 });
  assertEquals(snap.domains.a.readErrors, 2);
  assertEquals(snap.domains.a.lastError, "ENOENT: zone vanished");
  assertEquals(snap.domains.a.totalUj, 5n);
});

Deno.test("accumulator reports a stall when a counter stays still while others move", () => {
  const moving = Array.from({ length: 40 }, (_, i) => BigInt(i) * 1000n);
  const still = [
    ...Array.from({ length: 10 }, (_, i) => BigInt(i) * 1000n),
    ...Array(30).fill(9000n),
  ];
  const { snap, outcomes } = run([fakeDomain("a"), fakeDomain("dram-0")], {
    a: moving,
    "dram-0": still,
  }, { stallTicks: 20 });
  assertEquals(snap.domains["dram-0"].stalled, true);
  assertEquals(snap.domains["dram-0"].stalls, 1);
  assertEquals(snap.domains.a.stalled, false);
  assertEquals(outcomes[39]["dram-0"], "unchanged");
  // 9 moving intervals out of 39
  assert(Math.abs(snap.domains["dram-0"].coverage - 9 / 39) < 1e-6);
});

Deno.test("accumulator reports no stall when every counter stays still", () => {
  const { snap } = run([fakeDomain("a"), fakeDomain("b")], {
    a: Array(50).fill(7n),
    b: Array(50).fill(9n),
  }, { stallTicks: 5 });
  assertEquals(snap.domains.a.stalls, 0);
  assertEquals(snap.domains.b.stalled, false);
  assertEquals(snap.domains.a.coverage, 1);
});

Deno.test("accumulator clears a stall when the counter moves again and counts a new episode", () => {
  const n = 30;
  const a = Array.from({ length: n }, (_, i) => BigInt(i) * 10n);
  const b = [0n, 0n, 0n, 0n, 1n, 1n, 2n, ...Array(n - 7).fill(3n)];
  const { snap } = run([fakeDomain("a"), fakeDomain("b")], { a, b }, { stallTicks: 3 });
  assertEquals(snap.domains.b.stalls, 2); // ticks 1-3 still, 5 alone is short, then from tick 8 on
  assertEquals(snap.domains.b.stalled, true);
  assertEquals(snap.domains.b.totalUj, 3n);
});

Deno.test("accumulator converts raw counts exactly with a fractional unit", () => {
  // Intel ESU 14: 1e6/2^14 uJ per count = 15625/256; the AMD/DRAM 15.2587890625 = 15625/1024
  for (const ujPerRaw of [{ num: 15625n, den: 256n }, { num: 15625n, den: 1024n }]) {
    const M = 2n ** 32n;
    const deltas = [1n, 3n, 7n, 1_000_001n, 65_535n, 12_345n];
    let raw = M - 1_000_000n;
    const values = [raw];
    for (const d of deltas) values.push(raw = (raw + d) % M);
    const { snap, acc } = run([fakeDomain("p", { wrapModulus: M, ujPerRaw })], { p: values });
    const rawTotal = deltas.reduce((a, b) => a + b, 0n);
    assertEquals(snap.domains.p.totalUj, (rawTotal * ujPerRaw.num) / ujPerRaw.den);
    assertEquals(snap.domains.p.wraps, 1);
    assert(acc.has("p"));
  }
});

Deno.test("accumulator sums the host total over inHostTotal domains only", () => {
  const domains = [
    fakeDomain("package-0"),
    fakeDomain("package-0/core", { kind: "core", parent: "package-0", inHostTotal: false }),
    fakeDomain("dram-0", { kind: "dram", parent: "package-0" }),
  ];
  const { snap } = run(domains, {
    "package-0": [0n, 100n],
    "package-0/core": [0n, 60n],
    "dram-0": [0n, 7n],
  });
  assertEquals(snap.hostTotalUj, 107n);
  assertEquals(snap.hostTotalDomains, ["package-0", "dram-0"]);
  assertEquals(snap.instance, ID);
  assertEquals(snap.continues, null);
});

Deno.test("accumulator continues persisted totals and names the previous instance", () => {
  const { acc } = run([fakeDomain("p")], { p: [0n, 500n, 1500n] });
  const state = parsePersistedState(JSON.parse(JSON.stringify(acc.toState(1234))));
  const next = new Accumulator([fakeDomain("p"), fakeDomain("new")], {
    instance: "22222222-2222-4222-8222-222222222222",
    restored: state,
  });
  next.apply([{ name: "p", raw: 10n }, { name: "new", raw: 0n }], { monoNs: 0n, timeMs: 0 });
  next.apply([{ name: "p", raw: 30n }, { name: "new", raw: 5n }], { monoNs: TICK_NS, timeMs: 100 });
  const snap = next.snapshot();
  assertEquals(snap.domains.p.totalUj, 1520n);
  assertEquals(snap.domains.new.totalUj, 5n);
  assertEquals(snap.continues, ID);
  assertEquals(snap.instance, "22222222-2222-4222-8222-222222222222");
});

Deno.test("parsePersistedState rejects malformed state with the field named", () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    [{ v: 2 }, /version/],
    [{ v: 1, instance: "x", savedAtMs: 0, domains: { p: { totalUj: "-1" } } }, /totalUj/],
    [{ v: 1, instance: "x", savedAtMs: 0, domains: { p: { totalUj: "1", wraps: -1 } } }, /wraps/],
  ];
  for (const [value, re] of bad) {
    let message = "";
    try {
      parsePersistedState(value);
    } catch (e) {
      message = (e as Error).message;
    }
    assert(re.test(message), `${JSON.stringify(value)} -> ${message}`);
  }
});

Deno.test("accumulator total equals the true energy for any plausible sequence (property)", () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1000n, max: 2n ** 40n }),
      fc.bigInt({ min: 0n, max: 2n ** 40n }),
      fc.array(fc.bigInt({ min: 0n, max: 1_000_000n }), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 1, max: 4096 }),
      (modulus, startRaw, deltas, den) => {
        const start = startRaw % modulus;
        const ujPerRaw = { num: 15625n, den: BigInt(den) };
        // a limit of about half the modulus energy per tick: deltas below a third of the
        // modulus are plausible, and a tick is never long enough to hide a whole wrap
        const modulusUj = (modulus * ujPerRaw.num) / ujPerRaw.den;
        const capped = deltas.map((d) => d % (modulus / 3n));
        const domain = fakeDomain("p", { wrapModulus: modulus, ujPerRaw });
        const acc = new Accumulator([domain], {
          instance: ID,
          maxPowerWatts: Number(modulusUj) / 200_000,
        });
        let raw = start;
        let wraps = 0;
        let sumDelta = 0n;
        acc.apply([{ name: "p", raw }], { monoNs: 0n, timeMs: 0 });
        capped.forEach((d, i) => {
          if (raw + d >= modulus) wraps++;
          raw = (raw + d) % modulus;
          acc.apply([{ name: "p", raw }], { monoNs: BigInt(i + 1) * TICK_NS, timeMs: 0 });
          sumDelta += acc.snapshot().domains.p.deltaUj;
        });
        const total = capped.reduce((a, b) => a + b, 0n);
        const snap = acc.snapshot().domains.p;
        // a delta of exactly 0 cannot be a wrap; any other backward step is a wrap here
        assertEquals(snap.totalUj, (total * ujPerRaw.num) / ujPerRaw.den);
        assertEquals(snap.wraps, wraps);
        assertEquals(sumDelta, snap.totalUj);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("accumulator totals never decrease whatever the input (property)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.bigInt({ min: -5n, max: 2n ** 33n }), fc.constant(null)),
        { minLength: 1, maxLength: 100 },
      ),
      fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 100, maxLength: 100 }),
      (values, gaps) => {
        const acc = new Accumulator([fakeDomain("p")], { instance: ID, maxPowerWatts: 390 });
        let prev = 0n;
        let ns = 0n;
        values.forEach((v, i) => {
          ns += BigInt(gaps[i]);
          const sample: DomainSample = v === null
            ? { name: "p", error: "x" }
            : { name: "p", raw: v };
          acc.apply([sample], { monoNs: ns, timeMs: 0 });
          const s = acc.snapshot().domains.p;
          assert(s.totalUj >= prev);
          assert(s.coverage >= 0 && s.coverage <= 1);
          // no single step adds more than 390 W x the elapsed time allows
          assert(s.deltaUj <= (390_000n * BigInt(ns)) / 1_000_000n);
          prev = s.totalUj;
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("accumulator matches samples by name when a frame is out of order or short", () => {
  const acc = new Accumulator([fakeDomain("a"), fakeDomain("b")], { instance: ID });
  acc.apply([{ name: "b", raw: 10n }, { name: "a", raw: 100n }], { monoNs: 0n, timeMs: 0 });
  const o = acc.apply([{ name: "b", raw: 15n }], { monoNs: TICK_NS, timeMs: 100 });
  assertEquals(o, { a: "error", b: "ok" });
  acc.apply([{ name: "b", raw: 20n }, { name: "a", raw: 130n }], {
    monoNs: 2n * TICK_NS,
    timeMs: 200,
  });
  const snap = acc.snapshot();
  assertEquals(snap.domains.a.totalUj, 30n);
  assertEquals(snap.domains.b.totalUj, 10n);
  assertEquals(snap.domains.a.lastError, null);
  assertEquals(snap.domains.a.readErrors, 1);
});

Deno.test("accumulator discards a delta after a gap long enough to hide whole wraps", () => {
  // modulus 1000 uJ; 1 mW x 1 s = 1000 uJ: a 1 s gap could contain a full wrap
  const d = fakeDomain("p", { wrapModulus: 1000n });
  const acc = new Accumulator([d], { instance: ID, maxPowerWatts: 0.001 });
  const at = (ms: number) => ({ monoNs: BigInt(ms) * 1_000_000n, timeMs: ms });
  acc.apply([{ name: "p", raw: 100n }], at(0));
  acc.apply([{ name: "p", raw: 150n }], at(100)); // 50 uJ, plausible (limit 100 uJ)
  acc.apply([{ name: "p", error: "EIO" }], at(500));
  const o = acc.apply([{ name: "p", raw: 300n }], at(1100)); // 1 s since the last valid sample
  assertEquals(o.p, "ambiguous");
  acc.apply([{ name: "p", raw: 340n }], at(1200));
  const snap = acc.snapshot().domains.p;
  assertEquals(snap.totalUj, 90n); // 50 + 40: the gap's 150 uJ (or 1150, 2150...) not claimed
  assertEquals(snap.discarded, 1);
  assert(Math.abs(snap.coverage - 200 / 1200) < 1e-6, String(snap.coverage));
});
