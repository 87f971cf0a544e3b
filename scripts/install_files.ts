/**
 * What `deno task install` does: installs a self-contained copy of the `carbon-ops` command from
 * a checkout into a prefix, and removes it again.
 *
 * Layout (`PREFIX` defaults to `~/.local`):
 *
 * ```text
 * PREFIX/bin/carbon-ops                   a sh script: exec the copy's Deno on the copy's main.ts
 * PREFIX/lib/carbon-ops/install.json      what was installed (read by --uninstall and reinstalls)
 * PREFIX/lib/carbon-ops/VERSION/deno      the pinned Deno (a hard link when safe, else a copy)
 * PREFIX/lib/carbon-ops/VERSION/deno.json name, version, the npm imports main.ts uses, nodeModulesDir
 * PREFIX/lib/carbon-ops/VERSION/...       main.ts and every local module and data file it loads
 *                                         (the module graph, plus modules it loads by URL, e.g.
 *                                         workers), and node_modules/ with the npm packages it needs
 * PREFIX/lib/carbon-ops/VERSION/docs/     docs/*.md
 * PREFIX/share/doc/carbon-ops             a symlink to that docs/ (the unit's Documentation=)
 * ```
 *
 * The copy needs nothing from the checkout, nothing writable and no network at run time: Deno
 * reads npm packages from the copy's node_modules (`nodeModulesDir: "manual"`), and when it cannot
 * create its cache directory (DENO_DIR, by default `$HOME/.cache/deno`; a read-only file system,
 * an unwritable or missing HOME) it keeps its caches in memory. The script passes `--no-remote
 * --cached-only --no-lock` and sets `DENO_NO_UPDATE_CHECK=1` (otherwise Deno looks up
 * dl.deno.land when stderr is a terminal). Every file is world-readable (0644, 0755 for the
 * script, the binary and directories) whatever the umask.
 *
 * A reinstall builds the new copy beside the old one (`.staging-*`), runs it once, and only then
 * renames it into place and replaces the script with a rename, so a failed install leaves the
 * earlier one working.
 *
 * @module
 */

import { shellQuote } from "../lib/base/shell_quote.ts";
import { dirname, resolve } from "node:path";
import { replaceFileAtomic, syncDir } from "../lib/base/durable_file.ts";
import { permissionDeniedDetails } from "../lib/base/permission_denied.ts";
import { SHIPPED_V8_FLAGS } from "../lib/cli/v8_flags.ts";

/** The line in the installed script that marks it as ours (checked before replacing or removing). */
const MARKER = "# carbon-ops command installed by scripts/install.ts";
/** Name of the install record under `PREFIX/lib/carbon-ops`. */
const RECORD = "install.json";

