import assert from "node:assert/strict";
import fc from "fast-check";
import { allocationRatio, attributeEnergy } from "../../lib/energy/attribution.ts";
import {
  busyTicks,
  cpuDelta,
  cpuUtilisationPct,
  parseProcStat,
  totalTicks,
} from "../../lib/energy/cpu_times.ts";
import { modelCpuPowerWatts, resolveTdp } from "../../lib/energy/power_model.ts";

const model = fc.record({
  tdpWatts: fc.double({ min: 1, max: 2000, noNaN: true }),
  idleFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  gamma: fc.double({ min: 0.1, max: 3, noNaN: true }),
});
const util = fc.double({ min: 0, max: 100, noNaN: true });

Deno.test("modelCpuPowerWatts stays between the idle share and TDP for any utilisation", () => {
  fc.assert(fc.property(model, util, (m, u) => {
    const p = modelCpuPowerWatts(u, m);
    const eps = 1e-9 * m.tdpWatts;
    assert.ok(p >= m.idleFraction * m.tdpWatts - eps && p <= m.tdpWatts + eps, `${p}`);
  }));
});

Deno.test("modelCpuPowerWatts is non-decreasing in utilisation", () => {
  fc.assert(fc.property(model, util, util, (m, a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    assert.ok(modelCpuPowerWatts(lo, m) <= modelCpuPowerWatts(hi, m) + 1e-9 * m.tdpWatts);
  }));
});

Deno.test("modelCpuPowerWatts matches r*TDP + (1-r)*TDP*(u/100)^gamma and clamps outside 0..100", () => {
  fc.assert(fc.property(model, util, (m, u) => {
    const expected = m.idleFraction * m.tdpWatts +
      (1 - m.idleFraction) * m.tdpWatts * (u / 100) ** m.gamma;
    assert.ok(Math.abs(modelCpuPowerWatts(u, m) - expected) <= 1e-9 * m.tdpWatts);
  }));
  const m = { tdpWatts: 65, idleFraction: 0.2, gamma: 0.8 };
  assert.equal(modelCpuPowerWatts(150, m), modelCpuPowerWatts(100, m));
  assert.equal(modelCpuPowerWatts(-5, m), modelCpuPowerWatts(0, m));
  assert.equal(modelCpuPowerWatts(Number.NaN, m), modelCpuPowerWatts(0, m));
});

Deno.test("resolveTdp prefers option, then CPU_TDP_WATTS, then config, then the stated default", () => {
  fc.assert(fc.property(
    fc.option(fc.double({ min: 1, max: 1000, noNaN: true }), { nil: undefined }),
    fc.option(fc.double({ min: 1, max: 1000, noNaN: true }), { nil: undefined }),
    fc.option(fc.double({ min: 1, max: 1000, noNaN: true }), { nil: null }),
    (option, env, config) => {
      const r = resolveTdp({
        option,
        env: { CPU_TDP_WATTS: env === undefined ? undefined : String(env) },
        config,
      });
      const expected = option ?? env ?? config ?? 100;
      assert.equal(r.tdpWatts, expected);
    },
  ));
  assert.equal(resolveTdp({ env: { CPU_TDP_WATTS: "abc" } }).tdpSource, "default");
  assert.equal(resolveTdp({ env: { CPU_TDP_WATTS: "-3" }, config: 45 }).tdpWatts, 45);
});

Deno.test("allocationRatio is in 0..1 and equals task/host when the task fits in the host", () => {
  fc.assert(fc.property(
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    (task, host) => {
      const r = allocationRatio(task, host);
      assert.ok(r >= 0 && r <= 1);
      if (host > 0 && task <= host) assert.ok(Math.abs(r - task / host) <= 1e-12);
      if (host === 0) assert.equal(r, 0);
    },
  ));
});

