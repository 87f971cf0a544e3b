import assert from "node:assert/strict";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { ledgerTotals } from "../../lib/ledger/query.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { EXAMPLE_EMISSION } from "../../scripts/ledger_format_example.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { tempDir } from "../_kit/temp_dir.ts";

type Obj = Record<string, JsonValue>;

const schemaFile = JSON.parse(
  await Deno.readTextFile(new URL("../../schemas/emission.v1.json", import.meta.url)),
) as Obj;

/** A well-formed embodied block as carbon-ops writes it (aws:m5.large for one hour). */
function embodiedBlock(over: Obj = {}): Obj {
  return {
    co2e_g: "0.957465",
    ci_lower_g: "0.511517",
    ci_upper_g: "1.792196",
    confidence_level_pct: 95,
    method: "host_share:ccf_teads_component_model",
    model: "ccf-embodied@2026-12-02",
    data_version: "2026-12-02",
    instance_type: "aws:m5.large",
    share_of_host: "0.020833333",
    lifespan_hours: "35040",
    flags: ["utilization_assumed"],
    ...over,
  };
}

/** A sample emission body (95 % level) with an embodied block and a named power model. */
function withEmbodied(block: JsonValue = embodiedBlock(), co2eG = "178.0224"): Obj {
  const body = sampleEmission({ co2eG }) as Obj;
  const activity = body.activity as Obj;
  return {
    ...body,
    activity: {
      ...activity,
      source: "model",
      model: { name: "ccf-linear@2026-12-02", instance_type: "aws:m5.large", utilization_pct: 50 },
    },
    quality: "estimated",
    result: { ...(body.result as Obj), confidence_level_pct: 95 },
    embodied: block,
  };
}

Deno.test("an emission body with an embodied block and a named power model is valid", () => {
  assert.deepEqual(checkBody("emission", withEmbodied()), []);
  const minimal = embodiedBlock();
  delete minimal.share_of_host; // the per-vCPU fallback has no host share
  delete minimal.flags;
  assert.deepEqual(checkBody("emission", withEmbodied(minimal)), []);
});

Deno.test("bodies without the embodied block stay valid: the addition is backward compatible", () => {
  assert.deepEqual(checkBody("emission", EXAMPLE_EMISSION as unknown as Obj), []);
  assert.deepEqual(checkBody("emission", sampleEmission()), []);
  const props = schemaFile.properties as Obj;
  assert.equal((schemaFile.required as string[]).includes("embodied"), false);
  assert.equal(((props.activity as Obj).required as string[]).includes("model"), false);
});

Deno.test("a malformed embodied block is refused, field by field (fail closed)", () => {
  const props = (schemaFile.properties as Obj).embodied as Obj;
  const required = props.required as string[];
  assert.ok(required.length >= 9);
  for (const field of required) {
    const block = embodiedBlock();
    delete block[field];
    const problems = checkBody("emission", withEmbodied(block));
    assert.ok(
      problems.some((p) => p === `/embodied/${field}: is required`),
      `missing ${field}: ${problems.join("; ")}`,
    );
  }
  const bad: [string, Obj | JsonValue, RegExp][] = [
    ["unknown field", embodiedBlock({ scope: 3 }), /^\/embodied\/scope: is not a known field$/],
    ["unknown field", embodiedBlock({ co2e_kg: "1" }), /^\/embodied\/co2e_kg: is not a known/],
    ["a number", embodiedBlock({ co2e_g: 0.95 }), /^\/embodied\/co2e_g: must be string/],
    ["an exponent", embodiedBlock({ co2e_g: "9.5e-1" }), /^\/embodied\/co2e_g: must match/],
    ["negative", embodiedBlock({ ci_lower_g: "-0.1" }), /^\/embodied\/ci_lower_g: must match/],
    ["a share above 1", embodiedBlock({ share_of_host: "1.5" }), /share_of_host: must match/],
    ["an empty method", embodiedBlock({ method: "" }), /^\/embodied\/method:/],
    ["flags not a list", embodiedBlock({ flags: "x" }), /^\/embodied\/flags: must be array/],
    ["level over 100", embodiedBlock({ confidence_level_pct: 101 }), /confidence_level_pct/],
    ["not an object", "0.957465", /^\/embodied: must be object/],
    ["null", null, /^\/embodied: must be object/],
  ];
  for (const [what, block, re] of bad) {
    const problems = checkBody("emission", withEmbodied(block));
    assert.ok(problems.some((p) => re.test(p)), `${what}: ${problems.join("; ")}`);
  }
});