/** The checkout this module belongs to (no trailing slash). */
export const CHECKOUT_ROOT: string = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The install prefix: `flag` (`--prefix`), else `env.PREFIX`, else `$HOME/.local`; a leading `~/`
 * is `$HOME/`, and a relative path is taken from `env.INIT_CWD` (where `deno task` was run) or
 * `cwd`. An empty value counts as unset.
 *
 * @param flag The `--prefix` value, if any.
 * @param options `env` (default `Deno.env.toObject()`), `cwd` (default `Deno.cwd()`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePrefix } from "./install_files.ts";
 * assert.equal(resolvePrefix(undefined, { env: { HOME: "/home/ada" }, cwd: "/" }), "/home/ada/.local");
 * assert.equal(resolvePrefix(undefined, { env: { PREFIX: "/usr/local/" }, cwd: "/" }), "/usr/local");
 * assert.equal(resolvePrefix("~/opt", { env: { HOME: "/home/ada" }, cwd: "/" }), "/home/ada/opt");
 * assert.equal(resolvePrefix("p", { env: { INIT_CWD: "/src" }, cwd: "/src/carbon-ops" }), "/src/p");
 * ```
 */
export function resolvePrefix(
  flag: string | undefined,
  options: { env?: Record<string, string>; cwd?: string } = {},
): string {
  const env = options.env ?? Deno.env.toObject();
  const home = env.HOME ?? "";
  let prefix = flag || env.PREFIX || "";
  if (prefix === "") {
    if (home === "") {
      throw new Error(
        "cannot choose an install prefix: PREFIX is not set and neither is HOME; set PREFIX " +
          "(e.g. PREFIX=/usr/local as root) or pass --prefix DIR",
      );
    }
    prefix = `${home}/.local`;
  }
  if (prefix === "~" || prefix.startsWith("~/")) {
    if (home === "") throw new Error(`cannot expand '~' in ${prefix}: HOME is not set`);
    prefix = home + prefix.slice(1);
  }
  return resolve(env.INIT_CWD || options.cwd || Deno.cwd(), prefix);
}

/**
 * The installed `carbon-ops` script: runs `programDir/main.ts` on `programDir/deno` with the
 * copy's deno.json, all permissions, no remote modules, no lockfile and no update check.
 *
 * @param programDir The installed program's directory (absolute).
 * @param version The carbon-ops version it holds (for the comment).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binScript } from "./install_files.ts";
 * const script = binScript("/opt/x y/lib/carbon-ops/0.3.0", "0.3.0");
 * assert.ok(script.startsWith("#!/bin/sh\n"));
 * assert.match(script, /^exec '\/opt\/x y\/lib\/carbon-ops\/0\.3\.0\/deno' run --allow-all /m);
 * assert.match(script, / '\/opt\/x y\/lib\/carbon-ops\/0\.3\.0\/main\.ts' "\$@"\n$/);
 * assert.match(script, /^DENO_V8_FLAGS="\$\{DENO_V8_FLAGS---max-semi-space-size=1\}"$/m);
 * ```
 */
export function binScript(programDir: string, version: string): string {
  const q = (name: string) => shellQuote(`${programDir}/${name}`);
  return [
    "#!/bin/sh",
    MARKER,
    `# carbon-ops ${version}: the program and its own Deno are in ${programDir}`,
    "# Reinstall: deno task install; remove: deno task install --uninstall (from a checkout).",
    "DENO_NO_UPDATE_CHECK=1",
    "export DENO_NO_UPDATE_CHECK",
    "# V8 flags the program ships with (lib/cli/v8_flags.ts); DENO_V8_FLAGS set by the caller wins.",
    `DENO_V8_FLAGS="\${DENO_V8_FLAGS-${SHIPPED_V8_FLAGS}}"`,
    "export DENO_V8_FLAGS",
    `exec ${q("deno")} run --allow-all --quiet --no-remote --cached-only --no-lock ` +
    `--config ${q("deno.json")} ${q("main.ts")} "$@"`,
    "",
  ].join("\n");
}

/** What `installCarbonOps` did. */
export interface InstallReport {
  /** The prefix installed into. */
  readonly prefix: string;
  /** The installed command, `PREFIX/bin/carbon-ops`. */
  readonly command: string;
  /** The program's directory, `PREFIX/lib/carbon-ops/VERSION`. */
  readonly programDir: string;
  /** carbon-ops version (deno.json `version`). */
  readonly version: string;
  /** Version of the pinned Deno that was installed with it. */
  readonly denoVersion: string;
  /** Whether the Deno binary is a hard link to the checkout's (else a copy). */
  readonly denoLinked: boolean;
  /** Number of files copied besides the Deno binary. */
  readonly files: number;
  /** npm packages copied. */
  readonly npmPackages: readonly string[];
  /** The version an earlier install held, if there was one. */
  readonly replacedVersion: string | null;
  /** What the installed `carbon-ops --version` printed. */
  readonly versionLine: string;
}

/** The install record, `PREFIX/lib/carbon-ops/install.json`. */
interface InstallRecord {
  v: 1;
  version: string;
  deno_version: string;
  program_dir: string;
  command: string;
  /** Directories the installs created (absolute), to remove on uninstall when empty. */
  created_dirs: string[];
}

