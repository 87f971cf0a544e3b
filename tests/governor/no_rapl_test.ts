/**
 * The governor on a machine without RAPL (a VM or cloud guest): `governor.whenNoRapl` "exit"
 * gives exit 3 ("do not restart") with one reason line; "wait" logs the same line once, serves
 * nothing and waits for SIGTERM (exit 0), so a Kubernetes pod stays NotReady instead of
 * crash-looping. Failures that can be fixed (permission, I/O) stay exit 1.
 */
import assert from "node:assert/strict";
import { EXIT_NO_RAPL, runGovernor } from "../../governor/daemon.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { EnergySourceError, type EnergySourceFailure } from "../../lib/energy/rapl/errors.ts";
import { MAIN_TS, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const REASON = /no RAPL on this machine: /;

function reasonLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => REASON.test(l));
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** A loopback port nothing listens on (bound, then released). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** utime + stime of a process, in clock ticks. */
async function cpuTicks(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

Deno.test("governor exits 3 with exactly one reason line when the powercap root is empty", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(dir.join("powercap"));
  const r = await runCli([
    "governor",
    "--powercap-root",
    dir.join("powercap"),
    "--socket",
    dir.join("g.sock"),
    "--group",
    "daemon",
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(EXIT_NO_RAPL, 3);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  const [line] = lines;
  assert.match(line, REASON);
  assert.ok(line.includes(dir.join("powercap")), "names what is missing: " + line);
  assert.match(line, /virtual machine or cloud guest/);
  assert.match(line, /`carbon-ops run`.*modelled/);
  assert.match(line, /only on hosts with RAPL/);
  assert.match(line, /code 3 .*do not restart/);
  assert.equal(await exists(dir.join("g.sock")), false, "no socket was created");
});

Deno.test("governor with --when-no-rapl wait logs the reason once, serves nothing and exits 0 on SIGTERM", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(dir.join("powercap"));
  const socketPath = dir.join("g.sock");
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      MAIN_TS,
      "governor",
      "--powercap-root",
      dir.join("powercap"),
      "--socket",
      socketPath,
      "--group",
      "daemon",
      "--metrics-listen",
      `127.0.0.1:${port}`,
      "--when-no-rapl",
      "wait",
    ],
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1", CARBON_OPS_CONFIG: "" },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited: Deno.CommandStatus | null = null;
  const status = child.status.then((s) => exited = s);
  let stderr = "";
  let sawReason: () => void = () => {};
  const reasonSeen = new Promise<void>((resolve) => sawReason = resolve);
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += dec.decode(chunk, { stream: true });
      if (REASON.test(stderr) && stderr.endsWith("\n")) sawReason();
    }
    sawReason(); // the stream ended: the assertions below say why
  })();
  try {
    // readiness: the reason line (or the end of the process), never a fixed sleep
    await reasonSeen;
    assert.equal(exited, null, `still running after the reason line; stderr:\n${stderr}`);
    assert.equal(reasonLines(stderr).length, 1, stderr);
    assert.match(stderr, /waiting without serving anything/);
    assert.equal(await exists(socketPath), false, "no socket");
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port }),
      Deno.errors.ConnectionRefused,
      "no metrics listener (a readiness probe fails: NotReady)",
    );
    // it idles: a busy loop would burn ~100 ticks in this window, a blocked process ~0;
    // SIGHUP (a reload request) does not stop it either
    child.kill("SIGHUP");
    const before = await cpuTicks(child.pid);
    await new Promise((r) => setTimeout(r, 1000));
    const used = (await cpuTicks(child.pid)) - before;
    assert.ok(used <= 20, `used ${used} clock ticks of CPU in 1 s while waiting`);
    assert.equal(exited, null, `still running after SIGHUP; stderr:\n${stderr}`);
    child.kill("SIGTERM");
    assert.equal((await status).code, 0, stderr);
    await reading;
    assert.equal(reasonLines(stderr).length, 1, `the reason once, got:\n${stderr}`);
    assert.equal(await exists(socketPath), false);
  } finally {
    if (exited === null) child.kill("SIGKILL");
    await status;
    await reading;
  }
});

Deno.test("governor refuses a misspelt --when-no-rapl and CARBON_OPS_GOVERNOR_WHEN_NO_RAPL with exit 2 naming the closest value", async () => {
  const flag = await runCli(["governor", "--rapl-mode=sim", "--when-no-rapl", "wiat"]);
  assert.equal(flag.code, 2, flag.stderr);
  assert.match(flag.stderr, /--when-no-rapl: governor\.whenNoRapl: .*did you mean "wait"\?/);
  const env = await runCli(["governor", "--rapl-mode=sim"], {
    env: { CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: "exti" },
  });
  assert.equal(env.code, 2, env.stderr);
  assert.match(env.stderr, /CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: .*did you mean "exit"\?/);
});

Deno.test("governor --help lists --when-no-rapl and exit code 3", async () => {
  const r = await runCli(["governor", "--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--when-no-rapl WHAT/);
  assert.match(r.stdout, /3 no RAPL on this machine/);
});

/** runGovernor with a source that fails for `reason` (as lib/energy/rapl/ reports it). */
async function failingOpen(
  reason: EnergySourceFailure,
  options: { raplMode?: "sysfs" | "msr" | "sim"; whenNoRapl?: "exit" | "wait" } = {},
): Promise<{ code: number; log: string }> {
  const log: string[] = [];
  const stop = new AbortController();
  const code = await runGovernor({
    config: await loadConfig({
      env: { CARBON_OPS_CONFIG: "" },
      flags: {
        governor: {
          raplMode: options.raplMode ?? "sysfs",
          whenNoRapl: options.whenNoRapl ?? "exit",
          socketGroup: "0",
        },
      },
    }),
    openSource: () => {
      throw new EnergySourceError(`failed: ${reason}`, { backend: "any", reason });
    },
    log: {
      write: (text) => {
        log.push(text);
        stop.abort(); // would end a wait at once; a failure returns before waiting anyway
      },
    },
    signal: stop.signal,
    handleSignals: false,
  });
  return { code, log: log.join("") };
}

Deno.test("governor exits 3 only when RAPL is absent, and 1 for failures that can be fixed, in either mode", async () => {
  for (const whenNoRapl of ["exit", "wait"] as const) {
    for (const reason of ["permission", "io"] as const) {
      const r = await failingOpen(reason, { whenNoRapl });
      assert.equal(r.code, 1, `${reason} (${whenNoRapl}): ${r.log}`);
      assert.doesNotMatch(r.log, REASON);
      assert.match(r.log, /cannot open the sysfs energy source/);
    }
  }
  assert.equal((await failingOpen("invalid-option")).code, 2);
  for (const reason of ["not-found", "unsupported"] as const) {
    const r = await failingOpen(reason);
    assert.equal(r.code, 3, `${reason}: ${r.log}`);
    assert.equal(reasonLines(r.log).length, 1, r.log);
  }
  // a simulated source that cannot find its profile input is not "no RAPL here"
  const sim = await failingOpen("not-found", { raplMode: "sim" });
  assert.equal(sim.code, 1, sim.log);
  assert.doesNotMatch(sim.log, REASON);
});

Deno.test("governor waiting for lack of RAPL returns 0 when its abort signal fires", async () => {
  const r = await failingOpen("not-found", { whenNoRapl: "wait" });
  assert.equal(r.code, 0, r.log);
  assert.equal(reasonLines(r.log).length, 1, r.log);
  assert.match(r.log, /stopped; nothing was served/);
});