Deno.test("an embodied block is checked beyond the schema: bounds around the figure, the result's level", () => {
  const outside = embodiedBlock({ co2e_g: "2" });
  assert.deepEqual(checkBody("emission", withEmbodied(outside)), [
    "/embodied: must satisfy ci_lower_g <= co2e_g <= ci_upper_g",
  ]);
  const below = embodiedBlock({ ci_lower_g: "1", ci_upper_g: "0.9", co2e_g: "0.95" });
  assert.ok(checkBody("emission", withEmbodied(below)).length > 0);
  const level = embodiedBlock({ confidence_level_pct: 90 });
  assert.deepEqual(checkBody("emission", withEmbodied(level)), [
    "/embodied/confidence_level_pct: must equal /result/confidence_level_pct",
  ]);
  const equal = embodiedBlock({ ci_lower_g: "0.957465", ci_upper_g: "0.957465" });
  assert.deepEqual(checkBody("emission", withEmbodied(equal)), [], "a zero-width interval holds");
});

Deno.test("a malformed activity.model is refused", () => {
  const cases: [Obj, RegExp][] = [
    [{ name: "ccf-linear@2026-12-02" }, /^\/activity\/model\/instance_type: is required$/],
    [
      { name: "x", instance_type: "aws:m5.large", watts: 7 },
      /^\/activity\/model\/watts: is not a known field$/,
    ],
    [{ name: "x", instance_type: "aws:m5.large", utilization_pct: 101 }, /utilization_pct/],
    [{ name: "x", instance_type: "aws:m5.large", utilization_assumed: false }, /assumed/],
  ];
  for (const [model, re] of cases) {
    const body = withEmbodied();
    (body.activity as Obj).model = model;
    const problems = checkBody("emission", body);
    assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(model)}: ${problems}`);
  }
});

Deno.test("the writer refuses a malformed embodied block and appends nothing", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path);
  await using writer = await LedgerWriter.open(dir.path, { key: l.key });
  await assert.rejects(
    writer.append("emission", withEmbodied(embodiedBlock({ surprise: true }))),
    (e: unknown) => e instanceof LedgerError && /surprise/.test(e.message),
  );
  const good = await writer.append("emission", withEmbodied());
  assert.equal(good.seq, 1, "the refused record took no sequence number");
});

Deno.test("a ledger mixing old records and records with embodied verifies, and totals split exactly", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, {
    records: 4,
    bodies: (seq) => ({
      type: "emission",
      body: seq % 2 === 1 ? sampleEmission({ co2eG: "0.1" }) : withEmbodied(
        embodiedBlock({ co2e_g: "0.2", ci_lower_g: "0.1", ci_upper_g: "0.4" }),
        "0.7",
      ),
    }),
  });
  const report = await verifyLedger(dir.path, { trust: l.trust });
  assert.equal(report.status, "valid", JSON.stringify(report.errors));
  const t = await ledgerTotals(dir.path);
  // 0.1 + 0.7 + 0.1 + 0.7 operational; 0.2 + 0.2 embodied: exact decimals, no float residue.
  assert.deepEqual(t.total, {
    group: "total",
    records: 4,
    co2eG: "1.6",
    embodiedCo2eG: "0.4",
    totalCo2eG: "2",
    embodiedRecords: 2,
    energyKwh: t.total.energyKwh,
  });
});

Deno.test("verify and totals reject a signed record whose embodied block is malformed", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.path, {
    records: 1,
    bodies: () => ({ type: "emission", body: withEmbodied(embodiedBlock({ extra: "x" })) }),
  });
  const report = await verifyLedger(dir.path, { trust: l.trust });
  assert.equal(report.status, "invalid");
  assert.ok(report.errors.some((e) => e.code === "BODY_INVALID" && /embodied/.test(e.message)));
  await assert.rejects(
    ledgerTotals(dir.path),
    (e: unknown) => e instanceof LedgerError && /embodied\/extra/.test(e.message),
  );
});