interface DenoInfo {
  modules: {
    specifier: string;
    error?: string;
    dependencies?: { specifier: string; code?: { error?: string } }[];
  }[];
}

const decoder = new TextDecoder();

function errorCode(err: unknown): string {
  return (err as { code?: unknown })?.code === undefined
    ? ""
    : String((err as { code: unknown }).code);
}

/** Rethrows a failed write under `path` with what to do instead. */
function writeFailure(path: string, err: unknown, prefix: string): Error {
  const alternative = "install for yourself with PREFIX=~/.local (the default) or " +
    "--prefix DIR, or as root for a system-wide prefix such as /usr/local";
  if (err instanceof Deno.errors.PermissionDenied) {
    const { reason } = permissionDeniedDetails(path);
    return new Deno.errors.PermissionDenied(
      `cannot write ${path} (install prefix ${prefix}): ${reason}; ${alternative}`,
      { cause: err },
    );
  }
  if (errorCode(err) === "EROFS") {
    return new Error(
      `cannot write ${path} (install prefix ${prefix}): read-only file system; ${alternative}`,
      { cause: err },
    );
  }
  return new Error(`cannot write ${path} (install prefix ${prefix}): ${String(err)}`, {
    cause: err,
  });
}

async function exists(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/** mkdir -p with mode 0755 for each directory it creates; returns those it created. */
async function makeDirs(path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let p = path; !(await exists(p)); p = dirname(p)) missing.unshift(p);
  for (const dir of missing) {
    await Deno.mkdir(dir);
    await Deno.chmod(dir, 0o755);
  }
  return missing;
}

async function fsyncFile(path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  await file.sync();
}

/** Copies a file with mode 0755 when any execute bit is set, else 0644, and fsyncs it. */
async function copyReadable(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  await makeDirs(dirname(to));
  await Deno.copyFile(from, to);
  await Deno.chmod(to, ((info.mode ?? 0) & 0o111) !== 0 ? 0o755 : 0o644);
  await fsyncFile(to);
}

async function copyTree(from: string, to: string): Promise<number> {
  let n = 0;
  for await (const entry of Deno.readDir(from)) {
    const src = `${from}/${entry.name}`;
    const dst = `${to}/${entry.name}`;
    const info = await Deno.stat(src); // follows links: a linked file is copied as a file
    if (info.isDirectory) n += await copyTree(src, dst);
    else if (info.isFile) {
      await copyReadable(src, dst);
      n++;
    }
  }
  return n;
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Name of the npm package a `.../node_modules/<name>/...` URL or path is in. */
function npmPackageOf(specifier: string): string | null {
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(specifier);
  return m ? decodeURIComponent(m[1]) : null;
}

/** Local modules loaded by URL rather than imported, e.g. `new Worker(new URL("./w.ts", import.meta.url))`. */
function urlLoadedModules(source: string, moduleUrl: string): string[] {
  const out: string[] = [];
  const re = /new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g;
  for (const m of source.matchAll(re)) out.push(new URL(m[1], moduleUrl).href);
  return out;
}

/**
 * The files `main.ts` needs at run time, relative to `root`, and the npm packages it imports:
 * the module graph of `main.ts` (`deno info`, which includes its literal dynamic imports and JSON
 * imports) and of every local file a module names with `new URL("./x", import.meta.url)`.
 */
async function programFiles(
  root: string,
  deno: string,
): Promise<{ files: string[]; npm: Set<string> }> {
  const rootUrl = new URL(`file://${root}/`).href;
  const files = new Set<string>();
  const npm = new Set<string>();
  const pending = [`${rootUrl}main.ts`];
  const seenEntries = new Set<string>();
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (seenEntries.has(entry)) continue;
    seenEntries.add(entry);
    const path = decodeURIComponent(new URL(entry).pathname);
    if (!/\.(ts|js|mjs|mts)$/.test(path)) {
      files.add(path.slice(root.length + 1)); // a data file loaded by URL
      continue;
    }
    const info = await run(deno, ["info", "--json", "--config", `${root}/deno.json`, path], {
      cwd: root,
      env: { DENO_NO_UPDATE_CHECK: "1" },
    });
    if (info.code !== 0) {
      throw new Error(`cannot list the modules ${path} loads (deno info failed):\n${info.stderr}`);
    }
    for (const m of (JSON.parse(info.stdout) as DenoInfo).modules) {
      if (m.error !== undefined) throw new Error(`module ${m.specifier}: ${m.error}`);
      for (const dep of m.dependencies ?? []) {
        if (dep.code?.error === undefined) continue;
        throw new Error(
          `${m.specifier} imports '${dep.specifier}', which does not resolve: ${dep.code.error}` +
            (dep.code.error.includes("node_modules")
              ? " (run `npm ci` in the checkout first)"
              : ""),
        );
      }
      if (m.specifier.startsWith("node:")) continue;
      const pkg = npmPackageOf(m.specifier);
      if (pkg !== null) {
        npm.add(pkg);
        continue;
      }
      if (!m.specifier.startsWith(rootUrl)) {
        throw new Error(
          `main.ts loads ${m.specifier}, which is outside the checkout ${root}: the install ` +
            "copies only local files and npm packages from node_modules (it works offline)",
        );
      }
      const rel = decodeURIComponent(m.specifier.slice(rootUrl.length));
      if (files.has(rel)) continue;
      files.add(rel);
      if (/\.(ts|js|mjs|mts)$/.test(rel)) {
        const source = await Deno.readTextFile(`${root}/${rel}`);
        pending.push(...urlLoadedModules(source, m.specifier));
      }
    }
  }
  return { files: [...files].sort(), npm };
}

