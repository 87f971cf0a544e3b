import assert from "node:assert/strict";
import { ConfigError } from "../../lib/base/errors.ts";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { runCli } from "../_kit/run_cli.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { tempDir } from "../_kit/temp_dir.ts";

Deno.test("config has per-workload defaults: /sys/fs/cgroup every second, idle policy, 500 workloads, the scanner's patterns", () => {
  const g = resolveConfig({ fileText: null }).governor;
  assert.equal(g.cgroupRoot, "/sys/fs/cgroup");
  assert.equal(g.attributionIntervalMs, 1000);
  assert.equal(g.workloadPolicy, "idle");
  assert.equal(g.maxWorkloads, 500);
  assert.equal(g.workloadInclude, null);
  assert.equal(g.workloadExclude, null);
});

Deno.test("config takes per-workload keys from the file and the environment, and refuses bad values", () => {
  const file = resolveConfig({
    fileText: '{ "governor": { "attributionIntervalMs": 0, "workloadPolicy": "proportional", ' +
      '"workloadInclude": ["system.slice/*.service"], "workloadExclude": ["**/init.scope"] } }',
  }).governor;
  assert.equal(file.attributionIntervalMs, 0);
  assert.equal(file.workloadPolicy, "proportional");
  assert.deepEqual(file.workloadInclude, ["system.slice/*.service"]);
  assert.deepEqual(file.workloadExclude, ["**/init.scope"]);
  const env = resolveConfig({
    fileText: null,
    env: {
      CARBON_OPS_GOVERNOR_CGROUP_ROOT: "/host/sys/fs/cgroup",
      CARBON_OPS_GOVERNOR_MAX_WORKLOADS: "50",
      CARBON_OPS_GOVERNOR_WORKLOAD_INCLUDE: "kubepods.slice/**,system.slice/*.service",
    },
  }).governor;
  assert.equal(env.cgroupRoot, "/host/sys/fs/cgroup");
  assert.equal(env.maxWorkloads, 50);
  assert.deepEqual(env.workloadInclude, ["kubepods.slice/**", "system.slice/*.service"]);
  for (
    const bad of [
      { CARBON_OPS_GOVERNOR_ATTRIBUTION_INTERVAL_MS: "-1" },
      { CARBON_OPS_GOVERNOR_MAX_WORKLOADS: "0" },
      { CARBON_OPS_GOVERNOR_WORKLOAD_POLICY: "fair" },
    ] as Record<string, string>[]
  ) {
    assert.throws(
      () => resolveConfig({ fileText: null, env: bad }),
      ConfigError,
      JSON.stringify(bad),
    );
  }
});

Deno.test("governor flags --cgroup-root and --attribution-interval-ms reach the daemon, a bad value exits 2", async () => {
  const bad = await runCli(["governor", "--rapl-mode=sim", "--attribution-interval-ms=-5"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--attribution-interval-ms must be >= 0/);
  await using dir = await tempDir();
  // a cgroup root that is not there: the governor runs with workloads off and says why
  await using gov = await startGovernorProcess(dir.join("g.sock"), [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--cgroup-root",
    dir.join("none"),
    "--attribution-interval-ms",
    "250",
  ]);
  assert.match(
    gov.stderr(),
    new RegExp(
      `^workloads: off \\(no cgroup hierarchy with CPU accounting under ${dir.join("none")}`,
      "m",
    ),
  );
  assert.equal(await gov.stop(), 0);
  // interval 0: off, whatever the root
  await using off = await startGovernorProcess(dir.join("h.sock"), [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--attribution-interval-ms",
    "0",
  ]);
  assert.match(off.stderr(), /^workloads: off \(governor\.attributionIntervalMs is 0\)$/m);
  assert.equal(await off.stop(), 0);
});
