import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseReportState,
  planPeriod,
  type ReportReading,
  type ReportState,
} from "../../lib/energy/report_period.ts";

const T0 = Date.UTC(2026, 0, 1);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const reading = (over: Partial<ReportReading> & { t: number }): ReportReading => ({
  instance: "a",
  continues: null,
  hostTotalUj: 0n,
  events: 0,
  time: iso(over.t),
  ...over,
});

Deno.test("planPeriod writes a baseline first, then periods from the previous end", () => {
  const p0 = planPeriod(null, reading({ t: 0, hostTotalUj: 500n }), { minPeriodS: 60 });
  assert.equal(p0.kind, "baseline");
  const state = p0.kind === "baseline" ? p0.state : null;
  const p1 = planPeriod(state, reading({ t: 900, hostTotalUj: 1500n }), { minPeriodS: 60 });
  assert.ok(p1.kind === "period");
  assert.equal(p1.energyUj, 1000n);
  assert.equal(p1.startTs, iso(0));
  assert.equal(p1.endTs, iso(900));
  assert.deepEqual(p1.events, []);
});

Deno.test("planPeriod skips a period shorter than the minimum (a concurrent run)", () => {
  const s: ReportState = { v: 1, instance: "a", total_uj: "10", time: iso(0), events: 0 };
  assert.equal(
    planPeriod(s, reading({ t: 30, hostTotalUj: 20n }), { minPeriodS: 60 }).kind,
    "skip",
  );
  assert.equal(planPeriod(s, reading({ t: 0, hostTotalUj: 20n }), { minPeriodS: 0 }).kind, "skip");
});

Deno.test("planPeriod handles restarts, persisted continuations, resets and backwards totals", () => {
  const s: ReportState = { v: 1, instance: "a", total_uj: "1000", time: iso(0), events: 2 };
  const fresh = planPeriod(s, reading({ t: 600, instance: "b", hostTotalUj: 300n }), {
    minPeriodS: 60,
  });
  assert.ok(fresh.kind === "period");
  assert.equal(fresh.energyUj, 300n);
  assert.match(fresh.events[0], /not measured/);
  const cont = planPeriod(
    s,
    reading({ t: 600, instance: "b", continues: "a", hostTotalUj: 1700n }),
    {
      minPeriodS: 60,
    },
  );
  assert.ok(cont.kind === "period");
  assert.equal(cont.energyUj, 700n);
  assert.match(cont.events[0], /continued/);
  const other = planPeriod(
    s,
    reading({ t: 600, instance: "c", continues: "z", hostTotalUj: 9_000_000_000n }),
    {
      minPeriodS: 60,
    },
  );
  assert.ok(other.kind === "period");
  assert.equal(other.energyUj, 0n);
  const reset = planPeriod(s, reading({ t: 600, hostTotalUj: 1200n, events: 3 }), {
    minPeriodS: 60,
  });
  assert.ok(reset.kind === "period");
  assert.match(reset.events[0], /1 counter reset/);
  const back = planPeriod(s, reading({ t: 600, hostTotalUj: 900n }), { minPeriodS: 60 });
  assert.ok(back.kind === "period");
  assert.equal(back.energyUj, 0n);
});

Deno.test("planPeriod: over any sequence of readings and restarts, periods tile and never go negative or exceed the truth", () => {
  const step = fc.record({
    dtS: fc.integer({ min: 1, max: 3600 }),
    uj: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    restart: fc.constantFrom("none", "none", "none", "fresh", "persisted"),
    report: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
    let t = 0;
    let instance = 0;
    let continues: string | null = null;
    let total = 0n;
    let truth = 0n;
    let state: ReportState | null = null;
    let reported = 0n;
    let lossless = true;
    let baselineTruth = 0n;
    let lastEnd: string | null = null;
    let truthAtLastEnd = 0n;
    for (const s of steps) {
      t += s.dtS;
      truth += s.uj;
      if (s.restart === "fresh") {
        instance++;
        continues = null;
        total = s.uj; // energy before the restart is lost to the new instance
        lossless = false;
      } else if (s.restart === "persisted") {
        if (continues !== null) lossless = false; // a -> b -> c: c continues b, not the state's a
        continues = String(instance);
        instance++;
        total += s.uj;
      } else total += s.uj;
      if (!s.report && state !== null) continue;
      const plan = planPeriod(state, {
        instance: String(instance),
        continues,
        hostTotalUj: total,
        time: iso(t),
        events: 0,
      }, { minPeriodS: 0 });
      if (plan.kind === "baseline") {
        state = plan.state;
        baselineTruth = truth;
        truthAtLastEnd = truth;
        lastEnd = plan.state.time;
      } else if (plan.kind === "period") {
        assert.ok(plan.energyUj >= 0n);
        assert.equal(plan.startTs, lastEnd, "tiles");
        lastEnd = plan.endTs;
        reported += plan.energyUj;
        truthAtLastEnd = truth;
        state = plan.state;
      }
      // later readings of a persisted instance continue "continues" only once
      continues = null;
    }
    const measured = truthAtLastEnd - baselineTruth;
    assert.ok(reported <= measured, `reported ${reported} > truth ${measured}`);
    if (lossless) assert.equal(reported, measured);
  }));
});

Deno.test("parseReportState rejects damaged state with the field named", () => {
  assert.throws(
    () => parseReportState('{"v":1,"instance":"a","total_uj":"-1","time":"x","events":0}'),
    /total_uj/,
  );
  assert.throws(() => parseReportState('{"v":2}'), /v must be 1/);
});

Deno.test("parseReportState refuses an impossible calendar time that Date.parse would roll over", () => {
  for (const time of ["2026-02-31T00:00:00.000Z", "2026-01-01T24:00:00.000Z"]) {
    assert.throws(
      () =>
        parseReportState(JSON.stringify({ v: 1, instance: "a", total_uj: "1", time, events: 0 })),
      /time must be RFC 3339/,
      time,
    );
  }
});