/** `packages` plus every package they depend on (from their package.json), found in `root/node_modules`. */
async function withDependencies(root: string, packages: Iterable<string>): Promise<string[]> {
  const all = new Set<string>();
  const pending = [...packages];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (all.has(name)) continue;
    all.add(name);
    const manifestPath = `${root}/node_modules/${name}/package.json`;
    let manifest: Record<string, Record<string, string> | undefined>;
    try {
      manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    } catch (err) {
      throw new Error(
        `cannot read ${manifestPath}: the npm package ${name} is needed at run time; run ` +
          "`npm ci` in the checkout first",
        { cause: err },
      );
    }
    for (const field of ["dependencies", "optionalDependencies", "peerDependencies"]) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        // A package's own nested node_modules is copied with it.
        if (!(await exists(`${root}/node_modules/${name}/node_modules/${dep}`))) {
          if (await exists(`${root}/node_modules/${dep}`)) pending.push(dep);
          else if (field === "dependencies") {
            throw new Error(`the npm package ${name} needs ${dep}, which is not in node_modules`);
          }
        }
      }
    }
  }
  return [...all].sort();
}

/** The installed copy's deno.json: name, version, the imports that name copied npm packages. */
function programConfig(
  config: {
    name?: string;
    version?: string;
    imports?: Record<string, string>;
    unstable?: string[];
  },
  npm: readonly string[],
): string {
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.imports ?? {})) {
    const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)/.exec(value);
    if (m && npm.includes(m[1])) imports[key] = value;
  }
  return JSON.stringify(
    {
      name: config.name,
      version: config.version,
      imports,
      nodeModulesDir: "manual",
      // lazy-dynamic-imports: a command loads its modules when it runs (cold start, issue 18).
      ...(config.unstable ? { unstable: config.unstable } : {}),
    },
    null,
    2,
  ) + "\n";
}

/** Hard-links the Deno binary when that is safe (same file system, ours, not writable by others), else copies it. */
async function placeDeno(from: string, to: string): Promise<boolean> {
  const info = await Deno.stat(from);
  const mode = info.mode ?? 0;
  const safe = info.uid === Deno.uid() && (mode & 0o022) === 0 && (mode & 0o555) === 0o555;
  if (safe) {
    try {
      await Deno.link(from, to);
      return true;
    } catch {
      // another file system: copy
    }
  }
  await copyReadable(from, to);
  await Deno.chmod(to, 0o755);
  return false;
}