Deno.test("attributeEnergy: shares of tasks that partition host CPU time sum to the host energy", () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 8 }),
    fc.double({ min: 0, max: 1000, noNaN: true }),
    fc.double({ min: 0, max: 100, noNaN: true }),
    fc.double({ min: 0, max: 500, noNaN: true }),
    fc.double({ min: 1, max: 86_400, noNaN: true }),
    (ticks, cpuWh, gpuWh, idleW, seconds) => {
      const host = ticks.reduce((a, b) => a + b, 0);
      fc.pre(host > 0);
      let prop = 0;
      let active = 0;
      let totalWh = 0;
      let activeWh = 0;
      for (const t of ticks) {
        const e = attributeEnergy({
          cpuWh,
          gpuWh,
          idleBaselineWatts: idleW,
          durationSeconds: seconds,
          ratio: allocationRatio(t, host),
        });
        prop += e.proportionalWh;
        active += e.activeOnlyWh;
        totalWh = e.totalWh;
        activeWh = e.activeWh;
        assert.ok(e.activeOnlyWh <= e.proportionalWh + 1e-9);
        assert.ok(e.activeWh <= e.totalWh + 1e-9);
      }
      const tol = 1e-9 * Math.max(1, totalWh);
      assert.ok(Math.abs(prop - totalWh) <= tol, `${prop} vs ${totalWh}`);
      assert.ok(Math.abs(active - activeWh) <= tol, `${active} vs ${activeWh}`);
    },
  ));
});

Deno.test("attributeEnergy never reports negative active energy when the baseline exceeds the total", () => {
  const e = attributeEnergy({
    cpuWh: 1,
    gpuWh: 0,
    idleBaselineWatts: 100,
    durationSeconds: 3600,
    ratio: 1,
  });
  assert.equal(e.activeWh, 0);
  assert.equal(e.activeOnlyWh, 0);
  assert.equal(e.proportionalWh, 1);
});

const cpuFields = fc.record({
  user: fc.integer({ min: 0, max: 1e9 }),
  nice: fc.integer({ min: 0, max: 1e9 }),
  system: fc.integer({ min: 0, max: 1e9 }),
  idle: fc.integer({ min: 0, max: 1e9 }),
  iowait: fc.integer({ min: 0, max: 1e9 }),
  irq: fc.integer({ min: 0, max: 1e9 }),
  softirq: fc.integer({ min: 0, max: 1e9 }),
  steal: fc.integer({ min: 0, max: 1e9 }),
});
const line = (c: Record<string, number>, guest: number, guestNice: number) =>
  `cpu ${c.user} ${c.nice} ${c.system} ${c.idle} ${c.iowait} ${c.irq} ${c.softirq} ${c.steal} ${guest} ${guestNice}`;

Deno.test("busy and total ticks do not depend on the guest fields (already inside user/nice)", () => {
  fc.assert(fc.property(
    cpuFields,
    fc.integer({ min: 0, max: 1e9 }),
    fc.integer({ min: 0, max: 1e9 }),
    (c, g, gn) => {
      const a = parseProcStat(line(c, 0, 0)).total;
      const b = parseProcStat(line(c, g, gn)).total;
      assert.equal(busyTicks(a), busyTicks(b));
      assert.equal(totalTicks(a), totalTicks(b));
      assert.equal(busyTicks(b), c.user + c.nice + c.system + c.irq + c.softirq);
    },
  ));
});

Deno.test("cpuUtilisationPct stays in 0..100 and cpuDelta busy never exceeds total", () => {
  fc.assert(fc.property(cpuFields, cpuFields, (x, y) => {
    const a = parseProcStat(line(x, 0, 0)).total;
    const b = parseProcStat(line(y, 0, 0)).total;
    const u = cpuUtilisationPct(a, b);
    const d = cpuDelta(a, b);
    assert.ok(u >= 0 && u <= 100);
    assert.ok(d.busyTicks >= 0 && d.busyTicks <= d.totalTicks);
  }));
});
