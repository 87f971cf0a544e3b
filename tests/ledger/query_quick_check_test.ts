import assert from "node:assert/strict";
import {
  quickTotalsFieldsValid,
  TOTALS_QUICK_CHECK_ON,
  totalsFieldProblems,
} from "../../lib/ledger/query.ts";
import { sampleEmission } from "../_kit/ledger_fixture.ts";
import { seededRandom } from "../../lib/base/prng.ts";

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

/** Values a mutated field takes: near misses of every rule the quick check covers. */
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
  0,
  1,
  2,
  3,
  4,
  15,
  16,
  1.5,
  -1,
  100,
  101,
  true,
  [],
  ["x"],
  {},
  "location",
  "market",
  "x".repeat(256),
  "x".repeat(257),
  "x".repeat(1025),
  "carbon-ops/emission/v1",
  "2026-01-31T23:59:59Z",
  "2026-02-29T00:00:00Z",
  "2028-02-29T00:00:00Z",
  "2026-04-31T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-00-01T00:00:00Z",
  "2026-01-00T00:00:00Z",
  "2026-01-01T24:00:00Z",
  "2026-01-01T23:60:00Z",
  "2026-01-01T23:59:60Z",
  "2026-01-01T00:00:00.Z",
  "2026-01-01T00:00:00.123456789Z",
  "2026-01-01T00:00:00.1234567890Z",
  "2026-01-01T00:00:00+00:00",
  "2026-01-01t00:00:00Z",
  "0000-01-01T00:00:00Z",
  "1",
  "0.25",
  "1.0",
  "1.01",
];

/** Paths the quick check reads, and a few it does not. */
const PATHS = [
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
      const path = PATHS[Math.floor(rand() * PATHS.length)];
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