async function readRecord(libRoot: string): Promise<InstallRecord | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${libRoot}/${RECORD}`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const record = JSON.parse(text) as InstallRecord;
  if (record.v !== 1) throw new Error(`${libRoot}/${RECORD}: unknown record version ${record.v}`);
  return record;
}

/** Refuses to replace a `carbon-ops` command or a lib directory that this installer did not write. */
async function checkOurs(command: string, libRoot: string): Promise<InstallRecord | null> {
  const cmd = await exists(command);
  if (cmd !== null) {
    const text = cmd.isFile ? await Deno.readTextFile(command).catch(() => "") : "";
    if (!text.includes(MARKER)) {
      throw new Error(
        `${command} exists and was not written by this installer; remove it yourself or ` +
          "choose another prefix (--prefix DIR or PREFIX=DIR)",
      );
    }
  }
  const record = await readRecord(libRoot);
  if (record === null && (await exists(libRoot)) !== null) {
    const entries = [...Deno.readDirSync(libRoot)];
    if (entries.length > 0) {
      throw new Error(
        `${libRoot} exists without ${RECORD}, so it was not written by this installer; ` +
          "remove it yourself or choose another prefix (--prefix DIR or PREFIX=DIR)",
      );
    }
  }
  return record;
}

/**
 * Installs `carbon-ops` from the checkout `options.sourceRoot` into `prefix` (see the module
 * documentation for the layout), replacing an earlier install only once the new copy has run.
 *
 * @param prefix Absolute install prefix (`resolvePrefix`).
 * @param options `sourceRoot`: the checkout to install from (default `CHECKOUT_ROOT`, the one this
 *   module is in); it needs `node_modules/deno/deno` and the npm packages (`npm ci`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { installCarbonOps } from "./install_files.ts";
 * const prefix = await Deno.makeTempDir();
 * try {
 *   const report = await installCarbonOps(prefix);
 *   assert.equal(report.command, `${prefix}/bin/carbon-ops`);
 *   assert.equal(report.versionLine, `carbon-ops ${report.version}`);
 * } finally {
 *   await Deno.remove(prefix, { recursive: true });
 * }
 * ```
 */
