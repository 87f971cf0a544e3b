import assert from "node:assert/strict";
import { MAIN_TS, runCli } from "../_kit/run_cli.ts";
import { startSimGovernor } from "../_kit/sim_governor.ts";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { emissionBodies, makeLedger } from "../_kit/energy_cli.ts";
import { buildFakePowercap } from "../_kit/fake_powercap.ts";

const NO_GOV = (dir: string) => ["--socket", `${dir}/none.sock`, "--no-gpu"];

Deno.test("run passes the command's exit code through and prints a summary on stderr", async () => {
  await using dir = await tempDir();
  const r = await runCli(["run", ...NO_GOV(dir.path), "--", "sh", "-c", "echo out; exit 7"]);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, "out\n");
  assert.match(r.stderr, /sh exited 7 after/);
  assert.match(r.stderr, /monitor_only/);
  assert.match(r.stderr, /CO2e/);
});

Deno.test("run --json reports energy with the issue's keys, CPU time scope and an estimate", async () => {
  await using dir = await tempDir();
  const r = await runCli([
    "run",
    "--json",
    "--region",
    "FR",
    ...NO_GOV(dir.path),
    "--",
    "sh",
    "-c",
    "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done",
  ], { env: { CPU_TDP_WATTS: "65" } });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.exit_code, 0);
  assert.equal(j.energy.attribution_mode, "monitor_only");
  assert.equal(j.energy_details.power_model.tdp_watts, 65);
  assert.ok(["cgroup", "process-tree"].includes(j.cpu_time_scope));
  assert.ok(
    j.energy_details.task_cpu_seconds > 0.05,
    `task CPU ${j.energy_details.task_cpu_seconds}`,
  );
  assert.ok(j.energy.allocation_ratio > 0 && j.energy.allocation_ratio <= 1);
  assert.ok(
    Math.abs(j.energy.energy_wh_attributed - j.energy.energy_wh_total * j.energy.allocation_ratio) <
      1e-9,
  );
  assert.equal(j.estimate.region, "FR");
  assert.ok(Math.abs(j.estimate.energy_consumed_wh - j.energy.energy_wh_attributed) < 1e-6);
});

