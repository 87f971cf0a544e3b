import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { startInProcessGovernor, startSimGovernor } from "../_kit/sim_governor.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { emissionBodies, makeLedger } from "../_kit/energy_cli.ts";
import { buildFakePowercap } from "../_kit/fake_powercap.ts";
import { openSysfsSource } from "../../lib/energy/rapl/sysfs.ts";

/** The real governor daemon, in-process, on a simulated 250 W source. */
const startGovernor = (socketPath: string) => startSimGovernor(socketPath, 250);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Labels {
  report_id: string;
  period_energy_uj: string;
  start_total_uj: string;
  end_total_uj: string;
  governor_instance: string;
}
const labelsOf = (b: Record<string, unknown>) => b.labels as unknown as Labels;
const periodOf = (b: Record<string, unknown>) =>
  b.activity_period as { start: string; end: string };

async function setup(base: string) {
  const { dir, keyPath } = await makeLedger(base);
  const sock = `${base}/gov.sock`;
  const state = `${base}/state.json`;
  const report = (extra: string[] = []) =>
    runCli([
      "report",
      "--ledger",
      dir,
      "--key",
      keyPath,
      "--state",
      state,
      "--socket",
      sock,
      "--region",
      "DE",
      ...extra,
    ]);
  return { dir, sock, state, report };
}

Deno.test("report periods tile time and their energies sum to the governor's total (real governor, sim)", async () => {
  await using tmp = await tempDir();
  const { dir, sock, state, report } = await setup(tmp.path);
  const gov = await startGovernor(sock);
  try {
    const base = await report(["--min-period", "0"]);
    assert.equal(base.code, 0, base.stderr);
    assert.match(base.stdout, /baseline/);
    const baseline = JSON.parse(await Deno.readTextFile(state));
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const r = await report(["--min-period", "0"]);
      assert.equal(r.code, 0, r.stderr);
    }
    const bodies = await emissionBodies(dir);
    assert.equal(bodies.length, 3);
    assert.equal(periodOf(bodies[0]).start, baseline.time);
    for (let i = 1; i < bodies.length; i++) {
      assert.equal(periodOf(bodies[i]).start, periodOf(bodies[i - 1]).end, "no gap, no overlap");
      assert.equal(labelsOf(bodies[i]).start_total_uj, labelsOf(bodies[i - 1]).end_total_uj);
    }
    const sum = bodies.reduce((s, b) => s + BigInt(labelsOf(b).period_energy_uj), 0n);
    const last = labelsOf(bodies[bodies.length - 1]);
    assert.equal(sum, BigInt(last.end_total_uj) - BigInt(baseline.total_uj));
    const final = JSON.parse(await Deno.readTextFile(state));
    assert.equal(final.total_uj, last.end_total_uj);
    // 250 W over the reported time, within the governor's 20 ms tick
    const seconds = (Date.parse(periodOf(bodies[2]).end) - Date.parse(baseline.time)) / 1000;
    assert.ok(
      Math.abs(Number(sum) / 1e6 - 250 * seconds) <= 250 * 0.05,
      `${sum} uJ in ${seconds} s`,
    );
    for (const b of bodies) assert.equal((b.allocation as { rule: string }).rule, "whole_host");
  } finally {
    await gov.stop();
  }
});

