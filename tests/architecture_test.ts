import assert from "node:assert/strict";
import { importCycles, moduleGraph, repoTsFiles } from "./_kit/module_graph.ts";
import { REPO_ROOT } from "./_kit/run_cli.ts";

const DOC = `${REPO_ROOT}docs/architecture.md`;
const PUBLIC = "(public entry points";

interface Rule {
  readonly area: string;
  readonly mayImport: readonly string[];
  readonly publicOnly: boolean;
}

/** The layering table between the markers in docs/architecture.md. */
async function layeringRules(): Promise<Rule[]> {
  const text = await Deno.readTextFile(DOC);
  const start = text.indexOf("<!-- layering:start -->");
  const end = text.indexOf("<!-- layering:end -->");
  assert.ok(start >= 0 && end > start, "docs/architecture.md has the layering table markers");
  const rows = text.slice(start, end).split("\n").filter((l) => l.startsWith("| `"));
  return rows.map((row) => {
    const [areaCell, importCell] = row.split("|").slice(1, 3).map((c) => c.trim());
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    return {
      area: ticked(areaCell)[0],
      mayImport: ticked(importCell).filter((p) => !p.includes(" ")),
      publicOnly: importCell.startsWith(PUBLIC),
    };
  });
}

/** The rule of the longest area prefix that covers `file`, if any. */
function ruleFor(rules: readonly Rule[], file: string): Rule | undefined {
  return rules
    .filter((r) => file === r.area || (r.area.endsWith("/") && file.startsWith(r.area)))
    .sort((a, b) => b.area.length - a.area.length)[0];
}

async function publicEntryPoints(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`)) as {
    exports: Record<string, string>;
  };
  return Object.values(config.exports).map((p) => p.replace(/^\.\//, ""));
}

/** Every import that breaks the table, as `from -> to (rule)` lines. */
export function layeringViolations(
  edges: ReadonlyMap<string, ReadonlySet<string>>,
  rules: readonly Rule[],
  entryPoints: readonly string[],
): string[] {
  const bad: string[] = [];
  for (const [from, targets] of edges) {
    const rule = ruleFor(rules, from);
    if (rule === undefined) continue;
    for (const to of targets) {
      if (to.startsWith("examples/library_use/")) continue;
      const allowed = rule.publicOnly
        ? entryPoints.includes(to) || ruleFor(rules, to)?.area === rule.area
        : to === rule.area || (rule.area.endsWith("/") && to.startsWith(rule.area)) ||
          rule.mayImport.some((p) => to === p || (p.endsWith("/") && to.startsWith(p)));
      if (!allowed) {
        bad.push(
          `${from} -> ${to} (${rule.area} may import ${
            rule.publicOnly ? "only the public entry points" : rule.mayImport.join(", ") ||
              "nothing else"
          })`,
        );
      }
    }
  }
  return bad.sort();
}

const files = await repoTsFiles();
const edges = await moduleGraph(files);

Deno.test("architecture: the module graph has no import cycle", () => {
  const cycles = importCycles(edges);
  assert.deepEqual(
    cycles.map((c) => c.join(" <-> ")),
    [],
    "move names to their owner instead of importing both ways",
  );
});

Deno.test("architecture: every import follows the layering table in docs/architecture.md", async () => {
  const rules = await layeringRules();
  assert.ok(rules.length >= 10, "the table was read");
  for (const f of files) {
    assert.ok(ruleFor(rules, f) !== undefined, `${f} is in no area of the layering table`);
  }
  assert.deepEqual(layeringViolations(edges, rules, await publicEntryPoints()), []);
});

Deno.test("architecture: the layering check catches an import that goes the wrong way", async () => {
  const rules = await layeringRules();
  const fake = new Map([["lib/ledger/writer.ts", new Set(["lib/energy/energy_logger.ts"])]]);
  assert.equal(layeringViolations(fake, rules, []).length, 1);
  const cyclic = new Map([["a.ts", new Set(["b.ts"])], ["b.ts", new Set(["a.ts"])]]);
  assert.deepEqual(importCycles(cyclic), [["a.ts", "b.ts"]]);
});

Deno.test("architecture: only legacy/ imports lib/ledger/legacy/ and only governor/command.ts imports lib/cli/", () => {
  const bad: string[] = [];
  for (const [from, targets] of edges) {
    for (const to of targets) {
      if (
        to.startsWith("lib/ledger/legacy/") && from.startsWith("lib/ledger/") &&
        !from.startsWith("lib/ledger/legacy/")
      ) bad.push(`${from} -> ${to}`);
      if (
        to.startsWith("lib/cli/") && from.startsWith("governor/") && from !== "governor/command.ts"
      ) {
        bad.push(`${from} -> ${to}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("architecture: files starting with _ are imported only from their own folder", () => {
  const bad: string[] = [];
  for (const [from, targets] of edges) {
    if (from.startsWith("tests/")) continue;
    for (const to of targets) {
      const name = to.slice(to.lastIndexOf("/") + 1);
      const dir = (p: string) => p.slice(0, p.lastIndexOf("/") + 1);
      if (name.startsWith("_") && !to.startsWith("tests/_kit/") && dir(from) !== dir(to)) {
        bad.push(`${from} -> ${to}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("architecture: only main.ts calls Deno.exit", async () => {
  const bad: string[] = [];
  for (const f of files) {
    if (!/^(lib|governor|demo)\//.test(f) && f !== "mod.ts") continue;
    const code = (await Deno.readTextFile(REPO_ROOT + f))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    if (/\bDeno\.exit\s*\(/.test(code)) bad.push(f);
  }
  assert.deepEqual(bad, []);
});