Deno.test("run uses process-tree CPU time with --no-cgroup and writes --output FILE", async () => {
  await using dir = await tempDir();
  const out = dir.join("run.json");
  const r = await runCli([
    "run",
    "--no-cgroup",
    "--output",
    out,
    ...NO_GOV(dir.path),
    "--",
    "sh",
    "-c",
    "sh -c 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done' & wait",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(await Deno.readTextFile(out));
  assert.equal(j.cpu_time_scope, "process-tree");
  assert.ok(j.energy_details.task_cpu_seconds > 0.05, "grandchild CPU time counted");
});

Deno.test("run returns 127 when the command does not exist", async () => {
  await using dir = await tempDir();
  const r = await runCli(["run", "--no-cgroup", ...NO_GOV(dir.path), "--", "no-such-command-xyz"]);
  assert.equal(r.code, 127);
  assert.match(r.stderr, /command not found/);
});

Deno.test("run rejects bad options with exit 2 before starting the command", async () => {
  await using dir = await tempDir();
  const marker = dir.join("ran");
  const noKey = await runCli(["run", "--ledger", dir.path, "--", "touch", marker]);
  assert.equal(noKey.code, 2);
  const badPolicy = await runCli(["run", "--idle-policy", "some", "--", "touch", marker]);
  assert.equal(badPolicy.code, 2);
  const badRegion = await runCli(["run", "--region", "Atlantis", "--", "touch", marker]);
  assert.equal(badRegion.code, 2);
  const none = await runCli(["run"]);
  assert.equal(none.code, 2);
  assert.equal(await Deno.stat(marker).then(() => true, () => false), false);
});

Deno.test("run forwards SIGTERM to the command and passes its exit code through", async () => {
  await using dir = await tempDir();
  const ready = dir.join("ready");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      MAIN_TS,
      "run",
      ...NO_GOV(dir.path),
      "--",
      "sh",
      "-c",
      `trap 'exit 42' TERM; touch ${ready}; while :; do sleep 0.05; done`,
    ],
    env: { CARBON_OPS_CONFIG: "", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  for (let i = 0; i < 200 && !(await Deno.stat(ready).then(() => true, () => false)); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGTERM");
  const out = await child.output();
  assert.equal(out.code, 42, new TextDecoder().decode(out.stderr));
});

Deno.test("run --ledger appends an emission record with the run's labels and CPU-time share", async () => {
  await using dir = await tempDir();
  const { dir: ledger, keyPath } = await makeLedger(dir.path);
  const r = await runCli([
    "run",
    ...NO_GOV(dir.path),
    "--ledger",
    ledger,
    "--key",
    keyPath,
    "--label",
    "job=nightly",
    "--label",
    "team=ml",
    "--",
    "true",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ledger +appended seq 1/);
  const [body] = await emissionBodies(ledger);
  const labels = body.labels as Record<string, string>;
  assert.equal(labels.job, "nightly");
  assert.equal(labels.team, "ml");
  assert.equal(labels.exit_code, "0");
  assert.equal((body.allocation as { rule: string }).rule, "cpu_time_share");
  assert.equal((body.activity as { source: string }).source, "model");
});

Deno.test("run measures through a running governor (sim) and attributes by CPU time", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("gov.sock");
  const gov = await startSimGovernor(socketPath, 120);
  try {
    const r = await runCli([
      "run",
      "--json",
      "--no-gpu",
      "--poll-ms",
      "100",
      "--socket",
      socketPath,
      "--",
      "sh",
      "-c",
      "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.energy.attribution_mode, "governor_cpu_time");
    assert.equal(j.energy.source, "governor:sim");
    assert.equal(j.energy.coverage, 1);
    const expected = 120 * j.energy.duration_seconds / 3600;
    // The governor's totals move at its ticks: each end of the span may be off by a tick period
    // plus that tick's lateness, which on a busy machine is the governor's own measure of it.
    const client = new GovernorClient({ socketPath, timeoutMs: 5_000 });
    const stats = await client.stats().finally(() => client.close());
    const slackS = 0.15 + 2 * (stats.intervalMs + stats.tickLatenessMs.maxMs) / 1000;
    assert.ok(
      Math.abs(j.energy.cpu_energy_wh - expected) <= 120 * slackS / 3600,
      `${j.energy.cpu_energy_wh} vs ${expected} (slack ${slackS} s)`,
    );
    assert.equal(j.estimate.energy_source, "model", "a simulated governor is not a measurement");
    assert.ok(j.energy_details.notes.some((n: string) => n.includes("SIMULATED")));
  } finally {
    await gov.stop();
  }
});

Deno.test("run leaves the command's own options after -- alone (--help, --json, --version)", async () => {
  await using dir = await tempDir();
  const r = await runCli(["run", ...NO_GOV(dir.path), "--", "echo", "--help", "--json", "-V"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "--help --json -V\n");
});

/** The body of the last record in the ledger file, parsed from the signed line's own bytes. */
async function lastSignedBody(ledger: string): Promise<Record<string, unknown>> {
  const lines = (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trimEnd().split("\n");
  const record = JSON.parse(lines[lines.length - 1]);
  assert.equal(record.type, "emission");
  return record.body;
}

Deno.test("run over a simulated governor signs the record as simulated, never as measured", async () => {
  await using dir = await tempDir();
  const { dir: ledger, keyPath } = await makeLedger(dir.path);
  const socketPath = dir.join("gov.sock");
  const gov = await startSimGovernor(socketPath, 120);
  try {
    const r = await runCli([
      "run",
      "--no-gpu",
      "--poll-ms",
      "100",
      "--socket",
      socketPath,
      "--ledger",
      ledger,
      "--key",
      keyPath,
      "--",
      "sh",
      "-c",
      "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done",
    ]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await gov.stop();
  }
  const body = await lastSignedBody(ledger);
  assert.equal(body.quality, "simulated");
  assert.notEqual(body.quality, "measured");
  const activity = body.activity as { source: string; simulated?: boolean };
  assert.equal(activity.simulated, true);
  assert.ok(["governor", "model"].includes(activity.source), activity.source);
  assert.ok((body.assumptions as string[]).some((a) => a.includes("SIMULATED")));
});

Deno.test("run over direct powercap reads signs the record as measured rapl energy", async () => {
  await using dir = await tempDir();
  const { dir: ledger, keyPath } = await makeLedger(dir.path);
  const pc = buildFakePowercap(dir.join("pc"), [
    { id: "intel-rapl:0", name: "package-0", energy: "1000000\n" },
  ]);
  const zone = `${pc.zoneDir("intel-rapl:0")}/energy_uj`;
  const r = await runCli([
    "run",
    ...NO_GOV(dir.path),
    "--poll-ms",
    "50",
    "--ledger",
    ledger,
    "--key",
    keyPath,
    "--",
    "sh",
    "-c",
    `sleep 0.2; echo 5000000 > ${zone}; sleep 0.2`,
  ], { env: { CARBON_OPS_ENERGY_SYS_ROOT: dir.join("pc", "sys") } });
  assert.equal(r.code, 0, r.stderr);
  const body = await lastSignedBody(ledger);
  const activity = body.activity as { source: string; simulated?: boolean };
  assert.equal(body.quality, "measured", r.stderr);
  assert.equal(activity.source, "rapl");
  assert.equal(activity.simulated, undefined);
  const labels = body.labels as Record<string, string>;
  assert.equal(labels.energy_source, "powercap");
});

Deno.test("run checks the key, the ledger and the labels before it starts the command", async () => {
  await using dir = await tempDir();
  const { dir: ledger, keyPath } = await makeLedger(dir.path);
  const marker = dir.join("ran");
  const badKey = dir.join("bad.key");
  await Deno.writeTextFile(badKey, "not a key", { mode: 0o600 });
  const cases = [
    ["--ledger", ledger, "--key", badKey],
    ["--ledger", dir.join("no-ledger"), "--key", keyPath],
    ["--ledger", ledger, "--key", keyPath, "--label", "novalue"],
    ["--ledger", ledger, "--key", keyPath, "--label", `long=${"x".repeat(257)}`],
  ];
  for (const args of cases) {
    const r = await runCli(["run", ...NO_GOV(dir.path), ...args, "--", "touch", marker]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(await Deno.stat(marker).then(() => true, () => false), false, args.join(" "));
  }
  assert.deepEqual(await emissionBodies(ledger), []);
});
