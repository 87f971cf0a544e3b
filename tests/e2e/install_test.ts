/**
 * `deno task install` (scripts/install.ts): the installed `carbon-ops` runs like `deno run
 * main.ts`, on its own pinned Deno, without the checkout, without deno on PATH, as nobody, and on
 * a read-only file system with an unwritable HOME and no DENO_DIR (the systemd unit's
 * ProtectSystem=strict and ProtectHome=yes); reinstalls replace it only once the new copy works;
 * uninstall removes exactly what was installed.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import {
  CAN_CONFINE,
  CONFINE_IGNORED_REASON,
  confinedCommand,
  installCarbonOps,
  pinnedDeno,
  runInstaller,
  sharedInstall,
} from "../_kit/installed_command.ts";
import { CAN_MOUNT_TMPFS, TMPFS_IGNORED_REASON } from "../_kit/small_tmpfs.ts";
import { VERSION } from "../../lib/base/version.ts";

const dec = new TextDecoder();
const ESTIMATE = ["estimate", "--energy-wh", "500", "--region", "FR", "--json"];

async function runCommand(
  cmd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args: [...args],
    cwd: options.cwd ?? "/",
    clearEnv: true,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: "/tmp",
      NO_COLOR: "1",
      CARBON_OPS_CONFIG: "",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** What `deno run main.ts ESTIMATE` prints, the reference for the installed command. */
