/**
 * The README's shell blocks run as printed, in order, from the checkout, with a scratch HOME and
 * TMPDIR (so the install block installs into a scratch `~/.local` and the blocks after it run
 * through that installed `carbon-ops`). Three blocks are not run here, each for a stated reason;
 * any other block the README gains runs.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

/** Blocks not run here, and why. */
const NOT_RUN: { pattern: RegExp; why: string }[] = [
  { pattern: /deno task check && .*deno task test$/m, why: "the whole check: it runs this test" },
  { pattern: /deno task test:load/, why: "the suite under load: it runs this test three times" },
  {
    pattern: /deno task compile/,
    why: "deno compile downloads denort from dl.deno.land (tests/e2e/compile_test.ts builds it " +
      "when DENORT_BIN is set)",
  },
];

function shBlocks(markdown: string): { code: string; line: number }[] {
  const out: { code: string; line: number }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^```sh\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ code: body.join("\n") + "\n", line: start + 1 });
  }
  return out;
}

Deno.test("README shell blocks run as printed, the install block installs a working carbon-ops into ~/.local", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}README.md`);
  const blocks = shBlocks(readme);
  await using scratch = await tempDir("carbon-ops-readme-");
  const home = scratch.join("home");
  const tmp = scratch.join("tmp");
  await Deno.mkdir(home);
  await Deno.mkdir(tmp);
  const env = {
    HOME: home,
    TMPDIR: tmp,
    // What the README asks for: ~/.local/bin on PATH. No carbon-ops is there before the install.
    PATH: `${home}/.local/bin:/usr/bin:/bin`,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache/deno`,
    NO_COLOR: "1",
    CARBON_OPS_CONFIG: "",
  };
  const ran: string[] = [];
  const skipped: string[] = [];
  for (const b of blocks) {
    const reason = NOT_RUN.find((n) => n.pattern.test(b.code));
    if (reason) {
      skipped.push(reason.why);
      continue;
    }
    // `npm ci` installs the checkout's packages from the registry (CI runs it); they are here.
    const code = b.code.replace(/^npm ci && /gm, "");
    const out = await new Deno.Command("bash", {
      args: ["-euo", "pipefail", "-c", code],
      cwd: REPO_ROOT,
      clearEnv: true,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000),
    }).output();
    const dec = new TextDecoder();
    const text = dec.decode(out.stdout) + dec.decode(out.stderr);
    assert.equal(out.code, 0, `README.md:${b.line} failed:\n${b.code}--- output ---\n${text}`);
    ran.push(b.code);
  }
  assert.deepEqual(skipped, NOT_RUN.map((n) => n.why), "each block not run is still in README");
  const install = ran.findIndex((c) => c.startsWith("node_modules/.bin/deno task install\n"));
  assert.ok(install >= 0, "the README has the install block");
  assert.ok(ran.length > install + 1, "a block after the install runs through the command");
  const installed = await Deno.readTextFile(`${home}/.local/bin/carbon-ops`);
  assert.match(installed, /lib\/carbon-ops\/\d+\.\d+\.\d+\/main\.ts/);
});
