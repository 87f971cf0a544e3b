import assert from "node:assert/strict";
import {
  EMISSION_QUICK_CHECK_ON,
  emissionBodyProblems,
  quickEmissionBodyValid,
  quickTotalsFieldsValid,
} from "../../lib/ledger/emission_quick_check.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import { sampleEmission } from "../_kit/ledger_fixture.ts";
import { seededRandom } from "../../lib/base/prng.ts";
import { TOTALS_QUICK_CHECK_ON, totalsFieldProblems } from "../../lib/ledger/query.ts";

const EMBODIED = {
  co2e_g: "12.5",
  ci_lower_g: "10",
  ci_upper_g: "15",
  confidence_level_pct: 95,
  method: "ccf",
  model: "m",
  data_version: "2025.1",
  instance_type: "m5.large",
  share_of_host: "0.25",
  lifespan_hours: "35040",
  flags: ["estimated"],
};

/** A body using every optional field of the schema. */
function fullBody(scope: 1 | 2 | 3, withEmbodied: boolean): Record<string, unknown> {
  const base = sampleEmission({ scope }) as Record<string, unknown>;
  return structuredClone({
    ...base,
    source: { host: "h", site: "s", cloud_account: "a", cloud_region: "r" },
    activity: {
      ...(base.activity as Record<string, unknown>),
      evidence: [{ name: "rapl", sha256: "ab".repeat(32) }],
      model: {
        name: "ccf-linear@2026-12-02",
        instance_type: "aws:m5.large",
        utilization_pct: 50,
        utilization_assumed: true,
      },
    },
    allocation: { rule: "fixed_share", ratio: "0.5" },
    method: { formula: "E * EF * PUE" },
    result: { ...(base.result as Record<string, unknown>), seed: 7 },
    assumptions: ["a"],
    exclusions: ["network"],
    ...(withEmbodied ? { embodied: EMBODIED } : {}),
  });
}

/** Values a mutated field takes: near misses of the rules the quick check covers. */
const ODD: unknown[] = [
  undefined,
  null,
  "",
  "0",
  "00",
  "01.5",
  "1.",
  ".5",
  "-1",
  "1e3",
  " 1",
  "1".repeat(65),
  "1".repeat(64),
  "0.".padEnd(64, "9"),
  "0.5",
  "1.0",
  "1.00",
  "1.01",
  "2",
  "9",
  "10",
  "100000001",
  "178.0224",
  "178.02240",
  "178.0225",
  0,
  1,
  2,
  3,
  4,
  15,
  16,
  95,
  1.5,
  -1,
  100,
  101,
  1989,
  1990,
  2100,
  2101,
  true,
  false,
  [],
  ["x"],
  [""],
  [{ name: "n", sha256: "ab".repeat(32) }],
  [{ name: "n", sha256: "AB".repeat(32) }],
  {},
  { x: 1 },
  { host: "h" },
  { name: "n", version: "v" },
  "location",
  "market",
  "measured",
  "simulated",
  "fallback",
  "estimated",
  "governor",
  "meter",
  "whole_host",
  "lifecycle",
  "grid_average",
  "none",
  "monte_carlo",
  "gCO2e/kWh",
  "CO2e",
  "2026",
  "2026-Q1",
  "2026-Q5",
  "2026-01",
  "2026-1",
  "x".repeat(256),
  "x".repeat(257),
  "x".repeat(1024),
  "x".repeat(1025),
  "carbon-ops/emission/v1",
  "2026-01-01T00:00:00Z",
  "2026-01-01T00:00:00.5Z",
  "2026-01-01T00:59:59Z",
  "2026-01-01T01:00:00Z",
  "2026-01-01T02:00:00Z",
  "2025-12-31T23:59:59Z",
  "2026-02-29T00:00:00Z",
  "2028-02-29T00:00:00Z",
  "2026-04-31T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01T23:59:60Z",
  "2026-01-01T00:00:00.Z",
  "2026-01-01T00:00:00.123456789Z",
  "2026-01-01T00:00:00.1234567890Z",
  "2026-01-01T00:00:00+00:00",
  "ab".repeat(32),
  "2026-01-31T23:59:59Z",
  "2026-00-01T00:00:00Z",
  "2026-01-00T00:00:00Z",
  "2026-01-01T23:60:00Z",
  "2026-01-01t00:00:00Z",
  "0000-01-01T00:00:00Z",
  "1",
  "0.25",
];