export async function installCarbonOps(
  prefix: string,
  options: { sourceRoot?: string } = {},
): Promise<InstallReport> {
  const root = (options.sourceRoot ?? CHECKOUT_ROOT).replace(/\/+$/, "");
  const pinnedDeno = `${root}/node_modules/deno/deno`;
  if ((await exists(pinnedDeno)) === null) {
    throw new Error(`no pinned Deno at ${pinnedDeno}: run \`npm ci\` in ${root} first`);
  }
  const denoVersionRun = await run(pinnedDeno, ["--version"]);
  const denoVersion = /^deno (\S+)/.exec(denoVersionRun.stdout)?.[1];
  if (denoVersionRun.code !== 0 || denoVersion === undefined) {
    throw new Error(`${pinnedDeno} --version failed: ${denoVersionRun.stderr}`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const version = String(config.version ?? "");
  if (!/^\d+\.\d+\.\d+/.test(version)) {
    throw new Error(`${root}/deno.json has no usable "version" (got '${version}')`);
  }
  const { files, npm } = await programFiles(root, pinnedDeno);
  const npmPackages = await withDependencies(root, npm);

  const command = `${prefix}/bin/carbon-ops`;
  const libRoot = `${prefix}/lib/carbon-ops`;
  const programDir = `${libRoot}/${version}`;
  const previous = await checkOurs(command, libRoot);

  const created: string[] = [];
  const staging = `${libRoot}/.staging-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const old = `${libRoot}/.old-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  let denoLinked: boolean;
  let copied = 0;
  try {
    try {
      created.push(...await makeDirs(`${prefix}/bin`), ...await makeDirs(libRoot));
      await Deno.mkdir(staging);
      await Deno.chmod(staging, 0o755);
    } catch (err) {
      throw writeFailure(libRoot, err, prefix);
    }
    for (const rel of files) {
      await copyReadable(`${root}/${rel}`, `${staging}/${rel}`);
      copied++;
    }
    for (const name of npmPackages) {
      copied += await copyTree(`${root}/node_modules/${name}`, `${staging}/node_modules/${name}`);
    }
    // The documentation, for `PREFIX/share/doc/carbon-ops` (the systemd unit's Documentation=).
    for (
      const entry of [...Deno.readDirSync(`${root}/docs`)].filter((e) => e.name.endsWith(".md"))
    ) {
      await copyReadable(`${root}/docs/${entry.name}`, `${staging}/docs/${entry.name}`);
      copied++;
    }
    await replaceFileAtomic(`${staging}/deno.json`, programConfig(config, npmPackages));
    copied++;
    denoLinked = await placeDeno(pinnedDeno, `${staging}/deno`);
    await syncDir(staging);

    // Run the new copy before it replaces anything.
    const probe = await run(`${staging}/deno`, [
      "run",
      "--allow-all",
      "--quiet",
      "--no-remote",
      "--cached-only",
      "--no-lock",
      "--config",
      `${staging}/deno.json`,
      `${staging}/main.ts`,
      "--version",
    ], { cwd: staging, env: { DENO_NO_UPDATE_CHECK: "1", CARBON_OPS_CONFIG: "" } });
    if (probe.code !== 0 || probe.stdout.trim() !== `carbon-ops ${version}`) {
      throw new Error(
        `the new copy in ${staging} does not run (carbon-ops --version exited ${probe.code}): ` +
          `${probe.stdout}${probe.stderr}`.trim(),
      );
    }

    // Commit: the program directory by rename, then the script by rename.
    const hadSameVersion = (await exists(programDir)) !== null;
    if (hadSameVersion) await Deno.rename(programDir, old);
    try {
      await Deno.rename(staging, programDir);
    } catch (err) {
      if (hadSameVersion) await Deno.rename(old, programDir);
      throw err;
    }
    await syncDir(libRoot);
    created.push(...await makeDirs(`${prefix}/share/doc`));
    const docLink = `${prefix}/share/doc/carbon-ops`;
    const docLinkTmp = `${docLink}.new-${Deno.pid}`;
    await Deno.symlink(`../../lib/carbon-ops/${version}/docs`, docLinkTmp);
    await Deno.rename(docLinkTmp, docLink);
    await replaceFileAtomic(command, binScript(programDir, version), { mode: 0o755 });
    const record: InstallRecord = {
      v: 1,
      version,
      deno_version: denoVersion,
      program_dir: programDir,
      command,
      created_dirs: [...new Set([...(previous?.created_dirs ?? []), ...created])],
    };
    await replaceFileAtomic(`${libRoot}/${RECORD}`, JSON.stringify(record, null, 2) + "\n");
    if (hadSameVersion) await Deno.remove(old, { recursive: true });
    if (previous !== null && previous.program_dir !== programDir) {
      await Deno.remove(previous.program_dir, { recursive: true }).catch(() => {});
    }
  } catch (err) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    // Directories made for an install that did not happen (never one that held an install).
    if (previous === null) {
      for (const dir of [...created].reverse()) await Deno.remove(dir).catch(() => {});
    }
    throw err;
  }

  const check = await run(command, ["--version"], { env: { CARBON_OPS_CONFIG: "" } });
  if (check.code !== 0) {
    throw new Error(
      `installed ${command}, but \`carbon-ops --version\` exited ${check.code}: ${check.stderr}`,
    );
  }
  return {
    prefix,
    command,
    programDir,
    version,
    denoVersion,
    denoLinked,
    files: copied,
    npmPackages,
    replacedVersion: previous?.version ?? null,
    versionLine: check.stdout.trim(),
  };
}

/** What `uninstallCarbonOps` removed. */
export interface UninstallReport {
  /** The version that was removed, or null when nothing was installed in the prefix. */
  readonly version: string | null;
  /** Paths removed (the script, the lib directory, directories the install had created). */
  readonly removed: readonly string[];
}

/**
 * Removes what `installCarbonOps` put in `prefix`: the script, `PREFIX/lib/carbon-ops`, and the
 * directories the installs created, when they are empty. Refuses to remove a `carbon-ops` it did
 * not write; a prefix without an install is not an error (`version` is then null).
 *
 * @param prefix Absolute install prefix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uninstallCarbonOps } from "./install_files.ts";
 * const prefix = await Deno.makeTempDir();
 * assert.deepEqual(await uninstallCarbonOps(prefix), { version: null, removed: [] });
 * await Deno.remove(prefix);
 * ```
 */
export async function uninstallCarbonOps(prefix: string): Promise<UninstallReport> {
  const command = `${prefix}/bin/carbon-ops`;
  const libRoot = `${prefix}/lib/carbon-ops`;
  const record = await checkOurs(command, libRoot);
  const removed: string[] = [];
  try {
    if ((await exists(command)) !== null) {
      await Deno.remove(command);
      removed.push(command);
    }
    const docLink = `${prefix}/share/doc/carbon-ops`;
    const link = await Deno.lstat(docLink).catch(() => null);
    if (link?.isSymlink && (await Deno.readLink(docLink)).startsWith("../../lib/carbon-ops/")) {
      await Deno.remove(docLink);
      removed.push(docLink);
    }
    if ((await exists(libRoot)) !== null) {
      await Deno.remove(libRoot, { recursive: true });
      removed.push(libRoot);
    }
    for (const dir of [...(record?.created_dirs ?? [])].sort().reverse()) {
      try {
        await Deno.remove(dir); // only when empty
        removed.push(dir);
      } catch {
        // not empty (something else lives there now) or already gone: keep it
      }
    }
  } catch (err) {
    throw writeFailure(libRoot, err, prefix);
  }
  return { version: record?.version ?? null, removed };
}

/** `export PATH="DIR:$PATH"`, with DIR escaped for double quotes. */
function exportPath(dir: string): string {
  return `export PATH="${dir.replace(/["\\$`]/g, "\\$&")}:$PATH"`;
}

