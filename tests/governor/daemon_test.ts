import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { nobodyWorkspace } from "../_kit/run_as_nobody.ts";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const GROUP = "daemon";
const GID = 1;

Deno.test("governor process serves the real client and SIGTERM removes its socket", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP]);
  const st = await Deno.lstat(socketPath);
  assert(st.isSocket);
  assertEquals(st.mode! & 0o777, 0o660);
  assertEquals(st.gid, GID);
  assert(gov.stderr().includes("source: sim"), gov.stderr());
  const client = new GovernorClient({ socketPath, timeoutMs: 2000 });
  const a = await client.read();
  await new Promise((r) => setTimeout(r, 300));
  const b = await client.read();
  assertEquals(a.instance, b.instance);
  assert(b.hostTotalUj > a.hostTotalUj, `${a.hostTotalUj} -> ${b.hostTotalUj}`);
  client.close();
  const cli = await runCli(["read", "--json", "--socket", socketPath]);
  assertEquals(cli.code, 0, cli.stderr);
  const json = JSON.parse(cli.stdout);
  assertEquals(json.instance, a.instance);
  assert(BigInt(json.host_total_uj) >= b.hostTotalUj);
  const text = await runCli([
    "read",
    "--socket",
    socketPath,
    "--watch",
    "--interval-ms",
    "200",
    "--count",
    "2",
  ]);
  assertEquals(text.code, 0, text.stderr);
  assert(text.stdout.includes("SIMULATED") && text.stdout.includes("power W"), text.stdout);
  assertEquals(await gov.stop("SIGTERM"), 0);
  assert(gov.stderr().includes("stopping"), gov.stderr());
  await assertGone(socketPath);
});

Deno.test("governor process removes its socket on SIGINT too", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP]);
  assertEquals(await gov.stop("SIGINT"), 0);
  await assertGone(socketPath);
});

async function assertGone(path: string) {
  const gone = await Deno.lstat(path).then(() => false, (e) => e instanceof Deno.errors.NotFound);
  assert(gone, `${path} still exists`);
}

Deno.test("governor process refuses a non-socket file and a live governor with exit 1", async () => {
  await using dir = await tempDir();
  const file = dir.join("file.sock");
  await Deno.writeTextFile(file, "keep me");
  const r1 = await runCli(["governor", "--rapl-mode=sim", "--socket", file, "--group", GROUP]);
  assertEquals(r1.code, 1, r1.stderr);
  assert(r1.stderr.includes("refusing to remove it"), r1.stderr);
  assertEquals(await Deno.readTextFile(file), "keep me");
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP]);
  const r2 = await runCli([
    "governor",
    "--rapl-mode=sim",
    "--socket",
    socketPath,
    "--group",
    GROUP,
  ]);
  assertEquals(r2.code, 1, r2.stderr);
  assert(r2.stderr.includes("already listening"), r2.stderr);
  assert((await new GovernorClient({ socketPath }).read()).instance.length === 36);
  assertEquals(await gov.stop(), 0);
});

Deno.test("governor process replaces a stale socket left by a killed governor", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const first = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP]);
  assertEquals(await first.stop("SIGKILL"), 137);
  assert((await Deno.lstat(socketPath)).isSocket, "SIGKILL leaves the socket behind");
  await using second = await startGovernorProcess(socketPath, [
    "--rapl-mode=sim",
    "--group",
    GROUP,
  ]);
  assert(second.stderr().includes("replaced a stale socket"), second.stderr());
  assertEquals(await second.stop(), 0);
});

Deno.test("governor process rejects msr mode unless the config file allows it (exit 2)", async () => {
  await using dir = await tempDir();
  const r = await runCli(["governor", "--rapl-mode=msr", "--socket", dir.join("g.sock")]);
  assertEquals(r.code, 2, r.stderr);
  assert(r.stderr.includes("allowMsr"), r.stderr);
  const bad = await runCli(["governor", "--rapl-mode=bogus"]);
  assertEquals(bad.code, 2);
  for (const args of [["--msr-cpus=0,x"], ["--interval-ms", "5"], ["--socket"]]) {
    const r = await runCli(["governor", "--rapl-mode=sim", ...args]);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  }
  const listen = await runCli(["governor", "--rapl-mode=sim", "--metrics-listen", "9464"]);
  assertEquals(listen.code, 2, listen.stderr);
  assert(listen.stderr.includes("host:port"), listen.stderr);
});

Deno.test("governor process reloads socket mode and group from the config file on SIGHUP", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const configPath = dir.join("config.jsonc");
  await Deno.writeTextFile(configPath, `{ "governor": { "socketMode": "0660" } }`);
  await using gov = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP], {
    env: { CARBON_OPS_CONFIG: configPath },
  });
  assertEquals((await Deno.lstat(socketPath)).mode! & 0o777, 0o660);
  await Deno.writeTextFile(configPath, `{ "governor": { "socketMode": "0640", "maxClients": 7 } }`);
  gov.child.kill("SIGHUP");
  for (let i = 0; i < 100 && !gov.stderr().includes("config reloaded"); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert(gov.stderr().includes("maxClients 7"), gov.stderr());
  assertEquals((await Deno.lstat(socketPath)).mode! & 0o777, 0o640);
  // a broken file keeps the old config and the daemon running
  await Deno.writeTextFile(configPath, `{ "governor": { "socketMode": "0666" } }`);
  gov.child.kill("SIGHUP");
  for (let i = 0; i < 100 && !gov.stderr().includes("reload failed"); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert(gov.stderr().includes("keeping the old one"), gov.stderr());
  assertEquals((await Deno.lstat(socketPath)).mode! & 0o777, 0o640);
  assert((await new GovernorClient({ socketPath }).read()).hostTotalUj >= 0n);
  assertEquals(await gov.stop(), 0);
});

