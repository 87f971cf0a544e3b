import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { lookupInstance } from "../../lib/cloud/instance_catalog.ts";
import { CCF_LINEAR_MODEL, instancePower } from "../../lib/cloud/instance_power.ts";
import {
  evidenceEnergySigma,
  evidenceFlags,
  mapEnergyEvidence,
} from "../../lib/carbon/evidence.ts";
import { parseProcStat } from "../../lib/energy/cpu_times.ts";
import { EnergyLogger } from "../../lib/energy/energy_logger.ts";
import { instancePowerBetween, resolveInstanceModel } from "../../lib/energy/instance_model.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const stat = (user: number, idle: number) =>
  `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\n` +
  `cpu1 0 0 0 0 0 0 0 0 0 0\n`;

Deno.test("modelled power from a fake /proc/stat utilisation equals instancePower() at that utilisation", () => {
  const model = resolveInstanceModel("aws:m5.large").model!;
  for (const [busy, idle] of [[0, 100], [25, 75], [50, 50], [90, 10], [100, 0]]) {
    const a = parseProcStat(stat(0, 0)).total;
    const b = parseProcStat(stat(busy * 7, idle * 7)).total;
    const got = instancePowerBetween(model, a, b);
    const want = instancePower(lookupInstance("aws:m5.large")!, busy);
    assertEquals(got.totalW, want.totalW);
    assertEquals(got.utilizationPct, busy);
  }
});

Deno.test("the fallback chain flags each step: exact, provider average, then the generic model", () => {
  const exact = resolveInstanceModel("gcp:n2-standard-4");
  assertEquals(exact.model?.match, "exact");
  const average = resolveInstanceModel("m99.large", { provider: "aws", vcpus: 2 });
  assertEquals(average.model?.match, "provider_average");
  assert(average.flags.includes("provider_average_microarchitecture"), String(average.flags));
  const noVcpus = resolveInstanceModel("aws:m99.large");
  assertEquals(noVcpus.model, null);
  assert(noVcpus.flags.includes("vcpus_unknown") && noVcpus.flags.includes("generic_cpu_model"));
  const unknownProvider = resolveInstanceModel("oci:VM.Standard3.Flex");
  assertEquals(unknownProvider.model, null);
  assert(unknownProvider.flags.includes("instance_provider_without_coefficients"));
});

async function vmLogger(procRoot: string, instance: string | null) {
  await Deno.writeTextFile(`${procRoot}/stat`, stat(0, 0));
  await Deno.writeTextFile(
    `${procRoot}/meminfo`,
    "MemTotal: 8000000 kB\nMemAvailable: 6000000 kB\n",
  );
  return new EnergyLogger({
    governor: null,
    powercap: null,
    gpu: null,
    procRoot,
    scope: "host",
    env: {},
    instance,
  });
}

Deno.test("the logger on a VM models energy with the instance model and says so in typed evidence", async () => {
  await using dir = await tempDir();
  const logger = await vmLogger(dir.path, "aws:m5.large");
  try {
    await logger.settled();
    await Deno.writeTextFile(`${dir.path}/stat`, stat(50, 50)); // 50 % busy since the start
    const r = await logger.logMetrics("step");
    const e = r.energy.evidence;
    assertEquals(e.kind, "model");
    assertEquals(e.simulated, false);
    assertEquals(e.model?.name, CCF_LINEAR_MODEL);
    assertEquals(e.model?.instanceId, "aws:m5.large");
    assertEquals(e.model?.match, "exact");
    assertEquals(r.energy_details.instance_model?.name, CCF_LINEAR_MODEL);
    // energy = instancePower(50 %) x duration (one modelled segment)
    const want = instancePower(lookupInstance("aws:m5.large")!, 50).totalW *
      r.energy.duration_seconds / 3600;
    assert(
      Math.abs(r.energy.cpu_energy_wh - want) <= want * 1e-6,
      `${r.energy.cpu_energy_wh} vs ${want}`,
    );
    assert(
      !r.energy_details.notes.some((n) => n.includes("default TDP")),
      String(r.energy_details.notes),
    );
    // the carbon side signs it as an estimate with the model's own sigma and names the model
    assertEquals(mapEnergyEvidence(e).quality, "estimated");
    assertEquals(evidenceEnergySigma(e), e.model?.sigmaLn);
    assert(evidenceFlags(e).includes(`energy_model:${CCF_LINEAR_MODEL}`));
    assert(evidenceFlags(e).includes("instance:aws:m5.large"));
  } finally {
    await logger.close();
  }
});

Deno.test("a host with no instance information keeps today's generic TDP model", async () => {
  await using dir = await tempDir();
  const logger = await vmLogger(dir.path, null);
  try {
    await logger.settled();
    await Deno.writeTextFile(`${dir.path}/stat`, stat(50, 50));
    const r = await logger.logMetrics("step");
    assertEquals(r.energy.evidence.kind, "model");
    assertEquals(r.energy.evidence.model, undefined);
    assertEquals("instance_model" in r.energy_details, false);
    assertEquals(r.energy_details.power_model.tdp_source, "default");
    assert(r.energy_details.notes.some((n) => n.includes("default TDP")));
    assertEquals(evidenceEnergySigma(r.energy.evidence), 0.3);
    assertEquals(logger.instance, null);
  } finally {
    await logger.close();
  }
});

Deno.test("an instance type the catalog cannot model falls back to the generic model with a note", async () => {
  await using dir = await tempDir();
  const logger = await vmLogger(dir.path, "oci:VM.Standard3.Flex");
  try {
    const r = await logger.logMetrics("step");
    assertEquals(r.energy.evidence.model, undefined);
    assert(r.energy_details.notes.some((n) => n.includes("no instance power model for oci:")));
  } finally {
    await logger.close();
  }
});