async function referenceEstimate(): Promise<string> {
  const r = await runCli(ESTIMATE);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/**
 * A copy of what the installer needs from a checkout (no .git, no tests), with the
 * pinned Deno hard-linked: a checkout that can be moved or deleted.
 */
async function checkoutCopy(dir: string): Promise<string> {
  const root = `${dir}/checkout`;
  await Deno.mkdir(`${root}/node_modules/deno`, { recursive: true });
  await Deno.mkdir(`${root}/scripts`);
  const cp = await new Deno.Command("cp", {
    args: [
      "-r",
      "main.ts",
      "deno.json",
      "package.json",
      "lib",
      "governor",
      "demo",
      "schemas",
      "docs",
      root,
    ],
    cwd: REPO_ROOT,
  }).output();
  assert.ok(cp.success, dec.decode(cp.stderr));
  for (const f of ["install.ts", "install_files.ts"]) {
    await Deno.copyFile(`${REPO_ROOT}scripts/${f}`, `${root}/scripts/${f}`);
  }
  const npm = await new Deno.Command("cp", {
    args: ["-r", `${REPO_ROOT}node_modules/jsonc-parser`, `${root}/node_modules/`],
  }).output();
  assert.ok(npm.success, dec.decode(npm.stderr));
  await Deno.link(pinnedDeno(), `${root}/node_modules/deno/deno`).catch(() =>
    Deno.copyFile(pinnedDeno(), `${root}/node_modules/deno/deno`)
  );
  return root;
}

/** Every path under `dir` with its kind, sorted. */
async function tree(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${dir}${rel}`)) {
    const path = `${rel}/${e.name}`;
    out.push(`${e.isDirectory ? "d" : e.isSymlink ? "l" : "f"} ${path}`);
    if (e.isDirectory) out.push(...await tree(dir, path));
  }
  return out.sort();
}

Deno.test("installed carbon-ops prints what deno run main.ts prints, with no deno on PATH, from any directory", async () => {
  const bin = await sharedInstall();
  const noDeno = await runCommand("sh", ["-c", "command -v deno"]);
  assert.notEqual(noDeno.code, 0, `PATH=/usr/bin:/bin must hold no deno: ${noDeno.stdout}`);
  // A user's project directory whose own config Deno would otherwise read.
  await using project = await tempDir();
  await Deno.writeTextFile(project.join("deno.json"), "{ not json");
  await Deno.writeTextFile(project.join("package.json"), "{ not json");
  const version = await runCommand(`${bin}/carbon-ops`, ["--version"], { cwd: project.path });
  assert.deepEqual(version, { code: 0, stdout: `carbon-ops ${VERSION}\n`, stderr: "" });
  const viaPath = await runCommand("carbon-ops", ESTIMATE, {
    cwd: project.path,
    env: { PATH: `${bin}:/usr/bin:/bin` },
  });
  assert.equal(viaPath.code, 0, viaPath.stderr);
  assert.equal(viaPath.stdout, await referenceEstimate());
});

Deno.test("installed carbon-ops runs on its own pinned Deno, not on a deno that comes first on PATH", async () => {
  const bin = await sharedInstall();
  await using dir = await tempDir();
  await Deno.mkdir(dir.join("fake"));
  await Deno.writeTextFile(
    dir.join("fake", "deno"),
    `#!/bin/sh\necho "fake deno ran: $*" >> '${dir.join("fake-ran")}'\nexit 97\n`,
    { mode: 0o755 },
  );
  const r = await runCommand(`${bin}/carbon-ops`, ESTIMATE, {
    env: { PATH: `${dir.join("fake")}:/usr/bin:/bin` },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await referenceEstimate());
  await assert.rejects(Deno.stat(dir.join("fake-ran")), Deno.errors.NotFound);
  // The script execs the Deno installed beside the program, which is the checkout's pinned one.
  const script = await Deno.readTextFile(`${bin}/carbon-ops`);
  const deno = /^exec '?([^' ]+\/deno)'? run /m.exec(script)?.[1] ?? "";
  assert.ok(deno.endsWith(`/lib/carbon-ops/${VERSION}/deno`), script);
  const [installed, pinned] = await Promise.all([
    runCommand(deno, ["--version"]),
    runCommand(pinnedDeno(), ["--version"]),
  ]);
  assert.equal(installed.stdout, pinned.stdout);
  // The installed configuration keeps the checkout's run settings (lazy dynamic imports: a
  // command loads its modules when it runs).
  const checkout = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`));
  const copy = JSON.parse(await Deno.readTextFile(deno.replace(/\/deno$/, "/deno.json")));
  assert.deepEqual(copy.unstable, checkout.unstable);
  assert.ok(copy.unstable.includes("lazy-dynamic-imports"));
});

Deno.test("installed carbon-ops keeps working after the checkout it was installed from is deleted", async () => {
  await using dir = await tempDir();
  const root = await checkoutCopy(dir.path);
  const prefix = dir.join("prefix");
  const bin = await installCarbonOps(prefix, { root });
  await Deno.remove(root, { recursive: true });
  const r = await runCommand(`${bin}/carbon-ops`, ESTIMATE);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await referenceEstimate());
  for (const line of await tree(prefix)) {
    if (!line.startsWith("f ") || line.endsWith("/deno")) continue;
    const text = await Deno.readTextFile(prefix + line.slice(2));
    assert.ok(!text.includes(root), `${line} refers to the deleted checkout ${root}`);
  }
});

Deno.test("a reinstall replaces the earlier install, and a failed one leaves it working and no debris", async () => {
  await using dir = await tempDir();
  const root = await checkoutCopy(dir.path);
  const prefix = dir.join("prefix");
  const command = `${prefix}/bin/carbon-ops`;
  await installCarbonOps(prefix, { root });
  // Same version again: replaced in place.
  const again = await runInstaller(["--prefix", prefix], { root });
  assert.equal(again.code, 0, again.output);
  assert.match(again.output, new RegExp(`replacing ${VERSION.replaceAll(".", "\\.")}`));
  // A new version: the old program directory goes, the script points at the new one.
  const next = "9.9.9";
  const cfg = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  await Deno.writeTextFile(`${root}/deno.json`, JSON.stringify({ ...cfg, version: next }));
  const versionTs = `${root}/lib/base/version.ts`;
  await Deno.writeTextFile(
    versionTs,
    (await Deno.readTextFile(versionTs)).replace(
      `export const VERSION = "${VERSION}"`,
      `export const VERSION = "${next}"`,
    ),
  );
  const upgrade = await runInstaller(["--prefix", prefix], { root });
  assert.equal(upgrade.code, 0, upgrade.output);
  assert.equal((await runCommand(command, ["--version"])).stdout, `carbon-ops ${next}\n`);
  const libEntries = async () =>
    (await tree(`${prefix}/lib/carbon-ops`)).filter((l) => l.split("/").length === 2);
  assert.deepEqual(await libEntries(), [`d /${next}`, "f /install.json"]);
  // A broken checkout (an npm package missing): the install fails before touching anything.
  const scriptBefore = await Deno.readTextFile(command);
  await Deno.remove(`${root}/node_modules/jsonc-parser`, { recursive: true });
  const broken = await runInstaller(["--prefix", prefix], { root });
  assert.equal(broken.code, 1, broken.output);
  assert.match(broken.output, /jsonc-parser/);
  assert.match(broken.output, /npm ci/);
  assert.equal(await Deno.readTextFile(command), scriptBefore);
  assert.deepEqual(await libEntries(), [`d /${next}`, "f /install.json"]);
  assert.equal((await runCommand(command, ["--version"])).stdout, `carbon-ops ${next}\n`);
});

Deno.test("uninstall removes exactly what the install added and nothing it did not write", async () => {
  await using dir = await tempDir();
  const prefix = dir.join("prefix");
  await Deno.mkdir(`${prefix}/bin`, { recursive: true });
  await Deno.mkdir(`${prefix}/share/doc`, { recursive: true });
  await Deno.writeTextFile(`${prefix}/bin/other-tool`, "#!/bin/sh\n", { mode: 0o755 });
  const before = await tree(prefix);
  await installCarbonOps(prefix);
  assert.notDeepEqual(await tree(prefix), before);
  // the documentation the systemd unit's Documentation= names
  assert.ok((await Deno.stat(`${prefix}/share/doc/carbon-ops/deployment.md`)).isFile);
  const removed = await runInstaller(["--prefix", prefix, "--uninstall"]);
  assert.equal(removed.code, 0, removed.output);
  assert.match(removed.output, new RegExp(`Removed carbon-ops ${VERSION.replaceAll(".", "\\.")}`));
  assert.deepEqual(await tree(prefix), before);
  const nothing = await runInstaller(["--prefix", prefix, "--uninstall"]);
  assert.equal(nothing.code, 0, nothing.output);
  assert.match(nothing.output, /not installed in .*: nothing to remove/);
  // A carbon-ops this installer did not write is neither replaced nor removed.
  await Deno.writeTextFile(`${prefix}/bin/carbon-ops`, "#!/bin/sh\necho mine\n", { mode: 0o755 });
  for (const args of [["--prefix", prefix], ["--prefix", prefix, "--uninstall"]]) {
    const r = await runInstaller(args);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /was not written by this installer/);
    assert.equal(await Deno.readTextFile(`${prefix}/bin/carbon-ops`), "#!/bin/sh\necho mine\n");
  }
});

Deno.test("installer: PREFIX from the environment, --prefix over it, --help, usage errors and a PATH note", async () => {
  await using dir = await tempDir();
  const help = await runInstaller(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.output, /^Usage: deno task install \[--prefix DIR\] \[--uninstall\]/);
  const bad = await runInstaller(["--prefx", "x"]);
  assert.equal(bad.code, 2, bad.output);
  assert.match(bad.output, /prefx/);
  // PREFIX from the environment; its bin is not on PATH, so the note says what to add.
  const env = await runInstaller([], {
    env: { PREFIX: dir.join("from-env"), PATH: "/usr/bin:/bin" },
  });
  assert.equal(env.code, 0, env.output);
  assert.match(env.output, new RegExp(`\\$ carbon-ops --version\\ncarbon-ops ${VERSION}\\n`));
  assert.ok(
    env.output.includes(`note: ${dir.join("from-env", "bin")} is not on PATH; add it`) &&
      env.output.includes(`export PATH="${dir.join("from-env", "bin")}:$PATH"`),
    env.output,
  );
  // --prefix wins over PREFIX; with its bin on PATH there is no note. Default HOME/.local.
  const home = dir.join("home");
  await Deno.mkdir(home);
  const flag = await runInstaller(["--prefix", dir.join("flag")], {
    env: { PREFIX: dir.join("ignored"), PATH: `${dir.join("flag", "bin")}:/usr/bin:/bin` },
  });
  assert.equal(flag.code, 0, flag.output);
  assert.doesNotMatch(flag.output, /note:/);
  await assert.rejects(Deno.stat(dir.join("ignored")), Deno.errors.NotFound);
  const byDefault = await runInstaller([], { env: { HOME: home } });
  assert.equal(byDefault.code, 0, byDefault.output);
  assert.equal(
    (await runCommand(`${home}/.local/bin/carbon-ops`, ["--version"])).stdout,
    `carbon-ops ${VERSION}\n`,
  );
});

Deno.test({
  name: `installer says what to do when the prefix is not writable${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const ro = dir.join("ro");
    await Deno.mkdir(ro);
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", ro],
    }).output();
    assert.ok(mount.success, dec.decode(mount.stderr));
    try {
      const r = await runInstaller(["--prefix", ro]);
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.output,
        /cannot write .*: read-only file system; install for yourself with PREFIX=~\/\.local/,
      );
      assert.deepEqual(await tree(ro), []);
    } finally {
      await new Deno.Command("umount", { args: [ro] }).output();
    }
  },
});