/**
 * Notes about PATH for an installed command: none when `binDir` is on `path` and no other
 * `carbon-ops` comes first; otherwise the line to add, or which command shadows it.
 *
 * @param binDir The directory holding the installed command.
 * @param path The PATH value to check.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathNotes } from "./install_files.ts";
 * assert.deepEqual(await pathNotes("/opt/co/bin", "/opt/co/bin:/usr/bin"), []);
 * const [note] = await pathNotes("/opt/co/bin", "/usr/bin:/bin");
 * assert.match(note, /export PATH="\/opt\/co\/bin:\$PATH"/);
 * ```
 */
export async function pathNotes(binDir: string, path: string): Promise<string[]> {
  const dirs = path.split(":").filter((d) => d !== "");
  const canonical = async (p: string) => await Deno.realPath(p).catch(() => p);
  const target = await canonical(binDir);
  for (const dir of dirs) {
    const here = await canonical(dir);
    if (here === target) return [];
    const other = `${dir}/carbon-ops`;
    const info = await exists(other);
    if (info !== null && !info.isDirectory) {
      return [
        `${other} comes before ${binDir} on PATH, so \`carbon-ops\` runs that one; remove it ` +
        `or put ${binDir} first: ${exportPath(binDir)}`,
      ];
    }
  }
  return [
    `${binDir} is not on PATH; add it (e.g. in ~/.profile, then log in again): ${
      exportPath(binDir)
    }`,
  ];
}
