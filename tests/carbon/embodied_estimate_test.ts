import assert from "node:assert/strict";
import { singleEnergyEvidence } from "../../lib/base/energy_evidence.ts";
import { CCF_LINEAR_MODEL } from "../../lib/cloud/instance_power.ts";
import { embodiedSigma, instanceEmbodied } from "../../lib/cloud/embodied.ts";
import { lookupInstance } from "../../lib/cloud/instance_catalog.ts";
import { CLOUD_DATA_VERSION } from "../../lib/cloud/data/constants_gen.ts";
import {
  EMBODIED_MODEL,
  embodiedEmission,
  embodiedForInstance,
} from "../../lib/carbon/embodied_estimate.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { embodiedBlock } from "../../lib/carbon/ledger_body.ts";
import { normalQuantile } from "../../lib/carbon/stats.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";

const HOUR_MS = 3_600_000;

/** M = TE x 1000 x (hours / lifespan) x share, computed here from the spec's own figures. */
function handEmbodiedG(id: string, hours: number): number {
  const spec = lookupInstance(id)!;
  const basis = spec.embodied;
  assert.equal(basis?.kind, "host_share", `${id} has a host total`);
  if (basis?.kind !== "host_share") throw new Error("unreachable");
  return basis.platformKgco2e * 1000 * (hours / 35_040) * (spec.vcpus! / basis.platformVcpus);
}

Deno.test("embodied grams for a catalog type are the host's share over the hours, by hand", () => {
  for (const id of ["aws:m5.large", "gcp:n2-standard-4", "azure:Standard_D4s_v5"]) {
    for (const hours of [1, 24, 0.25]) {
      const m = embodiedForInstance(id, hours * HOUR_MS)!;
      assert.ok(Math.abs(m.co2eG - handEmbodiedG(id, hours)) < 1e-9, `${id} ${hours} h`);
      assert.equal(m.durationMs, hours * HOUR_MS);
      assert.equal(m.instanceId, lookupInstance(id)!.id);
    }
  }
  // The doc's worked example, to the cent of a gram: 1,610.379 kg / 35,040 x 2/96 = 0.96 g.
  assert.equal(embodiedForInstance("aws:m5.large", HOUR_MS)!.co2eG.toFixed(2), "0.96");
});

Deno.test("the embodied interval is log-normal at the asked level, from the model's sigma", () => {
  const spec = lookupInstance("aws:m5.large")!;
  const sigma = embodiedSigma(spec.embodied!);
  for (const level of [50, 90, 95, 99]) {
    const m = embodiedForInstance("aws:m5.large", 2 * HOUR_MS, { confidenceLevelPct: level })!;
    const z = normalQuantile(0.5 + level / 200);
    assert.equal(m.sigmaLn, sigma);
    assert.ok(Math.abs(m.ciLowerG - m.co2eG * Math.exp(-z * sigma)) < 1e-12, `lower ${level}`);
    assert.ok(Math.abs(m.ciUpperG - m.co2eG * Math.exp(z * sigma)) < 1e-12, `upper ${level}`);
    assert.equal(m.confidenceLevelPct, level);
  }
  const narrow = embodiedForInstance("aws:m5.large", HOUR_MS, { confidenceLevelPct: 50 })!;
  const wide = embodiedForInstance("aws:m5.large", HOUR_MS, { confidenceLevelPct: 99 })!;
  assert.ok(wide.ciUpperG - wide.ciLowerG > narrow.ciUpperG - narrow.ciLowerG);
  assert.throws(() => embodiedForInstance("aws:m5.large", HOUR_MS, { confidenceLevelPct: 100 }));
  assert.throws(() => embodiedForInstance("aws:m5.large", HOUR_MS, { confidenceLevelPct: 20 }));
});

Deno.test("embodied figures name the model, data version, method, share and lifespan", () => {
  const m = embodiedForInstance("aws:m5.large", HOUR_MS)!;
  assert.equal(m.model, `ccf-embodied@${CLOUD_DATA_VERSION}`);
  assert.equal(m.model, EMBODIED_MODEL);
  assert.equal(m.dataVersion, CLOUD_DATA_VERSION);
  assert.equal(m.method, "host_share:ccf_teads_component_model");
  assert.equal(m.shareOfHost, 2 / 96);
  assert.equal(m.lifespanHours, 35_040);
  assert.deepEqual(m.flags, []);
  const cloud = instanceEmbodied(lookupInstance("aws:m5.large")!, HOUR_MS)!;
  assert.deepEqual(embodiedEmission(cloud, HOUR_MS), m);
});

Deno.test("an unknown type falls back to the provider's per-vCPU median only with vCPUs, flagged", () => {
  assert.equal(embodiedForInstance("aws:m99.large", HOUR_MS), null, "vCPUs unknown: no figure");
  const m = embodiedForInstance("aws:m99.large", HOUR_MS, { vcpus: 4 })!;
  assert.equal(m.method, "per_vcpu_fallback");
  assert.equal(m.shareOfHost, null);
  assert.ok(m.flags.includes("embodied_per_vcpu_fallback"));
  assert.ok(m.flags.includes("instance_type_not_in_catalog"));
  const exact = embodiedForInstance("aws:m5.xlarge", HOUR_MS)!;
  assert.ok(m.sigmaLn > exact.sigmaLn, "the fallback is less certain than a host total");
  assert.equal(embodiedForInstance("oci:VM.Standard3.Flex", HOUR_MS), null);
  assert.throws(() => embodiedForInstance("m5.large", HOUR_MS), TypeError);
  assert.throws(() => embodiedForInstance("aws:m5.large", -1), RangeError);
  assert.throws(() => embodiedForInstance("aws:m99.large", HOUR_MS, { vcpus: 0 }), RangeError);
});

