/**
 * The public API changes only on purpose. For every entry point in deno.json's `exports` (the
 * root and each subpath), the names `deno doc --json` lists must equal the checked-in list in
 * `tests/api/exports/<entry>.txt` (one name per line, sorted; `.` is `root.txt`, `./carbon/providers`
 * is `carbon_providers.txt`). The root must stay under 80 names, and barrels name what they export
 * (no `export *`).
 *
 * After an intended change to a barrel, rewrite the lists and review the diff:
 *
 *   UPDATE_EXPORTS=1 ./node_modules/deno/deno test -A tests/api/exports_test.ts
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_kit/run_cli.ts";

const LISTS_DIR = `${REPO_ROOT}tests/api/exports`;
const ROOT_LIMIT = 80;
const UPDATE = Deno.env.get("UPDATE_EXPORTS") === "1";
const UPDATE_HINT =
  "If the change is intended, run `UPDATE_EXPORTS=1 ./node_modules/deno/deno test -A " +
  "tests/api/exports_test.ts` and commit the rewritten tests/api/exports/*.txt.";

interface DocJson {
  readonly nodes: Record<string, { readonly symbols: readonly { readonly name: string }[] }>;
}

/** deno.json's `exports`: entry (".", "./carbon", ...) to module path. */
function entryPoints(): Map<string, string> {
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}deno.json`));
  return new Map(Object.entries(config.exports as Record<string, string>));
}

/** The list file name of an entry: `.` is `root`, `./carbon/providers` is `carbon_providers`. */
function listName(entry: string): string {
  return entry === "." ? "root" : entry.replace(/^\.\//, "").replaceAll("/", "_");
}

/** The top-level names `deno doc --json` lists for a module, sorted and unique. */
async function exportedNames(modulePath: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", modulePath],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `deno doc --json ${modulePath} failed:\n${stderr}`);
  const doc = JSON.parse(new TextDecoder().decode(out.stdout)) as DocJson;
  const names = Object.values(doc.nodes).flatMap((n) => n.symbols.map((s) => s.name));
  return [...new Set(names)].sort();
}

function readList(path: string): string[] | null {
  try {
    return Deno.readTextFileSync(path).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}

/** What differs between the checked-in list and the actual names, for the failure message. */
function describeDifference(
  entry: string,
  listPath: string,
  expected: readonly string[],
  actual: readonly string[],
): string {
  const added = actual.filter((n) => !expected.includes(n));
  const removed = expected.filter((n) => !actual.includes(n));
  return [
    `the public API of "${entry}" differs from ${listPath}:`,
    `  added (exported now, not in the list): ${added.length ? added.join(", ") : "none"}`,
    `  removed (in the list, not exported now): ${removed.length ? removed.join(", ") : "none"}`,
    UPDATE_HINT,
  ].join("\n");
}

const entries = entryPoints();

for (const [entry, modulePath] of entries) {
  Deno.test(`the public API of "${entry}" is exactly its checked-in export list`, async () => {
    const listPath = `${LISTS_DIR}/${listName(entry)}.txt`;
    const actual = await exportedNames(modulePath);
    if (UPDATE) {
      await Deno.mkdir(LISTS_DIR, { recursive: true });
      await Deno.writeTextFile(listPath, actual.join("\n") + "\n");
      return;
    }
    const expected = readList(listPath);
    assert.ok(expected !== null, `${listPath} is missing for "${entry}". ${UPDATE_HINT}`);
    assert.deepEqual(expected, [...expected].sort(), `${listPath} must be sorted. ${UPDATE_HINT}`);
    assert.ok(
      actual.length === expected.length && actual.every((n, i) => n === expected[i]),
      describeDifference(entry, listPath, expected, actual),
    );
  });
}

Deno.test("every checked-in export list belongs to an entry point in deno.json", () => {
  const known = new Set([...entries.keys()].map(listName));
  const stale = [...Deno.readDirSync(LISTS_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".txt"))
    .map((e) => e.name.slice(0, -4))
    .filter((name) => !known.has(name));
  assert.deepEqual(stale, [], `delete tests/api/exports/{${stale.join(",")}}.txt: no such entry`);
});

Deno.test(`the root module exports fewer than ${ROOT_LIMIT} names`, async () => {
  const names = await exportedNames(entries.get(".") ?? "./mod.ts");
  assert.ok(
    names.length < ROOT_LIMIT,
    `mod.ts exports ${names.length} names; keep the root under ${ROOT_LIMIT} and move the rest ` +
      "to a subpath barrel (docs/api.md)",
  );
});

Deno.test("every barrel names its exports instead of using export *", () => {
  const offenders: string[] = [];
  for (const [entry, modulePath] of entries) {
    const text = Deno.readTextFileSync(`${REPO_ROOT}${modulePath}`);
    if (/^\s*export\s+(type\s+)?\*/m.test(text)) offenders.push(`${entry} (${modulePath})`);
  }
  assert.deepEqual(offenders, [], "replace `export *` with explicit named exports");
});

Deno.test("the difference message names added and removed exports and how to update", () => {
  const message = describeDifference("./x", "x.txt", ["A", "B"], ["B", "C"]);
  assert.match(message, /added \(exported now, not in the list\): C\n/);
  assert.match(message, /removed \(in the list, not exported now\): A\n/);
  assert.match(message, /UPDATE_EXPORTS=1/);
});
