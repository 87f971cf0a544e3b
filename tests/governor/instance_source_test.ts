import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { CCF_LINEAR_MODEL } from "../../lib/cloud/instance_power.ts";
import { mapEnergyEvidence } from "../../lib/carbon/evidence.ts";
import { EnergyLogger } from "../../lib/energy/energy_logger.ts";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { governorEvidence, GovernorReader } from "../../lib/energy/governor_reader.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const GROUP = "daemon";

Deno.test("governor --rapl-mode instance serves modelled totals that readers sign as model evidence", async () => {
  await using dir = await tempDir();
  const proc = dir.join("proc");
  await Deno.mkdir(proc);
  await Deno.writeTextFile(
    `${proc}/stat`,
    "cpu  0 0 0 100 0 0 0 0 0 0\ncpu0 0 0 0 50 0 0 0 0 0 0\ncpu1 0 0 0 50 0 0 0 0 0 0\n",
  );
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, [
    "--rapl-mode=instance",
    "--instance-type",
    "aws:m5.large",
    "--group",
    GROUP,
  ], { env: { CARBON_OPS_ENERGY_PROC_ROOT: proc } });
  const startup = gov.stderr();
  assert(startup.includes("source: instance (MODELLED: instance aws:m5.large"), startup);
  assert(startup.includes(CCF_LINEAR_MODEL), startup);

  const client = new GovernorClient({ socketPath, timeoutMs: 2000 });
  try {
    const a = await client.read();
    assertEquals(a.source, "instance");
    assertEquals(a.model?.instanceId, "aws:m5.large");
    assertEquals(a.model?.name, CCF_LINEAR_MODEL);
    assertEquals(a.hostTotalDomains, ["vm"]);
    const e = governorEvidence(a);
    assertEquals([e.kind, e.simulated, e.measuredFraction], ["model", false, 0]);
    assertEquals(mapEnergyEvidence(e).quality, "estimated");
    // idle VM: totals grow at the model's idle power (2 x 0.65 W + 2.472 W = 3.772 W)
    let b = await client.read();
    for (let i = 0; i < 100 && b.monoNs - a.monoNs < 300_000_000n; i++) {
      await new Promise((r) => setTimeout(r, 50));
      b = await client.read();
    }
    const watts = Number(b.hostTotalUj - a.hostTotalUj) / Number(b.monoNs - a.monoNs) * 1000;
    assert(Math.abs(watts - 3.772) < 0.01, `modelled ${watts} W`);
  } finally {
    client.close();
  }

  const cli = await runCli(["read", "--json", "--socket", socketPath]);
  assertEquals(cli.code, 0, cli.stderr);
  const json = JSON.parse(cli.stdout);
  assertEquals(json.source, "instance");
  assertEquals(json.model.instance_id, "aws:m5.large");
  assertEquals(json.model.name, CCF_LINEAR_MODEL);
  assertEquals(json.model.match, "exact");

  // the energy logger reading this governor: attribution as on RAPL hosts, evidence modelled
  const logger = new EnergyLogger({
    governor: new GovernorReader(new GovernorClient({ socketPath, timeoutMs: 2000 })),
    powercap: null,
    gpu: null,
    scope: "host",
  });
  try {
    await logger.settled();
    await new Promise((r) => setTimeout(r, 200));
    const r = await logger.logMetrics("step");
    assertEquals(r.energy.source, "governor:instance");
    assertEquals(r.energy.evidence.kind, "model");
    assertEquals(r.energy.evidence.simulated, false);
    assertEquals(r.energy.evidence.model?.instanceId, "aws:m5.large");
    assertEquals(r.energy.attribution_mode, "governor_energy");
    assertEquals(mapEnergyEvidence(r.energy.evidence).quality, "estimated");
  } finally {
    await logger.close();
  }
  assertEquals(await gov.stop("SIGTERM"), 0);
});

Deno.test("governor --rapl-mode instance without an instance type is a configuration error", async () => {
  await using dir = await tempDir();
  const r = await runCli([
    "governor",
    "--rapl-mode=instance",
    "--socket",
    dir.join("g.sock"),
    "--group",
    GROUP,
  ]);
  assertEquals(r.code, 2, r.stderr);
  assert(r.stderr.includes("cloud.instanceType"), r.stderr);
});
