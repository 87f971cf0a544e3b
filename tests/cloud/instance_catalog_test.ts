import assert from "node:assert/strict";
import {
  instanceTypeCount,
  lookupInstance,
  parseInstanceId,
} from "../../lib/cloud/instance_catalog.ts";
import {
  CLOUD_DATA_VERSION,
  CLOUD_SOURCES,
  PROVIDER_CONSTANTS,
} from "../../lib/cloud/data/constants_gen.ts";
import { AWS_INSTANCES } from "../../lib/cloud/data/instances_aws_gen.ts";
import { AZURE_INSTANCES } from "../../lib/cloud/data/instances_azure_gen.ts";
import { GCP_INSTANCES } from "../../lib/cloud/data/instances_gcp_gen.ts";

Deno.test("instance catalog finds the three reference types with their published coefficients", () => {
  const m5 = lookupInstance("aws:m5.large");
  assert.ok(m5);
  assert.equal(m5.match, "exact");
  assert.deepEqual(
    [m5.vcpus, m5.memoryGb, m5.minWPerVcpu, m5.maxWPerVcpu, m5.memoryW],
    [2, 8, 0.65, 4.26, 2.472],
  );
  assert.deepEqual(m5.microarchitectures, ["Skylake"]);
  assert.deepEqual(m5.embodied, {
    kind: "host_share",
    platformKgco2e: 1610.379,
    platformVcpus: 96,
    method: "ccf_teads_component_model",
  });
  assert.deepEqual(m5.flags, []);
  assert.equal(m5.dataVersion, CLOUD_DATA_VERSION);

  const n2 = lookupInstance("gcp:n2-standard-4");
  assert.ok(n2);
  assert.deepEqual([n2.vcpus, n2.memoryGb, n2.minWPerVcpu, n2.maxWPerVcpu], [4, 16, 0.64, 3.97]);
  assert.equal(n2.memoryW, 6.272); // GCP: every GB, 16 x 0.392

  const d4 = lookupInstance("azure:Standard_D4s_v5");
  assert.ok(d4);
  assert.equal(d4.instanceType, "Standard_D4s_v5");
  assert.deepEqual(d4.microarchitectures, ["Ice Lake"]);
  assert.deepEqual([d4.minWPerVcpu, d4.maxWPerVcpu, d4.memoryW], [0.7668, 3.7582, 4.958]);
});

Deno.test("instance catalog applies each provider's case rules and returns the canonical id", () => {
  assert.equal(lookupInstance("AWS:M5.LARGE")?.id, "aws:m5.large");
  assert.equal(lookupInstance(" aws : m5.large ")?.id, "aws:m5.large");
  assert.equal(lookupInstance("GCP:N2-Standard-4")?.id, "gcp:n2-standard-4");
  assert.equal(
    lookupInstance("gcp:projects/123456/zones/europe-west1-b/machineTypes/n2-standard-4")?.id,
    "gcp:n2-standard-4",
  );
  for (const spelling of ["standard_d4s_v5", "STANDARD_D4S_V5", "D4s_v5", "D4s v5"]) {
    const spec = lookupInstance(`azure:${spelling}`);
    assert.equal(spec?.id, "azure:Standard_D4s_v5", spelling);
    assert.equal(spec?.match, "exact", spelling);
  }
  // AWS and GCP names are not rewritten like Azure's: no prefix is added.
  assert.equal(lookupInstance("aws:Standard_D4s_v5")?.match, "provider_average");
});

Deno.test("instance catalog rejects ids that are not provider:type, with a hint", () => {
  for (const bad of ["m5.large", ":m5.large", "aws:", "aws:   "]) {
    assert.throws(() => lookupInstance(bad), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /aws:m5\.large/);
      return true;
    }, bad);
  }
  assert.throws(() => lookupInstance("aws:x", { vcpus: 0 }), RangeError);
  assert.throws(() => lookupInstance("aws:x", { memoryGb: Number.NaN }), RangeError);
  assert.deepEqual(parseInstanceId("Azure:Basic_A1"), { provider: "azure", typeKey: "basic_a1" });
});

