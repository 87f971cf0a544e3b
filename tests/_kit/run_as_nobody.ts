/**
 * Runs a Deno script as the unprivileged user nobody (uid/gid 65534, no supplementary groups)
 * through `setpriv`, for tests that need a real EACCES from files only root may read.
 *
 * nobody must be able to read everything it runs, wherever the checkout lives: a fresh clone in a
 * private directory (mode 0700, as `mktemp -d` and most home directories are) is not readable by
 * nobody. So the project's modules the script imports and the Deno binary are first placed in a
 * world-readable workspace: modules are copied (with their local imports, found by
 * `deno info`, and any npm package they use, whole, with deno.json), the binary is hard-linked
 * when it can be and copied otherwise.
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
  /** Deno flags for the copy: `--config` of its deno.json when npm packages were copied. */
  readonly configArgs: readonly string[];
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
  const deps: string[] = [];
  for (const { specifier } of info.modules) {
    // npm packages (node_modules may be a link to another checkout's): as node_modules/<pkg>/...
    const npm = /\/node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(specifier);
    if (npm) deps.push(`node_modules/${decodeURIComponent(npm[1])}`);
    else if (specifier.startsWith(prefix)) {
      deps.push(decodeURIComponent(specifier.slice(prefix.length)));
    }
  }
  return deps;
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
  const npmPackages = new Set<string>();
  const copy = async (rel: string) => {
    const parts = rel.split("/").slice(0, -1);
    for (let i = 0; i <= parts.length; i++) {
      await makeReadableDir([src, ...parts.slice(0, i)].join("/"));
    }
    await Deno.copyFile(REPO_ROOT + rel, `${src}/${rel}`);
    await Deno.chmod(`${src}/${rel}`, 0o644);
  };
  for (const module of modules) {
    for (const rel of await localDependencies(module)) {
      // An npm package is copied whole (its entry point requires files deno info does not list).
      const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(rel);
      if (pkg) npmPackages.add(pkg[1]);
      else await copy(rel);
    }
  }
  const copyTree = async (rel: string): Promise<void> => {
    for await (const entry of Deno.readDir(REPO_ROOT + rel)) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory) await copyTree(child);
      else if (entry.isFile) await copy(child);
    }
  };
  for (const pkg of npmPackages) await copyTree(`node_modules/${pkg}`);
  if (npmPackages.size > 0) {
    await copy("deno.json");
    await copy("package.json");
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
    configArgs: npmPackages.size > 0 ? ["--config", `${src}/deno.json`] : ["--no-config"],
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
      ...workspace.configArgs,
      script,
      ...scriptArgs,
    ],
    env: { DENO_DIR: workspace.denoDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}