Deno.test("report with the governor down exits 1 with the reason and keeps the state", async () => {
  await using tmp = await tempDir();
  const { sock, state, report } = await setup(tmp.path);
  const gov = await startGovernor(sock);
  assert.equal((await report()).code, 0);
  await gov.stop();
  const before = await Deno.readTextFile(state);
  const r = await report(["--min-period", "0"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /governor unavailable: no governor is running/);
  assert.equal(await Deno.readTextFile(state), before);
});

Deno.test("report records a governor restart instead of negative or doubled energy", async () => {
  await using tmp = await tempDir();
  const { dir, sock, state, report } = await setup(tmp.path);
  let gov = await startGovernor(sock);
  try {
    assert.equal((await report()).code, 0);
    await sleep(500);
    const old = JSON.parse(await Deno.readTextFile(state));
    await gov.stop();
    gov = await startGovernor(sock); // new instance, totals from 0
    await sleep(200);
    const r = await report(["--min-period", "0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /governor restarted/);
    const [body] = await emissionBodies(dir);
    const labels = labelsOf(body);
    assert.notEqual(labels.governor_instance, old.instance);
    assert.equal(periodOf(body).start, old.time);
    const energy = BigInt(labels.period_energy_uj);
    assert.ok(
      energy >= 0n && energy === BigInt(labels.end_total_uj),
      "only the new instance's total",
    );
    assert.ok((body.assumptions as string[]).some((a) => a.includes("governor restarted")));
  } finally {
    await gov.stop();
  }
});

Deno.test("report: two runs at once append one record, not two", async () => {
  await using tmp = await tempDir();
  const { dir, sock, report } = await setup(tmp.path);
  const gov = await startGovernor(sock);
  try {
    assert.equal((await report()).code, 0);
    await sleep(1200);
    const [a, b] = await Promise.all([
      report(["--min-period", "1"]),
      report(["--min-period", "1"]),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((await emissionBodies(dir)).length, 1);
    assert.match(a.stdout + b.stdout, /nothing appended/);
  } finally {
    await gov.stop();
  }
});

Deno.test("report adopts a period whose record was appended before an interrupted state update", async () => {
  await using tmp = await tempDir();
  const { dir, sock, state, report } = await setup(tmp.path);
  const gov = await startGovernor(sock);
  try {
    assert.equal((await report()).code, 0);
    const s0 = JSON.parse(await Deno.readTextFile(state));
    await sleep(300);
    assert.equal((await report(["--min-period", "0"])).code, 0);
    const s1 = JSON.parse(await Deno.readTextFile(state));
    const [first] = await emissionBodies(dir);
    // as if the run crashed after the append, before saving s1
    await Deno.writeTextFile(
      state,
      JSON.stringify({ ...s0, pending: { id: labelsOf(first).report_id, state: s1 } }),
    );
    await sleep(300);
    const r = await report(["--min-period", "0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /adopted an unfinished period/);
    const bodies = await emissionBodies(dir);
    assert.equal(bodies.length, 2);
    assert.equal(periodOf(bodies[1]).start, periodOf(bodies[0]).end, "not reported twice");
  } finally {
    await gov.stop();
  }
});

/** The body of the last record in the ledger file, parsed from the signed line's own bytes. */
async function lastSignedBody(ledger: string): Promise<Record<string, unknown>> {
  const lines = (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trimEnd().split("\n");
  const record = JSON.parse(lines[lines.length - 1]);
  assert.equal(record.type, "emission");
  return record.body;
}

/** The real governor daemon, in-process, reading a fake powercap tree through sysfs. */
const startSysfsGovernor = (socketPath: string, classRoot: string) =>
  startInProcessGovernor(socketPath, () => ({ source: openSysfsSource({ root: classRoot }) }));

Deno.test("report over the governor's simulated source signs the record as simulated, not measured", async () => {
  await using tmp = await tempDir();
  const { dir, sock, report } = await setup(tmp.path);
  const gov = await startGovernor(sock);
  try {
    assert.equal((await report(["--min-period", "0"])).code, 0);
    await sleep(200);
    const r = await report(["--min-period", "0"]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await gov.stop();
  }
  const body = await lastSignedBody(dir);
  assert.equal(body.quality, "simulated");
  assert.notEqual(body.quality, "measured");
  assert.deepEqual(
    { ...(body.activity as Record<string, unknown>), energy_kwh: "x" },
    { energy_kwh: "x", source: "governor", simulated: true, coverage_pct: 100 },
  );
  assert.equal((body.labels as Record<string, string>).governor_source, "sim");
});

Deno.test("report over a governor reading powercap (sysfs) signs the record as measured", async () => {
  await using tmp = await tempDir();
  const { dir, sock, report } = await setup(tmp.path);
  const pc = buildFakePowercap(`${tmp.path}/pc`, [
    { id: "intel-rapl:0", name: "package-0", energy: "1000000\n" },
  ]);
  const gov = await startSysfsGovernor(sock, pc.classRoot);
  try {
    assert.equal((await report(["--min-period", "0"])).code, 0);
    pc.setEnergy("intel-rapl:0", "4600000\n"); // 3.6 J = 1 mWh
    await sleep(200);
    const r = await report(["--min-period", "0"]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await gov.stop();
  }
  const body = await lastSignedBody(dir);
  assert.equal(body.quality, "measured");
  assert.deepEqual(body.activity, {
    energy_kwh: "0.000001",
    source: "governor",
    coverage_pct: 100,
  });
  assert.equal((body.labels as Record<string, string>).governor_source, "sysfs");
});