/** Every field of the schema, and a few it does not have. */
const PATHS = [
  ["schema"],
  ["reporting_entity"],
  ["source"],
  ["source", "host"],
  ["source", "site"],
  ["source", "cloud_region"],
  ["source", "other"],
  ["activity_period"],
  ["activity_period", "start"],
  ["activity_period", "end"],
  ["activity_period", "other"],
  ["reporting_period"],
  ["scope"],
  ["scope2_method"],
  ["scope3_category"],
  ["gases"],
  ["activity"],
  ["activity", "energy_kwh"],
  ["activity", "source"],
  ["activity", "simulated"],
  ["activity", "coverage_pct"],
  ["activity", "evidence"],
  ["activity", "model"],
  ["activity", "model", "name"],
  ["activity", "model", "utilization_pct"],
  ["activity", "model", "utilization_assumed"],
  ["activity", "other"],
  ["emission_factor"],
  ["emission_factor", "value"],
  ["emission_factor", "unit"],
  ["emission_factor", "dataset"],
  ["emission_factor", "year"],
  ["emission_factor", "basis"],
  ["emission_factor", "instrument"],
  ["emission_factor", "gwp_set"],
  ["pue"],
  ["pue", "value"],
  ["pue", "source"],
  ["allocation"],
  ["allocation", "rule"],
  ["allocation", "ratio"],
  ["method"],
  ["method", "formula"],
  ["result"],
  ["result", "co2e_g"],
  ["result", "interval"],
  ["result", "interval", "lower_g"],
  ["result", "interval", "upper_g"],
  ["result", "confidence_level_pct"],
  ["result", "uncertainty_method"],
  ["result", "seed"],
  ["embodied"],
  ["embodied", "co2e_g"],
  ["embodied", "ci_lower_g"],
  ["embodied", "ci_upper_g"],
  ["embodied", "confidence_level_pct"],
  ["embodied", "share_of_host"],
  ["embodied", "flags"],
  ["embodied", "extra"],
  ["quality"],
  ["assumptions"],
  ["exclusions"],
  ["tool"],
  ["tool", "name"],
  ["labels"],
  ["labels", "team"],
  ["other"],
];

function mutate(body: Record<string, unknown>, path: string[], value: unknown): void {
  let at = body;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) return;
    at = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete at[last];
  else at[last] = value;
}

Deno.test("the quick emission check is on for the schema it was written for and passes valid bodies", () => {
  assert.equal(EMISSION_QUICK_CHECK_ON, true, "schema changed: review quickEmissionBodyValid");
  for (const scope of [1, 2, 3] as const) {
    for (const withEmbodied of [false, true]) {
      const body = fullBody(scope, withEmbodied);
      assert.deepEqual(checkBody("emission", body as JsonValue), []);
      assert.equal(quickEmissionBodyValid(body), true, `scope ${scope} ${withEmbodied}`);
      const plain = sampleEmission({ scope }) as Record<string, unknown>;
      assert.equal(quickEmissionBodyValid(plain), true);
    }
  }
});

Deno.test("the quick emission check never passes a body checkBody refuses (random mutations)", () => {
  let quickPassed = 0;
  let refused = 0;
  for (let seed = 1; seed <= 30_000; seed++) {
    const rand = seededRandom(seed);
    const scope = ([1, 2, 3] as const)[Math.floor(rand() * 3)];
    const body = rand() < 0.5
      ? fullBody(scope, rand() < 0.5)
      : structuredClone(sampleEmission({ scope })) as Record<string, unknown>;
    const changes = 1 + Math.floor(rand() * 3);
    const done: string[] = [];
    for (let c = 0; c < changes; c++) {
      const path = PATHS[Math.floor(rand() * PATHS.length)];
      const value = structuredClone(ODD[Math.floor(rand() * ODD.length)]);
      mutate(body, path, value);
      done.push(`${path.join(".")}=${JSON.stringify(value)}`);
    }
    const problems = checkBody("emission", body as JsonValue);
    if (quickEmissionBodyValid(body)) {
      quickPassed++;
      assert.deepEqual(problems, [], `seed ${seed}: ${done.join(" ")}`);
    } else if (problems.length > 0) refused++;
  }
  // Both branches are exercised, so the property can fail.
  assert.ok(quickPassed > 2000 && refused > 2000, `${quickPassed} passed, ${refused} refused`);
});

