/** Path of main.ts, for running the CLI as a real subprocess. */
export const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;
/** Root of the repository. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** What a CLI run produced. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run -A main.ts ...args` as a subprocess and captures its output and exit code.
 * `options.env` is added to a clean environment that keeps PATH and HOME only (so the host's
 * CARBON_OPS_* never leak into tests); `CARBON_OPS_CONFIG` defaults to a path that does not exist
 * so `/etc/carbon-ops/config.jsonc` on the machine is never read.
 */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache/deno`,
    NO_COLOR: "1",
    CARBON_OPS_CONFIG: "",
    ...options.env,
  };
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN_TS, ...args],
    env,
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  });
  const child = cmd.spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
