/**
 * The deployment of docs/deployment.md, carried out on a throwaway copy of this machine (see
 * tests/_kit/host_copy.ts). Started by deploy_host_test.ts as the first process of a private
 * mount and PID namespace: `deno run -A deploy_host_scenario.ts WORK_DIR RESULT_JSON`.
 *
 * 1. Runs the documented install block as root in the checkout (the shipped files, sysusers,
 *    tmpfiles, the `carbon-ops` command).
 * 2. Starts the governor from the installed unit file, the way systemd would, on a fake powercap
 *    tree whose counters advance.
 * 3. Runs the documented ledger block, then the installed cron file's jobs as cron would (their
 *    user, the cron file's environment, `/bin/sh -c` with the exact command line), three report
 *    periods with a governor restart between the second and the third.
 * 4. Runs the documented check block, checks owners and modes, and analyses the unit with
 *    `systemd-analyze`.
 *
 * Every failure throws with what was expected and what happened.
 */
import assert from "node:assert/strict";
import { parse as parseJsonc } from "jsonc-parser";
import { HostCopy, must, parseUnit, type Ran, startUnit } from "../_kit/host_copy.ts";

const [work, resultPath] = Deno.args;
const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const result: Record<string, unknown> = {};

/** The ```sh blocks of docs/deployment.md marked `<!-- deploy-test: NAME -->`. */
async function docBlocks(): Promise<Map<string, string>> {
  const lines = (await Deno.readTextFile(`${REPO}/docs/deployment.md`)).split("\n");
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- deploy-test: (\S+) -->$/.exec(lines[i]);
    if (!m) continue;
    for (i++; lines[i] === ""; i++);
    assert.equal(lines[i], "```sh", `docs/deployment.md:${i + 1}: a marked block is sh`);
    const body: string[] = [];
    for (i++; lines[i] !== "```"; i++) body.push(lines[i]);
    out.set(m[1], body.join("\n") + "\n");
  }
  return out;
}

function expectOk(what: string, r: Ran): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.output}`);
  return r.output;
}

const blocks = await docBlocks();
for (const name of ["install", "ledger", "check"]) {
  assert.ok(blocks.has(name), `docs/deployment.md has a block marked deploy-test: ${name}`);
}

const host = await HostCopy.create(work, {
  keep: [REPO],
  // what a fresh host does not have yet
  fresh: [
    "/usr/local/bin/carbon-ops",
    "/usr/local/lib/carbon-ops",
    "/usr/local/share/doc/carbon-ops",
    "/etc/carbon-ops",
    "/var/lib/carbon-ops",
    "/var/lib/carbon-ops-governor",
    "/var/log/carbon-ops",
    "/etc/cron.d/carbon-ops-report",
    "/etc/systemd/system/carbon-ops-governor.service",
    "/usr/lib/sysusers.d/carbon-ops.conf",
    "/usr/lib/tmpfiles.d/carbon-ops.conf",
    "/etc/logrotate.d/carbon-ops",
    "/sys/class/powercap",
    "/sys/devices/virtual/powercap",
  ],
});
const rootEnv = { PATH, HOME: "/root", LANG: "C.UTF-8" };

// 1. Install, as the operator would (root, in the checkout).
result.install = expectOk(
  "the install block",
  await host.runIn(["/bin/bash", "-euo", "pipefail", "-c", blocks.get("install")!], {
    env: rootEnv,
    cwd: REPO,
  }),
);

// A RAPL host: one package with a DRAM zone, counters advancing about 20 W and 3 W.
const zoneDir = "/sys/devices/virtual/powercap/intel-rapl/intel-rapl:0";
const zones = [
  { dir: zoneDir, name: "package-0", uj: 1_000_000n, step: 2_000_000n },
  { dir: `${zoneDir}/intel-rapl:0:0`, name: "dram", uj: 5_000_000n, step: 300_000n },
];
for (const z of zones) {
  await Deno.mkdir(host.path(z.dir), { recursive: true });
  await Deno.writeTextFile(host.path(`${z.dir}/name`), `${z.name}\n`);
  await Deno.writeTextFile(host.path(`${z.dir}/max_energy_range_uj`), "262143328850\n");
  await Deno.writeTextFile(host.path(`${z.dir}/enabled`), "1\n");
  await Deno.writeTextFile(host.path(`${z.dir}/energy_uj`), `${z.uj}\n`, { mode: 0o400 });
}
await Deno.mkdir(host.path("/sys/class/powercap"), { recursive: true });
await Deno.symlink(
  "../../devices/virtual/powercap/intel-rapl/intel-rapl:0",
  host.path("/sys/class/powercap/intel-rapl:0"),
);
await Deno.symlink(
  "../../devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:0",
  host.path("/sys/class/powercap/intel-rapl:0:0"),
);
const ticker = setInterval(() => {
  for (const z of zones) {
    z.uj += z.step / 10n;
    Deno.writeTextFileSync(host.path(`${z.dir}/energy_uj`), `${z.uj}\n`);
  }
}, 100);

// 2. The governor, from the installed unit.
const unitPath = "/etc/systemd/system/carbon-ops-governor.service";
const unitText = await Deno.readTextFile(host.path(unitPath));
const config = parseJsonc(await Deno.readTextFile(host.path("/etc/carbon-ops/config.jsonc"))) as {
  governor: { socketPath: string; socketGroup: string; statePath: string };
};
const socketPath = config.governor.socketPath;

async function startGovernor(n: number) {
  const svc = await startUnit(host, unitText, `${work}/service-view-${n}`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ transport: "unix", path: host.path(socketPath) });
      conn.close();
      return svc;
    } catch {
      const exited = await Promise.race([
        svc.child.status.then((s) => s.code),
        new Promise<null>((r) => setTimeout(() => r(null), 100)),
      ]);
      if (exited !== null) {
        throw new Error(`the governor exited ${exited} before serving:\n${svc.stderr()}`);
      }
      if (Date.now() > deadline) throw new Error(`the governor never served:\n${svc.stderr()}`);
    }
  }
}

let governor = await startGovernor(1);
const socketStat = await Deno.lstat(host.path(socketPath));
const usersGroup = await host.account("group", config.governor.socketGroup);
assert.equal(socketStat.isSocket, true);
assert.equal(socketStat.uid, 0, "the socket belongs to root");
assert.equal(socketStat.gid, usersGroup.id, `the socket's group is ${usersGroup.name}`);
assert.equal(socketStat.mode! & 0o777, 0o660, "the socket is 0660");

