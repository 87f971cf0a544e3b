import assert from "node:assert/strict";
import { runGovernor } from "../../governor/daemon.ts";
import { constantPower } from "../../lib/energy/rapl/power_profile.ts";
import { createSimSource } from "../../lib/energy/rapl/sim.ts";
import { systemClock } from "../../lib/base/clock.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { EnergyLogger } from "../../lib/energy/mod.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const WATTS = 100;

/** Starts the real governor daemon in-process on a simulated 100 W source at `socketPath`. */
async function startGovernor(socketPath: string) {
  const config = await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: { governor: { socketPath, socketGroup: "daemon", intervalMs: 20, raplMode: "sim" } },
  });
  const stop = new AbortController();
  const log: string[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => ready = r);
  const done = runGovernor({
    config,
    openSource: (_c, clock) => ({
      source: createSimSource({ clock, profile: constantPower(WATTS) }),
    }),
    log: { write: (t) => void log.push(t) },
    handleSignals: false,
    signal: stop.signal,
    clock: systemClock,
    onReady: () => ready(),
  });
  const early = await Promise.race([isReady.then(() => null), done]);
  assert.equal(early, null, log.join(""));
  return {
    stop: async () => {
      stop.abort();
      assert.equal(await done, 0);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logger(socketPath: string) {
  return new EnergyLogger({
    governorSocket: socketPath,
    powercap: null,
    gpu: null,
    pollIntervalMs: 100,
    initialBackoffMs: 100,
    maxBackoffMs: 400,
    env: {},
  });
}

Deno.test("EnergyLogger measures a span through the real governor socket (sim source)", async () => {
  await using dir = await tempDir();
  const sock = dir.join("gov.sock");
  const gov = await startGovernor(sock);
  const log = logger(sock);
  try {
    await log.settled();
    const { energy } = await log.monitor("measured", () => sleep(600));
    assert.equal(energy.attribution_mode, "governor_cpu_time");
    assert.equal(energy.source, "governor:sim");
    assert.equal(energy.coverage, 1);
    assert.deepEqual(energy.evidence, {
      kind: "governor",
      simulated: true,
      measuredFraction: 1,
      raplBackend: "sim",
      kinds: ["governor"],
    });
    const expectedWh = WATTS * energy.duration_seconds / 3600;
    // governor totals move in 20 ms ticks; a loaded machine delays ticks and reads: allow 150 ms
    assert.ok(
      Math.abs(energy.energy_wh_total - expectedWh) <= WATTS * 0.15 / 3600,
      `${energy.energy_wh_total} Wh vs ${expectedWh} Wh over ${energy.duration_seconds} s`,
    );
  } finally {
    await log.close();
    await gov.stop();
  }
});

Deno.test("EnergyLogger with the governor down reports monitor_only, then picks it up after backoff", async () => {
  await using dir = await tempDir();
  const sock = dir.join("gov.sock");
  const log = logger(sock);
  let gov: { stop(): Promise<void> } | null = null;
  try {
    await sleep(50);
    const down = await log.logMetrics("down");
    assert.equal(down.energy.attribution_mode, "monitor_only");
    assert.equal(down.energy.source, "model");
    assert.ok(down.energy.energy_wh_total > 0);
    assert.ok(
      down.energy_details.notes.some((n) => n.includes("no governor is running")),
      down.energy_details.notes.join("\n"),
    );
    gov = await startGovernor(sock);
    await sleep(450); // past the backoff
    await log.logMetrics("first-reading");
    await sleep(300);
    const up = await log.logMetrics("up");
    assert.equal(up.energy.attribution_mode, "governor_cpu_time");
    assert.equal(up.energy.coverage, 1);
  } finally {
    await log.close();
    await gov?.stop();
  }
});

Deno.test("EnergyLogger span across a real governor restart keeps measured parts and models the gap", async () => {
  await using dir = await tempDir();
  const sock = dir.join("gov.sock");
  let gov = await startGovernor(sock);
  const log = logger(sock);
  try {
    await log.settled();
    const span = log.span("restart");
    await sleep(400);
    await gov.stop();
    gov = await startGovernor(sock); // new instance id, totals from 0
    await sleep(700);
    const rec = await span.end();
    const e = rec.energy;
    assert.equal(e.source, "governor:sim+model");
    assert.ok(e.coverage > 0.3 && e.coverage < 1, `coverage ${e.coverage}`);
    assert.equal(e.evidence.kind, "model", "the weakest kind of a mixed span");
    assert.equal(e.evidence.simulated, true, "a simulated part taints the whole span");
    assert.deepEqual(e.evidence.kinds, ["governor", "model"]);
    assert.equal(e.evidence.measuredFraction, e.coverage);
    assert.ok(rec.energy_details.events.some((x) => x.includes("governor restarted or reset")));
    assert.ok(e.energy_wh_total > 0);
    const measuredWh = WATTS * rec.energy_details.measured_seconds.governor / 3600;
    assert.ok(e.cpu_energy_wh >= measuredWh * 0.8, "measured parts are kept");
  } finally {
    await log.close();
    await gov.stop();
  }
});
