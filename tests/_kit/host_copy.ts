/**
 * A throwaway copy of this machine to deploy into: an overlay of `/` (writes go to a temp
 * directory, the real root is never touched) with fresh `/proc`, `/dev`, `/run` and `/tmp`,
 * entered with chroot. Must run as root inside a private mount and PID namespace (`unshare
 * --mount --pid --fork --propagation private`), so every mount and every process started here
 * ends with that namespace.
 *
 * Also plays systemd's part for one service: reads a unit file and starts its `ExecStart` with the
 * unit's environment, umask, state directories and file-system view (`ProtectSystem=strict`,
 * `ProtectHome`, `PrivateTmp`, `ReadWritePaths`), as systemd.exec(5) describes them.
 */

/** The output of a finished command. */
export interface Ran {
  /** Exit code. */
  code: number;
  /** Standard output and standard error, in that order. */
  output: string;
}

/** Runs a command on the real machine (inside the namespace) and returns its output. */
export async function run(
  cmd: string,
  args: string[],
  options: { stdin?: string } = {},
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

/** Like {@link run}, but throws with the output when the command fails. */
export async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.output}`);
  return r.output;
}

/** A user or group entry of the copy's /etc/passwd or /etc/group. */
export interface Account {
  /** Name. */
  name: string;
  /** Numeric id. */
  id: number;
  /** Home directory (users) or members (groups, comma separated). */
  extra: string;
  /** Primary group id (users only). */
  gid: number;
}

/** The copy of the machine. */
export class HostCopy {
  /** The merged root directory (what chroot enters). */
  readonly root: string;
  private constructor(work: string) {
    this.root = `${work}/root`;
  }

  /**
   * Mounts a tmpfs on `work` (an empty directory; overlayfs refuses an upper layer inside its
   * lower one), the overlay of `/` in it and fresh kernel file systems, then removes what a fresh
   * host would not have (`fresh`) and shows `keep` as it is, read-only.
   */
  static async create(
    work: string,
    options: { fresh: string[]; keep?: string[] },
  ): Promise<HostCopy> {
    const h = new HostCopy(work);
    await Deno.mkdir(work, { recursive: true });
    await must("mount", ["-t", "tmpfs", "-o", "mode=0700", "tmpfs", work]);
    for (const d of ["upper", "overlay-work", "root"]) await Deno.mkdir(`${work}/${d}`);
    await must("mount", [
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=/,upperdir=${work}/upper,workdir=${work}/overlay-work`,
      h.root,
    ]);
    await must("mount", ["-t", "proc", "proc", `${h.root}/proc`]);
    await must("mount", ["--rbind", "/dev", `${h.root}/dev`]);
    await must("mount", ["-t", "tmpfs", "-o", "mode=0755", "tmpfs", `${h.root}/run`]);
    await must("mount", ["-t", "tmpfs", "-o", "mode=1777", "tmpfs", `${h.root}/tmp`]);
    for (const p of options.fresh) {
      await Deno.remove(h.path(p), { recursive: true }).catch(() => {});
    }
    // Directories the copy must show as they are (the checkout, which may live under /tmp),
    // read-only so nothing done in the copy reaches them.
    for (const p of options.keep ?? []) {
      await Deno.mkdir(h.path(p), { recursive: true });
      await must("mount", ["--bind", p, h.path(p)]);
      await must("mount", ["-o", "remount,bind,ro", h.path(p)]);
    }
    return h;
  }

  /** The host-side path of a path inside the copy. */
  path(inside: string): string {
    return `${this.root}${inside}`;
  }

  /** Looks up a user (`passwd`) or group (`group`) of the copy. */
  async account(db: "passwd" | "group", name: string): Promise<Account> {
    const text = await Deno.readTextFile(this.path(`/etc/${db}`));
    for (const line of text.split("\n")) {
      const f = line.split(":");
      if (f[0] !== name) continue;
      return db === "passwd"
        ? { name, id: Number(f[2]), gid: Number(f[3]), extra: f[5] }
        : { name, id: Number(f[2]), gid: Number(f[2]), extra: f[3] };
    }
    throw new Error(`the copy has no ${db === "passwd" ? "user" : "group"} '${name}'`);
  }

  /**
   * Runs `argv` inside the copy with exactly `env`, in `cwd`, as root or (with `user`) as that
   * user with its groups, the way cron and runuser switch users.
   */
  in(
    argv: string[],
    options: { env: Record<string, string>; cwd?: string; user?: string; root?: string },
  ): Deno.Command {
    const env = Object.entries(options.env).map(([k, v]) => `${k}=${v}`);
    const as = options.user === undefined
      ? []
      : ["/usr/bin/setpriv", `--reuid=${options.user}`, `--regid=${options.user}`, "--init-groups"];
    return new Deno.Command("chroot", {
      args: [
        options.root ?? this.root,
        "/usr/bin/env",
        "-i",
        ...env,
        ...as,
        "/bin/sh",
        "-c",
        'cd "$0" && exec "$@"',
        options.cwd ?? "/",
        ...argv,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  }

  /** {@link in}, waited for. */
  async runIn(
    argv: string[],
    options: { env: Record<string, string>; cwd?: string; user?: string },
  ): Promise<Ran> {
    const out = await this.in(argv, options).output();
    const dec = new TextDecoder();
    return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
  }
}

/** The directives of a systemd unit file, each with every value it was given. */
export function parseUnit(text: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) {
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    directives.set(key, [...directives.get(key) ?? [], line.slice(eq + 1)]);
  }
  return directives;
}

/** A service started the way systemd would start it. */
export interface StartedService {
  /** The main process. */
  child: Deno.ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts a unit's `ExecStart` in the copy as systemd.exec(5) would for the directives the
 * carbon-ops unit uses: `User`/`Group`, `Environment`, `UMask`, `StateDirectory` (created under
 * /var/lib, and when it exists chowned recursively to the unit's user and group),
 * `StateDirectoryMode`, `ProtectSystem=strict` (a read-only view of the whole tree except
 * `ReadWritePaths`, the state directories, /dev, /proc and the API file systems), `ProtectHome=yes`
 * (/root, /home and /run/user inaccessible) and `PrivateTmp` (fresh /tmp and /var/tmp).
 * Directives it does not emulate (capabilities, system call filters) are checked by
 * `systemd-analyze` instead.
 */
export async function startUnit(
  host: HostCopy,
  unitText: string,
  view: string,
): Promise<StartedService> {
  const unit = parseUnit(unitText);
  const one = (k: string) => unit.get(k)?.at(-1);
  const user = one("User") ?? "root";
  const group = one("Group") ?? user;
  const uid = (await host.account("passwd", user)).id;
  const gid = (await host.account("group", group)).id;
  const stateDirs = (unit.get("StateDirectory") ?? []).flatMap((v) => v.split(/\s+/)).filter(
    Boolean,
  );
  const stateMode = parseInt(one("StateDirectoryMode") ?? "0755", 8);
  for (const d of stateDirs) {
    const p = host.path(`/var/lib/${d}`);
    await Deno.mkdir(p, { recursive: true });
    await must("chown", ["-R", `${uid}:${gid}`, p]);
    await Deno.chmod(p, stateMode);
  }
  // The service's view of the file system.
  await Deno.mkdir(view, { recursive: true });
  await must("mount", ["--rbind", host.root, view]);
  if (one("ProtectSystem") === "strict") await must("mount", ["-o", "remount,bind,ro", view]);
  if (one("ProtectHome") === "yes") {
    for (const p of ["/root", "/home", "/run/user"]) {
      await Deno.mkdir(host.path(p), { recursive: true });
      await must("mount", ["-t", "tmpfs", "-o", "mode=000,ro", "tmpfs", `${view}${p}`]);
    }
  }
  if (one("PrivateTmp") === "yes") {
    for (const p of ["/tmp", "/var/tmp"]) {
      await must("mount", ["-t", "tmpfs", "-o", "mode=1777", "tmpfs", `${view}${p}`]);
    }
  }
  const writable = [
    ...(unit.get("ReadWritePaths") ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean),
    ...stateDirs.map((d) => `/var/lib/${d}`),
  ];
  for (const p of writable) await must("mount", ["--bind", host.path(p), `${view}${p}`]);

  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  for (const v of unit.get("Environment") ?? []) {
    const eq = v.indexOf("=");
    env[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const exec = (one("ExecStart") ?? "").split(/\s+/).filter(Boolean);
  const umask = one("UMask") ?? "0022";
  const cmd = host.in(["/bin/sh", "-c", `umask ${umask} && exec "$@"`, "sh", ...exec], {
    env,
    user: user === "root" ? undefined : user,
    root: view,
  });
  const child = cmd.spawn();
  let err = "";
  const dec = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) err += dec.decode(chunk, { stream: true });
  })();
  void child.stdout.cancel();
  return { child, stderr: () => err };
}
