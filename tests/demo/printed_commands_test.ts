/**
 * Every `carbon-ops ...` command the demos print (in their output and in their --help examples)
 * runs as printed, through the installed command (`deno task install`), with exit 0.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../../main.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { sharedInstall } from "../_kit/installed_command.ts";

const dec = new TextDecoder();

/** `text` quoted for bash. */
function q(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The commands in `output`: from each `carbon-ops NAME` whose NAME is a command of the program
 * to the end of its line. Usage lines are synopses (`[--flag X]`), not commands.
 */
function printedCommands(output: string): string[] {
  const names = COMMANDS.map((c) => c.name).join("|");
  const re = new RegExp(`(?:^|[\\s:])(carbon-ops (?:${names})\\b.*)$`);
  const out: string[] = [];
  for (const line of output.split("\n")) {
    if (/^\s*Usage:/.test(line)) continue;
    const m = re.exec(line);
    if (m) out.push(m[1].trim());
  }
  return out;
}

async function bash(script: string, cwd: string, bin: string) {
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    cwd,
    clearEnv: true,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: cwd,
      NO_COLOR: "1",
      CARBON_OPS_CONFIG: "",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("printedCommands finds commands after a label and skips prose and usage lines", () => {
  const text = [
    "carbon-ops pipeline demo on embedded defaults (no RAPL needed); files in /tmp/x",
    "[7/7] verification: carbon-ops verify: valid (exit 0)",
    "Verify again: carbon-ops ledger verify /tmp/x/ledger --trust /tmp/x/trust.json",
    "Usage: carbon-ops demo aliasing [--power-w W]",
    "  carbon-ops demo aliasing --duration 60",
  ].join("\n");
  assert.deepEqual(printedCommands(text), [
    "carbon-ops ledger verify /tmp/x/ledger --trust /tmp/x/trust.json",
    "carbon-ops demo aliasing --duration 60",
  ]);
});

Deno.test("every carbon-ops command the demos print runs as printed through the installed command", async () => {
  const bin = await sharedInstall();
  await using scratch = await tempDir("carbon-ops-printed-");
  // A directory name a shell would split or mangle if the demo printed it unquoted.
  const demoDir = scratch.join("demo dir's");
  const runs = [
    `carbon-ops demo pipeline --dir ${q(demoDir)} --workload-s 0.5`,
    "carbon-ops demo pipeline --help",
    "carbon-ops demo aliasing --duration 30",
    "carbon-ops demo aliasing --help",
  ];
  const printed: string[] = [];
  for (const run of runs) {
    const r = await bash(run, scratch.path, bin);
    assert.equal(r.code, 0, `${run}\n${r.text}`);
    printed.push(...printedCommands(r.text));
  }
  assert.ok(
    printed.some((c) => c.startsWith("carbon-ops ledger verify ")),
    `the pipeline demo prints its verify command:\n${printed.join("\n")}`,
  );
  assert.ok(printed.some((c) => c.startsWith("carbon-ops demo aliasing ")), printed.join("\n"));
  for (const command of printed) {
    const r = await bash(command, scratch.path, bin);
    assert.equal(r.code, 0, `printed command failed: ${command}\n${r.text}`);
  }
});
