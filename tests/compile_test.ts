import assert from "node:assert/strict";
import { REPO_ROOT } from "./kit/run_cli.ts";
import { tempDir } from "./kit/temp_dir.ts";
import { VERSION } from "../lib/version.ts";

// `deno compile` needs denort, which it downloads from dl.deno.land unless DENORT_BIN names a
// local copy. These machines cannot reach that host, so the binary test runs only with DENORT_BIN.
const denort = Deno.env.get("DENORT_BIN") ?? "";
const denortExists = denort !== "" && (await Deno.stat(denort).then((s) => s.isFile, () => false));
const skipReason = denort === ""
  ? "skipped: DENORT_BIN is not set (deno compile needs denort from dl.deno.land)"
  : `skipped: DENORT_BIN=${denort} is not a file`;

async function compileTask(): Promise<string[]> {
  const denoJson = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  return String(denoJson.tasks.compile).split(/\s+/);
}

Deno.test("compile task grants the permissions both roles need and nothing broader", async () => {
  const words = await compileTask();
  assert.deepEqual(words.slice(0, 2), ["deno", "compile"]);
  assert.ok(!words.includes("-A") && !words.includes("--allow-all"), "no blanket -A");
  for (
    const flag of ["--allow-read", "--allow-write", "--allow-env", "--allow-run", "--allow-net"]
  ) {
    assert.ok(words.some((w) => w === flag || w.startsWith(`${flag}=`)), `missing ${flag}`);
  }
  assert.equal(words[words.indexOf("--output") + 1], "dist/carbon-ops");
  assert.equal(words.at(-1), "main.ts");
});

Deno.test({
  name: `compile builds a single binary that runs both roles' entry points${
    denortExists ? "" : ` (${skipReason})`
  }`,
  ignore: !denortExists,
  async fn() {
    await using dir = await tempDir();
    const words = await compileTask();
    const out = dir.join("carbon-ops");
    words[words.indexOf("--output") + 1] = out;
    const build = await new Deno.Command(Deno.execPath(), {
      args: words.slice(1),
      cwd: REPO_ROOT,
      env: { DENORT_BIN: denort },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const run = async (...args: string[]) => {
      const r = await new Deno.Command(out, {
        args,
        env: { CARBON_OPS_CONFIG: "" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
    };
    assert.deepEqual(await run("--version"), { code: 0, stdout: `carbon-ops ${VERSION}\n` });
    const help = await run("--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Commands:/);
    const config = await run("config", "--json");
    assert.equal(config.code, 0);
    assert.equal(JSON.parse(config.stdout).governor.intervalMs, 100);
  },
});
