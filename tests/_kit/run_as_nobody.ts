/**
 * Runs a Deno script as the unprivileged user nobody (uid/gid 65534, no supplementary groups)
 * through `setpriv`, for tests that need a real EACCES from files only root may read.
 *
 * nobody must be able to read everything it runs, wherever the checkout lives: a fresh clone in a
 * private directory (mode 0700, as `mktemp -d` and most home directories are) is not readable by
 * nobody. So the project's modules the script imports and the Deno binary are first placed in a
 * world-readable workspace: modules are copied (with their local imports, found by
 * `deno info`), the binary is hard-linked when it can be and copied otherwise.
 */

import { REPO_ROOT } from "./run_cli.ts";

/** A directory nobody can read, holding a Deno binary, a DENO_DIR and copies of our modules. */
export interface NobodyWorkspace {
  /** The Deno binary nobody runs. */
  readonly denoPath: string;
  /** A DENO_DIR nobody may write. */
  readonly denoDir: string;
  /** The file URL of the copy of repo-relative `module` (as passed to `nobodyWorkspace`). */
  moduleUrl(module: string): string;
}

async function localDependencies(module: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", module],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno info ${module}: ${new TextDecoder().decode(out.stderr)}`);
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const prefix = new URL(REPO_ROOT, "file:///").href;
  return info.modules.map((m) => m.specifier).filter((s) => s.startsWith(prefix))
    .map((s) => decodeURIComponent(s.slice(prefix.length)));
}

async function makeReadableDir(path: string): Promise<void> {
  await Deno.mkdir(path, { recursive: true });
  await Deno.chmod(path, 0o755);
}

/**
 * Builds a workspace for nobody in `dir` (which must itself be reachable by nobody, e.g. a temp
 * dir made 0755): copies each repo-relative module in `modules` with its local imports, and
 * links or copies the running Deno binary.
 */
export async function nobodyWorkspace(
  dir: string,
  modules: readonly string[],
): Promise<NobodyWorkspace> {
  await Deno.chmod(dir, 0o755);
  const src = `${dir}/nobody-src`;
  for (const module of modules) {
    for (const rel of await localDependencies(module)) {
      const target = `${src}/${rel}`;
      const parts = rel.split("/").slice(0, -1);
      for (let i = 0; i <= parts.length; i++) {
        await makeReadableDir([src, ...parts.slice(0, i)].join("/"));
      }
      await Deno.copyFile(REPO_ROOT + rel, target);
      await Deno.chmod(target, 0o644);
    }
  }
  const bin = `${dir}/nobody-bin`;
  await makeReadableDir(bin);
  const denoPath = `${bin}/deno`;
  await Deno.link(Deno.execPath(), denoPath).catch(() => Deno.copyFile(Deno.execPath(), denoPath));
  await Deno.chmod(denoPath, 0o755);
  const denoDir = `${dir}/nobody-deno-dir`;
  await Deno.mkdir(denoDir, { recursive: true });
  await Deno.chmod(denoDir, 0o777);
  return {
    denoPath,
    denoDir,
    moduleUrl: (module) => new URL(`file://${src}/${module}`).href,
  };
}

/**
 * Runs `deno run -A --quiet <script> [scriptArgs...]` as nobody with the workspace's Deno and DENO_DIR and
 * `NO_COLOR=1`, and returns its captured output. The script must be readable by nobody.
 */
export function runDenoScriptAsNobody(
  script: string,
  workspace: NobodyWorkspace,
  scriptArgs: readonly string[] = [],
): Promise<Deno.CommandOutput> {
  return new Deno.Command("setpriv", {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      workspace.denoPath,
      "run",
      "-A",
      "--quiet",
      "--no-config",
      script,
      ...scriptArgs,
    ],
    env: { DENO_DIR: workspace.denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}
