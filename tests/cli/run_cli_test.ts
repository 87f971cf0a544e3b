import assert from "node:assert/strict";
import { runCli as runCliInProcess } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import {
  type Command,
  type CommandEntry,
  type CommandGroup,
  defineGroup,
} from "../../lib/cli/command.ts";
import { parseCommandArgs } from "../../lib/cli/args.ts";
import { COMMANDS } from "../../main.ts";
import { VERSION } from "../../lib/base/version.ts";
import { REPO_ROOT, runCli } from "../_kit/run_cli.ts";

function fakeCommand(name: string, run: Command["run"]): Command {
  return {
    name,
    summary: `the ${name} command`,
    help: `Usage: carbon-ops ${name} [--json]\n`,
    run,
  };
}

async function inProcess(
  argv: string[],
  commands: readonly (Command | CommandGroup | CommandEntry)[] = COMMANDS,
) {
  const stdout = bufferSink();
  const stderr = bufferSink();
  const code = await runCliInProcess(argv, {
    stdout,
    stderr,
    env: { CARBON_OPS_CONFIG: "" },
    commands,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("cli --help lists every registered command and exits 0 when run as a subprocess", async () => {
  const r = await runCli(["--help"]);
  assert.deepEqual(r.code, 0, r.stderr);
  for (const c of COMMANDS) assert.ok(r.stdout.includes(`  ${c.name}`), `missing ${c.name}`);
  assert.match(r.stdout, /Usage: carbon-ops <command>/);
});

Deno.test("cli --version prints the version that deno.json declares", async () => {
  const r = await runCli(["--version"]);
  assert.deepEqual(r.code, 0);
  assert.deepEqual(r.stdout, `carbon-ops ${VERSION}\n`);
  const denoJson = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  assert.deepEqual(denoJson.version, VERSION);
});

Deno.test("cli exits 2 with a did-you-mean suggestion when the command is unknown", async () => {
  const r = await runCli(["confg"]);
  assert.deepEqual(r.code, 2);
  assert.match(r.stderr, /unknown command 'confg'/);
  assert.match(r.stderr, /did you mean config\?/);
});

Deno.test("cli exits 2 and prints help to stderr when no command is given", async () => {
  const r = await inProcess([]);
  assert.deepEqual(r.code, 2);
  assert.match(r.stderr, /Commands:/);
});

Deno.test("cli exits 2 with the usage line when an option is unknown", async () => {
  const r = await runCli(["config", "--jsno"]);
  assert.deepEqual(r.code, 2);
  assert.match(r.stderr, /unknown option --jsno/);
  assert.match(r.stderr, /did you mean --json\?/);
  assert.match(r.stderr, /usage: carbon-ops config/);
});

Deno.test("cli prints each command's help with --help and help <command>", async () => {
  for (const entry of COMMANDS) {
    const c = await entry.load();
    assert.equal(c.name, entry.name, "registry name matches the command");
    assert.equal(c.summary, entry.summary, `registry summary of ${entry.name} matches the command`);
    const a = await inProcess([c.name, "--help"]);
    assert.equal(a.code, 0, `${c.name}: ${a.stderr}`);
    assert.match(a.stdout, /Usage: carbon-ops/);
    const b = await inProcess(["help", c.name]);
    assert.equal(b.stdout, a.stdout);
    if ("subcommands" in c) {
      for (const s of c.subcommands) {
        const h = await inProcess([c.name, s.name, "--help"]);
        assert.equal(h.code, 0, `${c.name} ${s.name}`);
        assert.match(h.stdout, /Usage: carbon-ops/, `${c.name} ${s.name} help`);
      }
    }
  }
});

Deno.test("cli dispatches subcommands and suggests the closest one when mistyped", async () => {
  const seen: string[][] = [];
  const group = defineGroup("things", "Do things", [
    fakeCommand("verify", (ctx) => {
      seen.push([...ctx.argv]);
      return Promise.resolve(0);
    }),
  ]);
  const ok = await inProcess(["things", "verify", "a", "--", "--help"], [group]);
  assert.deepEqual(ok.code, 0);
  assert.deepEqual(seen, [["a", "--", "--help"]]);
  const bad = await inProcess(["things", "verfy"], [group]);
  assert.deepEqual(bad.code, 2);
  assert.match(bad.stderr, /did you mean verify\?/);
  const none = await inProcess(["things"], [group]);
  assert.deepEqual(none.code, 2);
  assert.match(none.stderr, /Subcommands:\n {2}verify/);
});

Deno.test("cli exits 1 with the cause chain and no stack unless --debug when a command fails", async () => {
  const failing = fakeCommand("boom", () => {
    throw new Error("could not write the ledger", { cause: new Error("disk full") });
  });
  const r = await inProcess(["boom"], [failing]);
  assert.deepEqual(r.code, 1);
  assert.match(r.stderr, /error: could not write the ledger\n {2}caused by: disk full/);
  assert.ok(!r.stderr.includes("at "), "no stack without --debug");
  const d = await inProcess(["boom", "--debug"], [failing]);
  assert.deepEqual(d.code, 1);
  assert.match(d.stderr, /\n\s+at /);
});

Deno.test("cli passes a command's own exit code through", async () => {
  const verdict = fakeCommand("verdict", () => Promise.resolve(5));
  assert.deepEqual((await inProcess(["verdict"], [verdict])).code, 5);
});

Deno.test("parseCommandArgs rejects too many and too few positionals with exit-2 errors", () => {
  const spec = { options: { json: { type: "boolean" as const } }, positionals: { min: 1, max: 1 } };
  assert.deepEqual(parseCommandArgs(["d"], spec).positionals, ["d"]);
  let err: unknown;
  try {
    parseCommandArgs([], spec);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && err.name === "UsageError");
  try {
    parseCommandArgs(["a", "json"], spec);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error && /unexpected argument 'json'/.test(err.message));
});

Deno.test("parseCommandArgs says how to pass a negative value instead of Node's ambiguity message", () => {
  const spec = { options: { "energy-wh": { type: "string" as const } } };
  assert.throws(() => parseCommandArgs(["--energy-wh", "-5"], spec), (e: Error) => {
    assert.equal(e.name, "UsageError");
    assert.equal(e.message, "option --energy-wh needs a value");
    assert.match((e as Error & { hint: string }).hint, /--energy-wh=-VALUE/);
    return true;
  });
  assert.equal(parseCommandArgs(["--energy-wh=-5"], spec).values["energy-wh"], "-5");
});