// 3. The ledger, then cron's jobs. The checkpoint store is a separate mount, as off the host.
const cronText = await Deno.readTextFile(host.path("/etc/cron.d/carbon-ops-report"));
const cronEnv: Record<string, string> = {};
const jobs: { user: string; command: string }[] = [];
for (const line of cronText.split("\n")) {
  if (line.startsWith("#") || line.trim() === "") continue;
  const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
  if (env) {
    cronEnv[env[1]] = env[2];
    continue;
  }
  const job = /^(\S+\s+){5}(\S+)\s+(.+)$/.exec(line);
  assert.ok(job, `a cron line cron can read: ${line}`);
  jobs.push({ user: job[2], command: job[3] });
}
const reportJob = jobs.find((j) => / report /.test(j.command));
const checkpointJob = jobs.find((j) => / ledger checkpoint /.test(j.command));
assert.ok(reportJob && checkpointJob, "the cron file has a report job and a checkpoint job");
const publishDir = cronEnv.CHECKPOINT_PUBLISH;
assert.ok(publishDir?.startsWith("/"), "CHECKPOINT_PUBLISH names a directory");
const cronUser = await host.account("passwd", reportJob.user);
// the storage is mounted at the parent; the operator makes the directory on it (step 4)
const mountPoint = publishDir.slice(0, publishDir.lastIndexOf("/"));
await Deno.mkdir(host.path(mountPoint), { recursive: true });
await must("mount", ["-t", "tmpfs", "-o", "mode=0755", "tmpfs", host.path(mountPoint)]);
await Deno.mkdir(host.path(publishDir));
await Deno.chown(host.path(publishDir), cronUser.id, cronUser.gid);

result.ledger = expectOk(
  "the ledger block",
  await host.runIn(["/bin/bash", "-euo", "pipefail", "-c", blocks.get("ledger")!], {
    env: rootEnv,
    cwd: "/root",
  }),
);

/** Runs a cron job as cron does: its user, HOME and LOGNAME, the file's variables, sh -c. */
async function cron(job: { user: string; command: string }): Promise<Ran> {
  const account = await host.account("passwd", job.user);
  return await host.runIn(["/bin/sh", "-c", job.command], {
    env: {
      SHELL: "/bin/sh",
      PATH: "/usr/bin:/bin",
      HOME: account.extra,
      LOGNAME: job.user,
      ...cronEnv,
    },
    cwd: account.extra,
    user: job.user,
  });
}

const ledgerLines = async () =>
  (await Deno.readTextFile(host.path("/var/lib/carbon-ops/ledger/ledger.jsonl"))).split("\n")
    .filter((l) => l !== "").length;