Deno.test({
  name: "installed carbon-ops runs as root and as nobody on a read-only file system with a " +
    `read-only HOME and no DENO_DIR, installed under umask 077${CONFINE_IGNORED_REASON}`,
  ignore: !CAN_CONFINE,
  async fn() {
    await using dir = await tempDir();
    await Deno.chmod(dir.path, 0o755);
    const prefix = dir.join("prefix");
    const install = await runInstaller(["--prefix", prefix], { umask: "077" });
    assert.equal(install.code, 0, install.output);
    // World-readable whatever the umask: 0644 files, 0755 directories, script and binary.
    for (const line of await tree(prefix)) {
      const path = prefix + line.slice(2);
      const mode = (await Deno.stat(path)).mode! & 0o777;
      const want = line.startsWith("d ") || path.endsWith("/carbon-ops") || path.endsWith("/deno")
        ? 0o755
        : 0o644;
      assert.equal(mode.toString(8), want.toString(8), path);
    }
    const reference = await referenceEstimate();
    for (const asNobody of [false, true]) {
      const who = asNobody ? "nobody" : "root";
      const version = await confinedCommand([`${prefix}/bin/carbon-ops`, "--version"], {
        asNobody,
      }).output();
      assert.equal(dec.decode(version.stdout), `carbon-ops ${VERSION}\n`, who);
      assert.equal(version.code, 0, who);
      const estimate = await confinedCommand([`${prefix}/bin/carbon-ops`, ...ESTIMATE], {
        asNobody,
      }).output();
      assert.equal(dec.decode(estimate.stdout), reference, who);
      assert.equal(estimate.code, 0, who);
    }
    // The confinement is real: nothing can be written there, not even by root.
    const probe = await confinedCommand(["sh", "-c", `touch ${prefix}/x || touch /root/x`])
      .output();
    assert.notEqual(probe.code, 0);
    assert.match(dec.decode(probe.stdout), /Read-only file system/);
  },
});

