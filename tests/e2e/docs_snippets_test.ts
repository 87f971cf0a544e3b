/**
 * Every code snippet in docs/*.md is executed: fenced ts blocks run as modules (importing the
 * library by its package name), sh blocks run in bash with `carbon-ops` on PATH (the command as
 * `deno task install` installs it, installed once for this file into a temporary prefix), json and
 * jsonc blocks must parse. A document's blocks run in order in one scratch directory, so a later
 * snippet can use files an earlier one made. `$DOCS_TMP` names that directory.
 *
 * A block right after `<!-- deploy-test: NAME -->` is a root command on a bare host (it installs
 * users, directories and units): tests/e2e/deploy_host_test.ts runs those, on a copy of the
 * machine, and this test leaves them out.
 */
import assert from "node:assert/strict";
import { parse as parseJsonc, type ParseError } from "jsonc-parser";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { sharedInstall } from "../_kit/installed_command.ts";

interface Block {
  lang: string;
  code: string;
  line: number;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)?\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    let before = i - 1;
    while (before > 0 && lines[before] === "") before--;
    const deployTest = before >= 0 && /^<!-- deploy-test: \S+ -->$/.test(lines[before]);
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (deployTest) continue;
    out.push({ lang: open[1] ?? "", code: body.join("\n") + "\n", line: start + 1 });
  }
  return out;
}

const docsDir = `${REPO_ROOT}docs`;
const docs = [...Deno.readDirSync(docsDir)].filter((e) => e.isFile && e.name.endsWith(".md"))
  .map((e) => e.name).sort();

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

for (const name of docs) {
  const text = await Deno.readTextFile(`${docsDir}/${name}`);
  const snippets = blocks(text).filter((b) => ["ts", "sh", "json", "jsonc"].includes(b.lang));
  if (snippets.length === 0) continue;
  Deno.test(`docs ${name} runs every code snippet in order without error`, async () => {
    await using scratch = await tempDir("carbon-ops-docs-");
    const bin = await sharedInstall();
    const env = {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
      HOME: Deno.env.get("HOME") ?? "/tmp",
      NO_COLOR: "1",
      CARBON_OPS_CONFIG: "",
      DOCS_TMP: scratch.path,
      REPO_ROOT,
    };
    const moduleDir = await Deno.makeTempDir({ dir: REPO_ROOT, prefix: ".tmp-snippets-" });
    try {
      for (const [i, b] of snippets.entries()) {
        const where = `${name}:${b.line} (${b.lang} block ${i + 1})`;
        if (b.lang === "json" || b.lang === "jsonc") {
          const errors: ParseError[] = [];
          parseJsonc(b.code, errors, { allowTrailingComma: b.lang === "jsonc" });
          assert.equal(errors.length, 0, `${where} does not parse`);
          continue;
        }
        let r;
        if (b.lang === "sh") {
          r = await run("bash", ["-euo", "pipefail", "-c", b.code], scratch.path, env);
        } else {
          const file = `${moduleDir}/snippet_${i}.ts`;
          await Deno.writeTextFile(file, b.code);
          r = await run(Deno.execPath(), ["run", "-A", "--quiet", file], scratch.path, env);
        }
        assert.equal(r.code, 0, `${where} failed:\n${b.code}\n--- output ---\n${r.text}`);
      }
    } finally {
      await Deno.remove(moduleDir, { recursive: true });
    }
  });
}
