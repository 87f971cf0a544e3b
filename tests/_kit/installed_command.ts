/**
 * The `carbon-ops` command as `deno task install` installs it, for tests that run what the docs
 * print: `installCarbonOps(prefix)` runs scripts/install.ts (with the pinned Deno, as the task
 * does) into `prefix` and returns `PREFIX/bin`; `sharedInstall()` does that once per test file in
 * a temporary prefix that is removed when the file's tests end.
 */

import { REPO_ROOT } from "./run_cli.ts";

/** The pinned Deno of a checkout (what `deno task install` runs). */
export function pinnedDeno(root: string = REPO_ROOT): string {
  return `${root.replace(/\/$/, "")}/node_modules/deno/deno`;
}

/** What running scripts/install.ts produced. */
export interface InstallRun {
  /** Exit code. */
  readonly code: number;
  /** stdout and stderr, in that order. */
  readonly output: string;
}

/**
 * Runs `scripts/install.ts ...args` from the checkout `options.root` (default this one) with its
 * pinned Deno, in a clean environment: `PATH`, `HOME` and `options.env`; `options.umask` (e.g.
 * "077") is applied first.
 */
export async function runInstaller(
  args: readonly string[],
  options: { root?: string; env?: Record<string, string>; umask?: string } = {},
): Promise<InstallRun> {
  const root = (options.root ?? REPO_ROOT).replace(/\/$/, "");
  const deno = pinnedDeno(root);
  const script = `${root}/scripts/install.ts`;
  const runArgs = ["run", "--allow-all", "--quiet", script, ...args];
  const out = await new Deno.Command(
    options.umask === undefined ? deno : "sh",
    {
      args: options.umask === undefined
        ? runArgs
        : ["-c", `umask ${options.umask} && exec "$0" "$@"`, deno, ...runArgs],
      cwd: root,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        ...options.env,
      },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000),
    },
  ).output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/**
 * Installs `carbon-ops` into `prefix` with scripts/install.ts and returns `PREFIX/bin` (put it on
 * PATH; the command is `PREFIX/bin/carbon-ops`). Throws with the installer's output when it fails.
 *
 * @param prefix Install prefix (absolute). Make it and its parents world-searchable (0755) if
 *   the command must run as another user.
 * @param options `root`: the checkout to install from (default this one).
 */
export async function installCarbonOps(
  prefix: string,
  options: { root?: string } = {},
): Promise<string> {
  const r = await runInstaller(["--prefix", prefix], { root: options.root });
  if (r.code !== 0) throw new Error(`scripts/install.ts --prefix ${prefix} failed:\n${r.output}`);
  return `${prefix}/bin`;
}

async function succeeds(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

/**
 * Whether `confinedCommand` can run here: root, `unshare --mount`, a read-only bind remount and
 * `setpriv`.
 */
export const CAN_CONFINE: boolean = Deno.uid() === 0 &&
  await succeeds("unshare", ["--mount", "sh", "-c", "mount -o remount,bind,ro / && true"]) &&
  await succeeds("setpriv", ["--version"]);

/** Appended to a test's name when `CAN_CONFINE` is false. */
export const CONFINE_IGNORED_REASON = CAN_CONFINE
  ? ""
  : " (ignored: needs root, unshare --mount and setpriv)";

/** `text` quoted for a POSIX shell. */
function q(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A command that runs `argv` the way the systemd unit runs the governor (ProtectSystem=strict,
 * ProtectHome=yes), in a private mount namespace: the whole file system read-only except
 * `/proc`, `/sys`, `/dev` and `options.writableDirs`, `/root` an empty, read-only, mode-000
 * directory, `HOME=/root`, no DENO_DIR, `PATH=/usr/bin:/bin` (no deno) and `CARBON_OPS_CONFIG`
 * empty; as uid/gid 65534 (nobody) without groups when `options.asNobody`. stderr is merged into
 * stdout; `argv[0]` is exec'd, so signals sent to the child reach it.
 */
export function confinedCommand(
  argv: readonly string[],
  options: {
    asNobody?: boolean;
    writableDirs?: readonly string[];
    cwd?: string;
    stdout?: "piped" | "null";
  } = {},
): Deno.Command {
  const binds = (options.writableDirs ?? []).map((d) => `mount --bind ${q(d)} ${q(d)} && `);
  const user = options.asNobody ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  const script = `set -e; ${binds.join("")}mount -t tmpfs -o ro,mode=000 tmpfs /root && ` +
    `mount -o remount,bind,ro / && ` +
    `exec env -i HOME=/root PATH=/usr/bin:/bin NO_COLOR=1 CARBON_OPS_CONFIG= ${user}"$@" 2>&1`;
  return new Deno.Command("unshare", {
    args: ["--mount", "--propagation", "private", "sh", "-c", script, "sh", ...argv],
    cwd: options.cwd ?? "/",
    stdin: "null",
    stdout: options.stdout ?? "piped",
    stderr: "piped",
  });
}

let shared: Promise<string> | null = null;

/**
 * One install per test file (per module instance): a temporary prefix, world-readable so that
 * tests may run the command as nobody, removed when the file's tests end. Returns `PREFIX/bin`.
 */
export function sharedInstall(): Promise<string> {
  shared ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "carbon-ops-installed-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    await Deno.chmod(dir, 0o755);
    return await installCarbonOps(`${dir}/prefix`);
  })();
  return shared;
}