Deno.test("emissionBodyProblems names the same problems as checkBody, and none for a valid body", () => {
  const body = fullBody(2, true);
  assert.deepEqual(emissionBodyProblems(body), []);
  const cases: [string[], unknown][] = [
    [["result", "interval", "lower_g"], "200"],
    [["embodied", "confidence_level_pct"], 90],
    [["activity_period", "end"], "2025-12-31T23:59:59Z"],
    [["scope"], 3],
    [["extra"], 1],
  ];
  for (const [path, value] of cases) {
    const bad = structuredClone(body);
    mutate(bad, path, value);
    const want = checkBody("emission", bad as JsonValue);
    assert.ok(want.length > 0, path.join("."));
    assert.deepEqual(emissionBodyProblems(bad), want);
    assert.deepEqual(emissionBodyProblems(bad, { quick: false }), want);
  }
});

/** Paths the quick totals check reads, and a few it does not. */
const TOTALS_PATHS = [
  ["schema"],
  ["activity_period"],
  ["activity_period", "start"],
  ["activity_period", "end"],
  ["scope"],
  ["scope2_method"],
  ["scope3_category"],
  ["activity"],
  ["activity", "energy_kwh"],
  ["result"],
  ["result", "co2e_g"],
  ["embodied"],
  ["embodied", "co2e_g"],
  ["embodied", "ci_upper_g"],
  ["embodied", "lifespan_hours"],
  ["embodied", "confidence_level_pct"],
  ["embodied", "method"],
  ["embodied", "instance_type"],
  ["embodied", "share_of_host"],
  ["embodied", "flags"],
  ["embodied", "extra"],
  ["labels"],
  ["labels", "team"],
  ["labels", "other"],
];

Deno.test("the quick totals check is on for the emission schema it was written for", () => {
  assert.equal(TOTALS_QUICK_CHECK_ON, true, "schema changed: review quickTotalsFieldsValid");
  for (const scope of [1, 2, 3] as const) {
    const body = sampleEmission({ scope }) as Record<string, unknown>;
    assert.equal(quickTotalsFieldsValid(body), true, `scope ${scope}`);
    assert.equal(quickTotalsFieldsValid({ ...body, embodied: EMBODIED }), true);
  }
});

Deno.test("the quick totals check never passes a body the schema refuses (random mutations)", () => {
  let quickPassed = 0;
  let refused = 0;
  for (let seed = 1; seed <= 20_000; seed++) {
    const rand = seededRandom(seed);
    const scope = ([1, 2, 3] as const)[Math.floor(rand() * 3)];
    const body = structuredClone({
      ...sampleEmission({ scope }),
      ...(rand() < 0.5 ? { embodied: EMBODIED } : {}),
    }) as Record<string, unknown>;
    const changes = 1 + Math.floor(rand() * 3);
    const done: string[] = [];
    for (let c = 0; c < changes; c++) {
      const path = TOTALS_PATHS[Math.floor(rand() * TOTALS_PATHS.length)];
      const value = structuredClone(ODD[Math.floor(rand() * ODD.length)]);
      mutate(body, path, value);
      done.push(`${path.join(".")}=${JSON.stringify(value)}`);
    }
    const problems = totalsFieldProblems(body, { quick: false });
    if (quickTotalsFieldsValid(body)) {
      quickPassed++;
      assert.deepEqual(problems, [], `seed ${seed}: ${done.join(" ")}`);
    } else if (problems.length > 0) refused++;
  }
  // Both branches are exercised, so the property can fail.
  assert.ok(quickPassed > 1000 && refused > 1000, `${quickPassed} passed, ${refused} refused`);
});