Deno.test("an estimate with an embodied figure keeps grams operational and totals both with one interval", async () => {
  const estimator = new CarbonEstimator({ region: "aws:eu-west-1" });
  const e = await estimator.estimateOverSpan({
    startTs: "2026-01-01T00:00:00Z",
    endTs: "2026-01-01T01:00:00Z",
    powerWatts: 7.382,
  });
  const m = embodiedForInstance("aws:m5.large", HOUR_MS)!;
  const both = e.withCloudInstance({ embodied: m });
  assert.equal(both.grams, e.grams);
  assert.deepEqual(both.meta, e.meta);
  const t = both.total();
  assert.equal(t.co2eG, e.grams + m.co2eG);
  assert.ok(t.ciLowerG > e.meta.ciLowerG, "the sum's lower bound is above the operational one");
  assert.ok(t.ciUpperG > e.meta.ciUpperG);
  assert.ok(t.ciLowerG < t.co2eG && t.co2eG < t.ciUpperG);
  // Independent errors partly cancel: the sum's interval is narrower than the bounds' sums.
  assert.ok(t.ciUpperG < e.meta.ciUpperG + m.ciUpperG);
  assert.ok(t.ciLowerG > e.meta.ciLowerG + m.ciLowerG);
  assert.deepEqual(e.total(), {
    co2eG: e.grams,
    operationalG: e.grams,
    embodiedG: 0,
    ciLowerG: e.meta.ciLowerG,
    ciUpperG: e.meta.ciUpperG,
    confidenceLevelPct: 95,
  });
  const d = both.toDict();
  assert.deepEqual(Object.keys(d).filter((k) => ["operational", "embodied", "total"].includes(k)), [
    "operational",
    "embodied",
    "total",
  ]);
  assert.equal((d.embodied as { co2e_g: number }).co2e_g, Number(m.co2eG.toFixed(6)));
  assert.equal("embodied" in e.toDict(), false, "estimates without an instance are unchanged");
  // A figure at another level is refused rather than recorded beside a 95 % result.
  const at90 = embodiedForInstance("aws:m5.large", HOUR_MS, { confidenceLevelPct: 90 })!;
  assert.throws(() => e.withCloudInstance({ embodied: at90 }), /at 90 %/);
});

Deno.test("the embodied block of a body is exact decimals that the ledger's body check accepts", async () => {
  const e = await new CarbonEstimator({ region: "aws:eu-west-1" }).estimateOverSpan({
    startTs: "2026-01-01T00:00:00Z",
    endTs: "2026-01-01T03:00:00Z",
    powerWatts: 7.382,
  });
  const m = embodiedForInstance("aws:m5.large", 3 * HOUR_MS)!;
  const block = embodiedBlock(m);
  assert.equal(block.co2e_g, m.co2eG.toFixed(6).replace(/0+$/, ""));
  assert.match(String(block.ci_lower_g), /^(0|[1-9][0-9]*)(\.[0-9]+)?$/);
  const body = e.withCloudInstance({ embodied: m }).toLedgerBody({ reportingEntity: "Example" });
  assert.deepEqual(body.embodied, block);
  assert.deepEqual(checkBody("emission", body), []);
  const without = e.toLedgerBody({ reportingEntity: "Example" });
  assert.equal("embodied" in without, false);
  // LedgerBodyOptions.embodied (what appendEmission passes) is the same block.
  assert.deepEqual(e.toLedgerBody({ reportingEntity: "Example", embodied: m }).embodied, block);
});

Deno.test("a body names the instance power model from the estimate or from its energy evidence", async () => {
  const span = {
    startTs: "2026-01-01T00:00:00Z",
    endTs: "2026-01-01T01:00:00Z",
    powerWatts: 7.382,
  };
  const model = {
    name: CCF_LINEAR_MODEL,
    instanceId: "aws:m5.large",
    match: "exact" as const,
    flags: [],
    sigmaLn: 0.355,
  };
  const logged = await new CarbonEstimator({
    region: "aws:eu-west-1",
    energyEvidence: singleEnergyEvidence("model", { model }),
  }).estimateOverSpan(span);
  const body = logged.toLedgerBody({ reportingEntity: "Example" });
  assert.deepEqual((body.activity as Record<string, unknown>).model, {
    name: CCF_LINEAR_MODEL,
    instance_type: "aws:m5.large",
  });
  assert.deepEqual(checkBody("emission", body), []);
  const plain = await new CarbonEstimator({ region: "aws:eu-west-1" }).estimateOverSpan(span);
  assert.equal(
    "model" in (plain.toLedgerBody({ reportingEntity: "Example" }).activity as object),
    false,
  );
  const given = plain.withCloudInstance({
    energyModel: {
      name: CCF_LINEAR_MODEL,
      instanceId: "aws:m5.large",
      utilizationPct: 50,
      utilizationAssumed: true,
      powerW: 7.382,
      flags: ["utilization_assumed"],
    },
  }).toLedgerBody({ reportingEntity: "Example" });
  assert.deepEqual((given.activity as Record<string, unknown>).model, {
    name: CCF_LINEAR_MODEL,
    instance_type: "aws:m5.large",
    utilization_pct: 50,
    utilization_assumed: true,
  });
  assert.ok(
    (given.assumptions as string[]).some((a) => /at 50% CPU utilisation \(assumed\)/.test(a)),
  );
  assert.deepEqual(checkBody("emission", given), []);
});