Deno.test("read exits 1 with the next step when no governor runs", async () => {
  await using dir = await tempDir();
  const r = await runCli(["read", "--socket", dir.join("none.sock")]);
  assertEquals(r.code, 1);
  assert(r.stderr.includes("no governor is running"), r.stderr);
});

const canSwitchUser = Deno.uid() === 0 &&
  (await Deno.stat("/usr/bin/setpriv").then(() => true, () => false));

Deno.test({
  name: "governor socket refuses an unprivileged user outside its group and serves one inside it",
  ignore: !canSwitchUser,
  async fn() {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755); // let the unprivileged user reach the socket's directory
    const socketPath = dir.join("g.sock");
    await using gov = await startGovernorProcess(socketPath, ["--rapl-mode=sim", "--group", GROUP]);
    // the client and the Deno binary, copied where the unprivileged user can read them (the
    // repository may sit in a directory only root can enter)
    const workspace = await nobodyWorkspace(dir.path, ["lib/energy/governor_client.ts"]);
    const script = dir.join("client.ts");
    await Deno.writeTextFile(
      script,
      `import { GovernorClient } from ${
        JSON.stringify(workspace.moduleUrl("lib/energy/governor_client.ts"))
      };
const c = new GovernorClient({ socketPath: Deno.args[0] });
console.log(await c.read().then((r) => "ok " + r.hostTotalUj, (e) => e.name + " " + e.reason));
c.close();\n`,
    );
    await Deno.chmod(script, 0o644);
    const denoDir = workspace.denoDir;
    const asNobody = async (groups: string[]) => {
      const out = await new Deno.Command("/usr/bin/setpriv", {
        args: [
          "--reuid=nobody",
          "--regid=nogroup",
          ...(groups.length ? [`--groups=${groups.join(",")}`] : ["--clear-groups"]),
          workspace.denoPath,
          "run",
          "-A",
          "--no-config",
          "--quiet",
          script,
          socketPath,
        ],
        env: { HOME: dir.path, DENO_DIR: denoDir, NO_COLOR: "1" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      return new TextDecoder().decode(out.stdout).trim() + new TextDecoder().decode(out.stderr);
    };
    assertEquals(await asNobody([]), "GovernorUnavailableError permission_denied");
    assert((await asNobody([GROUP])).startsWith("ok "), "a member of the group reads totals");
    assertEquals(await gov.stop(), 0);
  },
});

const FAIL_AFTER_START = `import { runGovernor } from "${new URL(
  "../../governor/daemon.ts",
  import.meta.url,
)}";
import { openConfiguredSource } from "${new URL("../../governor/command.ts", import.meta.url)}";
import { loadConfig } from "${new URL("../../lib/config/load.ts", import.meta.url)}";
const [socketPath, fault] = Deno.args;
const config = await loadConfig({
  env: { CARBON_OPS_CONFIG: "" },
  flags: { governor: { raplMode: "sim", socketPath, socketGroup: "daemon" } },
});
const enc = new TextEncoder();
const code = await runGovernor({
  config,
  openSource: openConfiguredSource,
  log: { write: (text) => void Deno.stderr.writeSync(enc.encode(text)) },
  onReady: () => {
    Deno.stdout.writeSync(enc.encode("ready " + Deno.statSync(socketPath).isSocket + "\\n"));
    if (fault === "rejection") void Promise.reject(new Error("boom: rejected in a server loop"));
    if (fault === "exception") setTimeout(() => { throw new Error("boom: thrown in a timer"); }, 0);
    if (fault === "onready") throw new Error("boom: thrown by onReady");
  },
});
Deno.exit(code);
`;

for (const fault of ["rejection", "exception", "onready"]) {
  Deno.test(`governor process that fails after start (${fault}) exits 1 and removes its socket`, async () => {
    await using dir = await tempDir();
    const socketPath = dir.join("g.sock");
    const script = dir.join("fail_after_start.ts");
    await Deno.writeTextFile(script, FAIL_AFTER_START);
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--config", config, script, socketPath, fault],
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const kill = setTimeout(() => child.kill("SIGKILL"), 30_000); // bound: never hang the suite
    const out = await child.output();
    clearTimeout(kill);
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(new TextDecoder().decode(out.stdout), "ready true\n", stderr);
    assertEquals(out.code, 1, stderr);
    assert(/fatal: .*boom/.test(stderr), stderr);
    assert(stderr.includes(`socket ${socketPath} removed`), stderr);
    await assertGone(socketPath);
  });
}
