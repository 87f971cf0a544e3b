import assert from "node:assert/strict";
import fc from "fast-check";
import { VirtualClock } from "../../../lib/base/clock.ts";
import { tempDir } from "../../_kit/temp_dir.ts";
import { createSimSource } from "../../../lib/energy/rapl/sim.ts";
import {
  constantPower,
  cpuUtilisationPower,
  csvPower,
  exactStepPower,
  parsePowerCsv,
  stepPower,
} from "../../../lib/energy/rapl/power_profile.ts";
import { ConfigError } from "../../../lib/base/errors.ts";

const S = 1_000_000_000n; // ns per second, also fJ per uJ

Deno.test("sim source wraps a 2^32-1 uJ counter every 11 s at 390 W like the 11-second anomaly", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const sim = createSimSource({ clock, profile: constantPower(390) });
  assert.equal(sim.kind, "sim");
  assert.equal(sim.domains[0].wrapModulus, 2n ** 32n);
  let prev = sim.read()[0].raw!;
  const wrapsAtMs: number[] = [];
  for (let ms = 100; ms <= 30_000; ms += 100) {
    await clock.advance(100);
    const raw = sim.read()[0].raw!;
    assert.equal(raw, (390n * BigInt(ms) * 1000n) % 2n ** 32n); // 390 W = 390000 uJ/ms
    if (raw < prev) wrapsAtMs.push(ms);
    prev = raw;
  }
  assert.deepEqual(wrapsAtMs, [11_100, 22_100]); // 4294.967296 J / 390 W = 11.013 s
});

Deno.test("sim source exposes exact true energy and modular deltas reconstruct it", () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 60 }),
    fc.integer({ min: 0, max: 5000 }),
    fc.bigInt({ min: 1000n, max: 2n ** 40n }),
    (ticksMs, watts, range) => {
      const clock = new VirtualClock({ sleep: "manual" });
      const modulus = range + 1n;
      const sim = createSimSource({
        clock,
        profile: constantPower(watts),
        maxEnergyRangeUj: range,
      });
      let prev = sim.read()[0].raw!;
      let sumUj = 0n;
      for (const ms of ticksMs) {
        // advance synchronously: VirtualClock.advance only awaits when sleepers exist
        void clock.advance(ms);
        const cur = sim.read()[0].raw!;
        sumUj += ((cur - prev) % modulus + modulus) % modulus;
        prev = cur;
      }
      const truthFj = sim.trueEnergyFj("package-0");
      const totalMs = BigInt(ticksMs.reduce((a, b) => a + b, 0));
      assert.equal(truthFj, BigInt(watts) * 1_000_000n * totalMs * 1_000_000n);
      // only valid while a tick is shorter than a wrap period
      if (BigInt(watts) * 10_000n * 1000n < modulus) assert.equal(sumUj, truthFj / S);
    },
  ));
});

Deno.test("sim source emulates a RAPL unit behind powercap, including the sysfs modulus rule", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const max = 262143328850n;
  const sim = createSimSource({
    clock,
    profile: constantPower(350),
    hardwareUnitNj: 61035n,
    startUj: [max - 1_000_000n],
  });
  assert.equal(sim.maxEnergyRangeUj, max);
  assert.equal(sim.domains[0].wrapModulus, max + 61n);
  const a = sim.read()[0].raw!;
  await clock.advance(100); // 35 J: past the top of the range
  const b = sim.read()[0].raw!;
  assert.ok(b < a, "wrapped");
  const deltaUj = b + sim.domains[0].wrapModulus - a;
  const truthUj = 35_000_000n;
  assert.ok(deltaUj - truthUj <= 62n && truthUj - deltaUj <= 62n, `delta ${deltaUj}`);
  const count = (b * 1000n + 61034n) / 61035n; // the hardware count behind b
  assert.equal((count * 61035n) / 1000n, b, "b is a whole number of 61.035 uJ units");
});

Deno.test("sim source puts each package at its own phase", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const sim = createSimSource({
    clock,
    profile: constantPower(1),
    packages: 2,
    startUj: [0n, 4294967000n],
  });
  await clock.advance(1000);
  assert.deepEqual(sim.read().map((s) => s.raw), [
    1_000_000n,
    (4294967000n + 1_000_000n) % 2n ** 32n,
  ]);
  assert.equal(sim.trueHostEnergyFj(), 2n * S * 1_000_000n);
  assert.throws(() => sim.trueEnergyFj("package-9"), RangeError);
});

Deno.test("step profiles integrate exactly over any partition of time", () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 400_000 })), {
      minLength: 1,
      maxLength: 8,
    }),
    fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 20 }),
    (segments, cutsMs) => {
      let at = 0n;
      const steps = segments.map(([durMs, mw]) => {
        const step = { atNs: at, microwatts: BigInt(mw) * 1000n };
        at += BigInt(durMs) * 1_000_000n;
        return step;
      });
      const p = exactStepPower(steps, "t");
      let t = 0n;
      let sum = 0n;
      for (const c of cutsMs) {
        const next = t + BigInt(c) * 1_000_000n;
        sum += p.energyFj(t, next);
        t = next;
      }
      let closed = 0n;
      for (let i = 0; i < steps.length; i++) {
        const end = i + 1 < steps.length ? steps[i + 1].atNs : t;
        const lo = steps[i].atNs < t ? steps[i].atNs : t;
        const hi = end < t ? end : t;
        closed += steps[i].microwatts * (hi - lo);
      }
      assert.equal(sum, closed);
    },
  ));
  const p = stepPower([{ atS: 0, watts: 100 }, { atS: 1, watts: 300 }]);
  assert.equal(p.energyFj(500_000_000n, 1_500_000_000n), 200n * S * 1_000_000n / 1000n * 1000n);
  assert.throws(() => stepPower([{ atS: 1, watts: 1 }]), /first step must start at 0/);
  assert.throws(() => stepPower([{ atS: 0, watts: -1 }]), /power must be/);
});

