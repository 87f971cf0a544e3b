import assert from "node:assert/strict";
import { lookupInstance } from "../../lib/cloud/instance_catalog.ts";
import { embodiedSigma, instanceEmbodied } from "../../lib/cloud/embodied.ts";
import { AWS_INSTANCES } from "../../lib/cloud/data/instances_aws_gen.ts";

const HOUR_MS = 3_600_000;
const Z90 = 1.2815515655446004;

Deno.test("embodied share is SCI's M: host total x time over life x vCPU share", () => {
  const spec = lookupInstance("gcp:n2-standard-4")!;
  const e = instanceEmbodied(spec, 2 * HOUR_MS)!;
  assert.equal(e.shareOfHost, 4 / 128);
  assert.equal(e.lifespanHours, 35040);
  assert.ok(Math.abs(e.gPerHour - 1887.9 * 1000 / 35040 * 4 / 128) < 1e-12);
  assert.ok(Math.abs(e.grams - 2 * e.gPerHour) < 1e-12, "linear in time");
  assert.equal(instanceEmbodied(spec, 0)!.grams, 0);
  assert.equal(e.method, "host_share:ccf_teads_component_model");
  assert.equal(e.instanceId, "gcp:n2-standard-4");
  // A type twice the size of another in the same family carries twice the embodied share.
  const small = instanceEmbodied(lookupInstance("aws:m5.large")!, HOUR_MS)!;
  const big = instanceEmbodied(lookupInstance("aws:m5.xlarge")!, HOUR_MS)!;
  assert.ok(Math.abs(big.grams - 2 * small.grams) < 1e-9);
});

Deno.test("embodied falls back to the provider's median per vCPU-hour, flagged and wider", () => {
  const row = AWS_INSTANCES.find((r) => r[8] === null && r[11] === 0)!;
  const spec = lookupInstance(`aws:${row[0]}`)!;
  const e = instanceEmbodied(spec, HOUR_MS)!;
  assert.equal(e.method, "per_vcpu_fallback");
  assert.equal(e.shareOfHost, null);
  assert.ok(Math.abs(e.grams - row[1] * 0.6371) < 1e-9);
  assert.ok(e.flags.includes("embodied_per_vcpu_fallback"));

  const unknown = lookupInstance("azure:Standard_Q8_v9")!;
  assert.equal(instanceEmbodied(unknown, HOUR_MS), null, "no vCPUs: nothing to share");
  const given = instanceEmbodied(unknown, HOUR_MS, { vcpus: 8 })!;
  assert.ok(Math.abs(given.grams - 8 * 0.7701) < 1e-9);
  assert.ok(given.flags.includes("embodied_per_vcpu_fallback"));
  assert.ok(!given.flags.includes("embodied_unknown"));
  assert.throws(() => instanceEmbodied(unknown, HOUR_MS, { vcpus: 0 }), RangeError);
  assert.throws(() => instanceEmbodied(spec, -1), RangeError);
  assert.throws(() => instanceEmbodied(spec, Number.NaN), RangeError);
});

Deno.test("embodied sigma is derived from the published host-total disagreement", () => {
  const s = (Math.log(1.576) - Math.log(0.563)) / (2 * Z90);
  const b = Math.abs(Math.log(0.745));
  const componentModel = Math.sqrt(s * s / 2 + (b / 2) ** 2);
  const m5 = lookupInstance("aws:m5.large")!;
  assert.ok(Math.abs(instanceEmbodied(m5, HOUR_MS)!.sigmaLn - componentModel) < 1e-12);
  assert.ok(Math.abs(componentModel - 0.32) < 0.001);
  const undocumented = AWS_INSTANCES.find((r) => r[10] === "ccf_coefficients_2026_platform_total")!;
  const u = instanceEmbodied(lookupInstance(`aws:${undocumented[0]}`)!, HOUR_MS)!;
  assert.ok(Math.abs(u.sigmaLn - Math.hypot(s, b)) < 1e-12);
  const fallback = embodiedSigma({
    kind: "per_vcpu_fallback",
    gPerVcpuHour: 0.6371,
    p10GPerVcpuHour: 0.3699,
    p90GPerVcpuHour: 1.1585,
  });
  const spread = (Math.log(1.1585) - Math.log(0.3699)) / (2 * Z90);
  assert.ok(Math.abs(fallback - Math.hypot(spread, componentModel)) < 1e-12);
  assert.ok(componentModel < u.sigmaLn && u.sigmaLn < fallback + 0.1);
});
