/**
 * The project's module graph as Deno resolves it (`deno info --json`), reduced to edges between
 * the repository's own files (repo-relative paths). Type-only imports and dynamic imports with a
 * literal specifier count as edges too. Used by the architecture test.
 *
 * @module
 */

import { REPO_ROOT } from "./run_cli.ts";

const DENO = `${REPO_ROOT}node_modules/deno/deno`;
const SKIP_DIRS = new Set(["node_modules", "dist", ".git"]);

/** Every `.ts` file of the repository (not dot files or folders), repo-relative, sorted. */
export async function repoTsFiles(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(REPO_ROOT + (dir || "."))) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) {
      out.push(...await repoTsFiles(rel));
    } else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.startsWith(".")) {
      out.push(rel);
    }
  }
  return out.sort();
}

interface InfoDependency {
  readonly code?: { readonly specifier?: string };
  readonly type?: { readonly specifier?: string };
}

interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly InfoDependency[];
}

/**
 * Edges `from -> to` between repository files, for a graph rooted at every given file. One
 * `deno info` run: a temporary root module in the repository imports every file.
 */
export async function moduleGraph(files: readonly string[]): Promise<Map<string, Set<string>>> {
  const rootName = `.module-graph-root-${crypto.randomUUID()}.ts`;
  const rootPath = REPO_ROOT + rootName;
  await Deno.writeTextFile(rootPath, files.map((f) => `import "./${f}";\n`).join(""));
  let stdout: Uint8Array;
  try {
    const out = await new Deno.Command(DENO, {
      args: ["info", "--json", rootName],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    stdout = out.stdout;
  } finally {
    await Deno.remove(rootPath).catch(() => {});
  }
  const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: InfoModule[] };
  const prefix = new URL(REPO_ROOT, "file:///").href;
  // npm packages resolve into node_modules/: they are dependencies, not our modules.
  const local = (s: string | undefined) =>
    s !== undefined && s.startsWith(prefix) && !s.startsWith(`${prefix}node_modules/`)
      ? decodeURIComponent(s.slice(prefix.length))
      : null;
  const edges = new Map<string, Set<string>>();
  for (const m of info.modules) {
    const from = local(m.specifier);
    if (from === null || from === rootName) continue;
    const to = edges.get(from) ?? new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const s of [d.code?.specifier, d.type?.specifier]) {
        const target = local(s);
        if (target !== null && target !== from) to.add(target);
      }
    }
    edges.set(from, to);
  }
  return edges;
}

/** Strongly connected components with more than one file (Tarjan): every import cycle. */
export function importCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}
