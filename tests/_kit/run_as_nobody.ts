/**
 * Runs a Deno script as the unprivileged user nobody (uid/gid 65534, no supplementary groups)
 * through `setpriv`, for tests that need a real EACCES from files only root may read.
 */

/**
 * Runs `deno run -A --quiet <script>` as nobody with `DENO_DIR=denoDir` and `NO_COLOR=1`, and
 * returns its captured output. The script and `denoDir` must be reachable by nobody.
 */
export function runDenoScriptAsNobody(
  script: string,
  denoDir: string,
): Promise<Deno.CommandOutput> {
  return new Deno.Command("setpriv", {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      script,
    ],
    env: { DENO_DIR: denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}