Deno.test("instance catalog falls back to the provider average, flagged, then to null", () => {
  const aws = lookupInstance("aws:m99.large", { vcpus: 2, memoryGb: 8 });
  assert.ok(aws);
  assert.equal(aws.match, "provider_average");
  assert.equal(aws.id, "aws:m99.large");
  assert.deepEqual([aws.minWPerVcpu, aws.maxWPerVcpu], [
    PROVIDER_CONSTANTS.aws.averageMinWPerVcpu,
    PROVIDER_CONSTANTS.aws.averageMaxWPerVcpu,
  ]);
  assert.deepEqual([aws.minWPerVcpu, aws.maxWPerVcpu], [0.74, 3.5]);
  assert.equal(aws.vcpus, 2);
  assert.equal(aws.memoryW, 0); // AWS charges only the excess over the family's largest size
  assert.deepEqual(aws.flags, [
    "instance_type_not_in_catalog",
    "provider_average_microarchitecture",
    "memory_power_unknown",
    "embodied_per_vcpu_fallback",
  ]);
  assert.equal(aws.embodied?.kind, "per_vcpu_fallback");

  const gcp = lookupInstance("gcp:n9-standard-2", { memoryGb: 8 });
  assert.ok(gcp);
  assert.deepEqual([gcp.minWPerVcpu, gcp.maxWPerVcpu, gcp.vcpus], [0.68, 4.11, null]);
  assert.equal(gcp.memoryW, 8 * 0.392); // GCP charges every GB
  assert.ok(gcp.flags.includes("vcpus_unknown"));
  assert.ok(gcp.flags.includes("embodied_unknown"));
  assert.equal(gcp.embodied, null);

  const azure = lookupInstance("azure:Standard_Z9_v9", { vcpus: 4 });
  assert.deepEqual([azure?.minWPerVcpu, azure?.maxWPerVcpu], [0.74, 3.54]);

  assert.equal(lookupInstance("aws:m99.large", { fallback: false }), null);
  assert.equal(lookupInstance("oci:VM.Standard3.Flex", { vcpus: 2 }), null);
  assert.equal(lookupInstance("hetzner:cx22"), null);
});

Deno.test("instance catalog flags types whose GPU power or CPU coefficient it lacks", () => {
  const gpu = lookupInstance("aws:p3.2xlarge");
  assert.ok(gpu?.flags.includes("gpu_power_not_included"));
  assert.ok(gpu!.gpuCount > 0);
  const graviton1 = lookupInstance("aws:a1.large");
  assert.equal(graviton1?.match, "exact");
  assert.ok(graviton1?.flags.includes("microarchitecture_without_coefficient"));
  const noEmbodied = AWS_INSTANCES.find((r) => r[8] === null);
  assert.ok(noEmbodied, "the data has AWS types without a host total");
  const spec = lookupInstance(`aws:${noEmbodied[0]}`);
  assert.equal(spec?.embodied?.kind, "per_vcpu_fallback");
  assert.ok(spec?.flags.includes("embodied_per_vcpu_fallback"));
});

Deno.test("embedded cloud data: every row is consistent and every source id is documented", () => {
  assert.equal(instanceTypeCount("aws"), AWS_INSTANCES.length);
  assert.ok(instanceTypeCount("aws") > 1000);
  assert.ok(instanceTypeCount("gcp") > 300);
  assert.ok(instanceTypeCount("azure") > 500);
  for (
    const [provider, rows] of [["aws", AWS_INSTANCES], ["gcp", GCP_INSTANCES], [
      "azure",
      AZURE_INSTANCES,
    ]] as const
  ) {
    const seen = new Set<string>();
    for (const row of rows) {
      const [type, vcpus, memoryGb, , min, max, , memoryW, platformKg, platformVcpus, method] = row;
      const what = `${provider}:${type}`;
      assert.ok(!seen.has(type.toLowerCase()), `${what}: duplicate`);
      seen.add(type.toLowerCase());
      assert.ok(vcpus > 0 && memoryGb > 0, `${what}: size`);
      assert.ok(min > 0 && max > min, `${what}: min ${min} max ${max}`);
      assert.ok(memoryW >= 0, `${what}: memory`);
      assert.equal(platformKg === null, platformVcpus === null, what);
      assert.equal(platformKg === null, method === null, what);
      if (platformVcpus !== null) assert.ok(platformVcpus >= vcpus, `${what}: host smaller`);
      for (const ref of row[12].split("+")) assert.ok(CLOUD_SOURCES[ref], `${what}: ${ref}`);
      assert.equal(lookupInstance(what)?.instanceType, type, what);
    }
    for (const ref of PROVIDER_CONSTANTS[provider].sourceRefs) assert.ok(CLOUD_SOURCES[ref], ref);
  }
});
