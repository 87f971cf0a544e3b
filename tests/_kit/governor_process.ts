import { MAIN_TS } from "./run_cli.ts";

/** A governor running as a real subprocess (`deno run main.ts governor ...`). */
export interface GovernorProcess extends AsyncDisposable {
  /** The child process. */
  readonly child: Deno.ChildProcess;
  /** Its pid. */
  readonly pid: number;
  /** Socket path. */
  readonly socketPath: string;
  /** Stderr so far (start-up lines, warnings). */
  stderr(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Resident set size from /proc/<pid>/status, bytes. */
  rssBytes(): Promise<number>;
  /** utime + stime from /proc/<pid>/stat, clock ticks. */
  cpuTicks(): Promise<number>;
}

/**
 * Starts `carbon-ops governor --socket <socketPath> ...args` and waits until the socket accepts
 * connections (or the process exits, which throws with its stderr).
 */
export async function startGovernorProcess(
  socketPath: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    nice?: number;
    /** A command that execs the rest, e.g. `["prlimit", "--nofile=1024", "--"]`. */
    prefix?: string[];
  } = {},
): Promise<GovernorProcess> {
  const denoArgs = ["run", "-A", "--quiet", MAIN_TS, "governor", "--socket", socketPath, ...args];
  // `nice` execs the command, so the child's pid stays the daemon's (as with systemd's Nice=)
  const [cmd0, cmdArgs0] = options.nice === undefined
    ? [Deno.execPath(), denoArgs]
    : ["nice", ["-n", String(options.nice), Deno.execPath(), ...denoArgs]];
  const [cmd, cmdArgs] = options.prefix?.length
    ? [options.prefix[0], [...options.prefix.slice(1), cmd0, ...cmdArgs0]]
    : [cmd0, cmdArgs0];
  const child = new Deno.Command(cmd, {
    args: cmdArgs,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      CARBON_OPS_CONFIG: "",
      ...options.env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let err = "";
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of child.stderr) err += dec.decode(chunk, { stream: true });
  })();
  const status = child.status;
  let exited: Deno.CommandStatus | null = null;
  status.then((s) => exited = s);
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (exited) {
      await reading;
      throw new Error(`governor exited with ${(exited as Deno.CommandStatus).code}: ${err}`);
    }
    try {
      const c = await Deno.connect({ transport: "unix", path: socketPath });
      c.close();
      if (err.includes("signals:")) break; // start-up lines written: fully started
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`governor did not start within the timeout: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const proc: GovernorProcess = {
    child,
    pid: child.pid,
    socketPath,
    stderr: () => err,
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) child.kill(signal);
      const s = await status;
      await reading;
      return s.code;
    },
    async rssBytes() {
      const text = await Deno.readTextFile(`/proc/${child.pid}/status`);
      return Number(/VmRSS:\s+(\d+) kB/.exec(text)?.[1] ?? NaN) * 1024;
    },
    async cpuTicks() {
      const text = await Deno.readTextFile(`/proc/${child.pid}/stat`);
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11]) + Number(fields[12]); // utime, stime
    },
    async [Symbol.asyncDispose]() {
      if (!exited) {
        child.kill("SIGKILL");
        await status;
      }
      await reading.catch(() => {});
    },
  };
  return proc;
}