Deno.test("parsePowerCsv reads headers, comments, CRLF and exact decimals", () => {
  const steps = parsePowerCsv(
    "# demo\r\nseconds,watts\r\n0,100\r\n\r\n1.5, 390.25\r\n10.000000001,0.000001\r\n",
    "p.csv",
  );
  assert.deepEqual(steps, [
    { atNs: 0n, microwatts: 100_000_000n },
    { atNs: 1_500_000_000n, microwatts: 390_250_000n },
    { atNs: 10_000_000_001n, microwatts: 1n },
  ]);
  fc.assert(fc.property(
    fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 12n }), { maxLength: 10 }),
    fc.array(fc.bigInt({ min: 0n, max: 10n ** 10n }), { minLength: 11, maxLength: 11 }),
    (timesNs, uws) => {
      const times = [0n, ...timesNs.sort((a, b) => (a < b ? -1 : 1))];
      const fmt = (v: bigint, digits: number) => {
        const s = v.toString().padStart(digits + 1, "0");
        return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
      };
      const csv = times.map((t, i) => `${fmt(t, 9)},${fmt(uws[i], 6)}`).join("\n");
      assert.deepEqual(
        parsePowerCsv(csv, "x"),
        times.map((t, i) => ({ atNs: t, microwatts: uws[i] })),
      );
    },
  ));
});

Deno.test("parsePowerCsv names file, line and column of every kind of bad row", () => {
  const cases: [string, number, number, RegExp][] = [
    ["0,100\n1,abc\n", 2, 3, /watts must be a decimal/],
    ["0,100\nx,5\n", 2, 1, /seconds must be a decimal/],
    ["0,100\n2,5\n1,5\n", 3, 1, /strictly increase/],
    ["1,100\n", 1, 1, /first row must be at 0/],
    ["0,-5\n", 1, 3, /watts must be/],
    ["0,1.0000001\n", 1, 3, /up to 6 decimals/],
    ["0,1,2\n", 1, 1, /expected "seconds,watts"/],
    ["0,1\n1,1e3\n", 2, 3, /watts must be/],
  ];
  for (const [text, line, column, re] of cases) {
    try {
      parsePowerCsv(text, "/etc/p.csv");
      assert.fail(`accepted ${JSON.stringify(text)}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      assert.deepEqual([err.source, err.line, err.column], ["/etc/p.csv", line, column], text);
      assert.match(err.message, re);
      assert.match(err.message, /^\/etc\/p\.csv:\d+:\d+: governor\.simProfile:/);
    }
  }
  assert.throws(() => parsePowerCsv("# only a comment\n", "e.csv"), /no rows/);
});

Deno.test("csvPower drives the sim source from a file and reports a missing file", async () => {
  await using dir = await tempDir();
  const path = dir.join("profile.csv");
  Deno.writeTextFileSync(path, "seconds,watts\n0,100\n2,300\n");
  const clock = new VirtualClock({ sleep: "manual" });
  const sim = createSimSource({ clock, profile: csvPower(path) });
  await clock.advance(3000);
  assert.equal(sim.read()[0].raw, 500_000_000n); // 2 s x 100 W + 1 s x 300 W
  assert.throws(
    () => csvPower(dir.join("none.csv")),
    (e) => e instanceof ConfigError && /cannot read/.test(e.message),
  );
});

Deno.test("cpu utilisation profile follows /proc/stat through the power model", async () => {
  await using dir = await tempDir();
  const stat = dir.join("stat");
  Deno.writeTextFileSync(stat, "cpu  100 0 0 100 0 0 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0 0 0\n");
  const p = cpuUtilisationPower({ procRoot: dir.path, tdpWatts: 100 });
  Deno.writeTextFileSync(stat, "cpu  150 0 0 150 0 0 0 0 0 0\ncpu0 150 0 0 150 0 0 0 0 0 0\n");
  const expectedUw = BigInt(Math.round((20 + 80 * Math.pow(0.5, 0.8)) * 1e6)); // 50% busy
  assert.equal(p.energyFj(0n, S), expectedUw * S);
  Deno.writeTextFileSync(stat, "cpu  150 0 0 250 0 0 0 0 0 0\ncpu0 150 0 0 250 0 0 0 0 0 0\n");
  assert.equal(p.energyFj(S, 3n * S), 20_000_000n * 2n * S); // idle: 20% of TDP
  assert.throws(() => cpuUtilisationPower({ procRoot: dir.join("nope") }), /cannot read CPU times/);
});