const counts: number[] = [await ledgerLines()];
const runs: { report: number; checkpoint: number }[] = [];
let lastReportMs = 0;
for (let period = 1; period <= 3; period++) {
  if (period > 1) {
    // report appends at most one record a minute (its --min-period); the next period is due then
    const due = lastReportMs + 61_000;
    while (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  if (period === 3) {
    // a governor restart, as after a reboot or an upgrade: systemd re-applies the unit
    governor.child.kill("SIGTERM");
    assert.equal((await governor.child.status).code, 0, `governor stop:\n${governor.stderr()}`);
    governor = await startGovernor(2);
  }
  const report = await cron(reportJob);
  lastReportMs = Date.now();
  const checkpoint = await cron(checkpointJob);
  runs.push({ report: report.code, checkpoint: checkpoint.code });
  const log = async (name: string) =>
    await Deno.readTextFile(host.path(`/var/log/carbon-ops/${name}`)).catch((e) => `(${e})`);
  assert.equal(
    report.code,
    0,
    `report run ${period} exited ${report.code}: ${report.output}\n${await log("report.log")}`,
  );
  assert.equal(
    checkpoint.code,
    0,
    `checkpoint run ${period} exited ${checkpoint.code}: ${checkpoint.output}\n${await log(
      "checkpoint.log",
    )}`,
  );
  counts.push(await ledgerLines());
}
result.runs = runs;
result.ledgerLines = counts;
// genesis after init; the first report is a baseline; each later period appends one record
assert.deepEqual(
  counts,
  [1, 1, 2, 3],
  "the ledger grows by one record a period after the baseline",
);

// 4. The documented checks, owners and modes, and the unit's analysis.
result.check = expectOk(
  "the check block",
  await host.runIn(["/bin/bash", "-euo", "pipefail", "-c", blocks.get("check")!], {
    env: rootEnv,
    cwd: "/root",
  }),
);

const owned = async (path: string, uid: number, mode?: number) => {
  const st = await Deno.lstat(host.path(path));
  assert.equal(st.uid, uid, `${path} belongs to uid ${uid}, not ${st.uid}`);
  if (mode !== undefined) {
    assert.equal((st.mode! & 0o7777).toString(8), mode.toString(8), `${path} mode`);
  }
};
await owned("/etc/carbon-ops/keys", cronUser.id, 0o700);
await owned("/etc/carbon-ops/keys/host.key", cronUser.id, 0o600);
await owned("/var/lib/carbon-ops", cronUser.id);
await owned("/var/lib/carbon-ops/report.state", cronUser.id);
await owned("/var/log/carbon-ops/report.log", cronUser.id);
await owned("/var/log/carbon-ops/checkpoint.log", cronUser.id);
await owned("/var/lib/carbon-ops-governor", 0, 0o700);
// nothing under the cron user's tree was taken by the governor (root)
const foreign = await must("find", [
  host.path("/var/lib/carbon-ops"),
  host.path("/var/log/carbon-ops"),
  "!",
  "-user",
  String(cronUser.id),
]);
assert.equal(foreign, "", `files the cron user does not own:\n${foreign}`);
const stateFile = host.path(config.governor.statePath);
await owned(config.governor.statePath, 0);
assert.ok((await Deno.readTextFile(stateFile)).length > 0, "the governor persisted its totals");

// Log rotation keeps the logs the cron user's (a rotated-away log it cannot recreate would stop
// the jobs the way a root-owned log did).
if (await Deno.stat(host.path("/usr/sbin/logrotate")).then(() => true, () => false)) {
  expectOk(
    "logrotate --force",
    await host.runIn(
      ["logrotate", "--force", "--state", "/tmp/logrotate.state", "/etc/logrotate.d/carbon-ops"],
      { env: rootEnv },
    ),
  );
  await owned("/var/log/carbon-ops/report.log", cronUser.id, 0o640);
  await owned("/var/log/carbon-ops/report.log.1", cronUser.id);
  result.logrotate = "rotated";
} else {
  result.logrotate = "logrotate not installed";
}

const unit = parseUnit(unitText);
for (const doc of unit.get("Documentation") ?? []) {
  assert.ok(doc.startsWith("file://"), `Documentation=${doc}`);
  await Deno.stat(host.path(doc.slice("file://".length)));
}
const verify = await host.runIn(["systemd-analyze", "verify", unitPath], { env: rootEnv });
const unitProblems = verify.output.split("\n").filter((l) => l.includes("carbon-ops"));
assert.equal(verify.code, 0, verify.output);
assert.deepEqual(unitProblems, [], `systemd-analyze verify:\n${verify.output}`);
const security = await host.runIn(
  ["systemd-analyze", "security", "--offline=true", "--no-pager", unitPath],
  { env: rootEnv },
);
const exposure = /Overall exposure level for \S+: ([0-9.]+) (\S+)/.exec(security.output);
assert.ok(exposure, `systemd-analyze security printed an exposure level:\n${security.output}`);
result.exposure = Number(exposure[1]);
result.exposureVerdict = exposure[2];

clearInterval(ticker);
governor.child.kill("SIGTERM");
assert.equal((await governor.child.status).code, 0, `governor stop:\n${governor.stderr()}`);
await assert.rejects(Deno.lstat(host.path(socketPath)), "the governor removed its socket");
result.governorLog = governor.stderr();
await Deno.writeTextFile(resultPath, JSON.stringify(result, null, 2));
