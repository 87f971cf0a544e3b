import assert from "node:assert/strict";
import { REPO_ROOT, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

Deno.test("README main-job command runs the whole pipeline on embedded defaults", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}README.md`);
  const first = /```sh\n(.+)\n```/.exec(readme)?.[1] ?? "";
  assert.equal(first, "npm ci && node_modules/.bin/deno task demo", "the README's first command");
  const out = await new Deno.Command(`${REPO_ROOT}node_modules/.bin/deno`, {
    args: ["task", "--quiet", "demo"],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", CARBON_OPS_CONFIG: "" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, stdout + new TextDecoder().decode(out.stderr));
  for (let step = 1; step <= 7; step++) assert.match(stdout, new RegExp(`\\[${step}/7\\] `));
  assert.match(stdout, /carbon-ops verify: valid \(exit 0\)/);
  assert.match(
    stdout,
    /independent node:crypto check: record signatures, chain, root and checkpoint signature all good/,
  );
  assert.match(stdout, /attribution_mode|governor_cpu_time/);
  const dir = /files in (\S+)/.exec(stdout)![1];
  try {
    const again = await runCli([
      "ledger",
      "verify",
      `${dir}/ledger`,
      "--trust",
      `${dir}/trust.json`,
    ]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo pipeline attributes governor energy and records it with its interval (--json)", async () => {
  await using dir = await tempDir();
  const r = await runCli([
    "demo",
    "pipeline",
    "--dir",
    dir.path,
    "--workload-s",
    "1",
    "--region",
    "FR",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, true);
  assert.equal(out.energy.attribution_mode, "governor_cpu_time");
  assert.ok(out.energy.energy_wh_total > 0, "the simulated governor measured energy");
  assert.ok(out.energy.allocation_ratio > 0 && out.energy.allocation_ratio <= 1);
  assert.ok(
    Math.abs(
          out.energy.energy_wh_attributed -
            out.energy.energy_wh_total * out.energy.allocation_ratio,
        ) <
        1e-9 + out.energy.energy_wh_total * 1e-6 || out.energy.idle_policy === "active-only",
    "attributed = host x ratio under the proportional policy",
  );
  const e = out.estimate;
  assert.ok(
    e.meta.ci_lower_g <= e.carbon_emissions_gco2 && e.carbon_emissions_gco2 <= e.meta.ci_upper_g,
  );
  assert.equal(out.verification.status, "valid");
  assert.deepEqual(out.verification.independent.problems, []);
  const shown = await runCli(["ledger", "show", dir.join("ledger"), "--seq", "1", "--json"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /"rule": ?"cpu_time_share"/);
});

Deno.test("demo pipeline signs its simulated governor energy as simulated, never as measured", async () => {
  await using dir = await tempDir();
  const r = await runCli(["demo", "pipeline", "--dir", dir.path, "--workload-s", "0.5"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Wh from the \w+ \(SIMULATED: not a measurement\)/);
  assert.match(r.stdout, /quality simulated/);
  const lines = (await Deno.readTextFile(dir.join("ledger", "ledger.jsonl"))).trimEnd().split("\n");
  const record = JSON.parse(lines[lines.length - 1]);
  assert.equal(record.type, "emission");
  assert.equal(record.body.quality, "simulated");
  assert.notEqual(record.body.quality, "measured");
  assert.equal(record.body.activity.simulated, true);
  assert.ok(["governor", "model"].includes(record.body.activity.source));
  assert.deepEqual(record.body.labels, { demo: "pipeline" });
});