Deno.test({
  name: "installed governor serves totals when run as the systemd unit runs it: read-only file " +
    `system, read-only HOME, no DENO_DIR, only the socket directory writable${CONFINE_IGNORED_REASON}`,
  ignore: !CAN_CONFINE,
  async fn() {
    const bin = await sharedInstall();
    await using dir = await tempDir();
    const runDir = dir.join("run");
    await Deno.mkdir(runDir);
    const socket = `${runDir}/carbon-ops.sock`;
    const governor = confinedCommand([
      `${bin}/carbon-ops`,
      "governor",
      "--rapl-mode=sim",
      "--socket",
      socket,
      "--group",
      "root",
    ], { writableDirs: [runDir] }).spawn();
    const output: string[] = [];
    const reader = governor.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      // Ready once it prints its socket line (it listens before it says so).
      while (!output.join("").includes(`socket: ${socket}`)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`governor ended before listening:\n${output.join("")}`);
        output.push(value);
      }
      const read = await runCommand(`${bin}/carbon-ops`, ["read", "--json", "--socket", socket]);
      assert.equal(read.code, 0, read.stderr);
      assert.equal(JSON.parse(read.stdout).source, "sim");
    } finally {
      governor.kill("SIGTERM");
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        output.push(value);
      }
      const status = await governor.status;
      await governor.stderr.cancel();
      assert.equal(status.code, 0, output.join(""));
    }
    assert.match(output.join(""), /socket .* removed/);
  },
});
