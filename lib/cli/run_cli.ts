/**
 * The CLI shell: global options, command lookup with "did you mean", `--help`, and turning
 * errors into exit codes. Returns the exit code; only `main.ts` exits.
 *
 * @module
 */

import type { TextSink } from "../base/text_sink.ts";
import type { Config, ConfigOverrides } from "../config/schema.ts";
import { ConfigError, UsageError } from "../base/errors.ts";
import { didYouMean } from "../base/suggest.ts";
import { VERSION } from "../base/version.ts";
import type { Command, CommandContext, CommandEntry, CommandGroup } from "./command.ts";

/**
 * Options of `runCli`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIBRARY_COMMANDS } from "./registry.ts";
 * import { runCli, type RunCliOptions } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * const stderr = bufferSink();
 * const options: RunCliOptions = { commands: LIBRARY_COMMANDS, stdout: bufferSink(), stderr, env: {} };
 * assert.equal(await runCli(["regins"], options), 2);
 * assert.match(stderr.text(), /did you mean regions\?/);
 * ```
 */
export interface RunCliOptions {
  /** Standard output sink. */
  readonly stdout: TextSink;
  /** Standard error sink. */
  readonly stderr: TextSink;
  /** Environment (default: empty). */
  readonly env?: Readonly<Record<string, string>>;
  /** Command table (`COMMANDS` in `main.ts` is the program's); entries are loaded when used. */
  readonly commands: readonly (Command | CommandGroup | CommandEntry)[];
}

const GLOBAL_HELP = `Global options (anywhere before a lone --):
  --config FILE   JSONC config file (default /etc/carbon-ops/config.jsonc when present;
                  also CARBON_OPS_CONFIG; CARBON_OPS_CONFIG="" means none)
  --debug         print stack traces and causes in full
  -h, --help      show help (also after any command)
  -V, --version   print the version

Exit codes: 0 ok, 1 failure, 2 usage or configuration error; 'ledger verify' adds 3 (inconsistent
with a checkpoint), 4 (trust problem), 5 (only a torn last line); 'governor' exits 3 when the
machine has no RAPL (do not restart).`;

function programHelp(commands: readonly { name: string; summary: string }[]): string {
  const width = Math.max(8, ...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n");
  return `carbon-ops ${VERSION}: measured energy, honest carbon estimates, verifiable ledgers.

Usage: carbon-ops <command> [options]

Commands:
${list || "  (none registered)"}

${GLOBAL_HELP}

Run 'carbon-ops <command> --help' for a command's options.
`;
}

function isGroup(c: Command | CommandGroup): c is CommandGroup {
  return "subcommands" in c;
}

/**
 * Loads the configuration and runs the whole-configuration checks. The config code (the schema,
 * the JSONC parser, the provider checks) is imported here, when a command first asks, so a
 * command that never reads the configuration (`ledger append`, `--help`) starts without it.
 */
async function loadCheckedConfig(
  configPath: string | undefined,
  env: Readonly<Record<string, string>>,
  flags: ConfigOverrides | undefined,
): Promise<Config> {
  const [{ loadConfig }, { checkConfig, checkProviderConfig }] = await Promise.all([
    import("../config/load.ts"),
    import("./config_checks.ts"),
  ]);
  return checkProviderConfig(checkConfig(await loadConfig({ configPath, env, flags })));
}

function load<T extends Command | CommandGroup>(c: T | CommandEntry<T>): Promise<T> {
  return "load" in c ? c.load() : Promise.resolve(c);
}

/** Splits global options out of argv (up to a lone `--`); `--config` may be given once. */
function splitGlobals(argv: readonly string[]) {
  const rest: string[] = [];
  let configPath: string | undefined;
  let debug = false;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--debug") debug = true;
    else if (a === "--help" || a === "-h") help = true;
    else if ((a === "--version" || a === "-V") && rest.length === 0) version = true;
    else if (a === "--config" || a.startsWith("--config=")) {
      if (configPath !== undefined) {
        throw new UsageError("option --config was given more than once; it takes one file", {
          hint: "give --config once",
        });
      }
      if (a === "--config") {
        if (i + 1 >= argv.length) throw new UsageError("option --config needs a value");
        configPath = argv[++i];
      } else configPath = a.slice("--config=".length);
    } else rest.push(a);
  }
  return { rest, configPath, debug, help, version };
}

function lookup<T extends { name: string }>(name: string, table: readonly T[], what: string): T {
  const found = table.find((c) => c.name === name);
  if (found) return found;
  throw new UsageError(`unknown ${what} '${name}'`, {
    hint: didYouMean(name, table.map((c) => c.name)),
  });
}

function describeError(err: unknown, debug: boolean): string {
  const lines: string[] = [];
  let cur: unknown = err;
  let depth = 0;
  while (cur !== undefined && cur !== null && depth < 8) {
    const msg = cur instanceof Error ? cur.message : String(cur);
    lines.push(depth === 0 ? `carbon-ops: error: ${msg}` : `  caused by: ${msg}`);
    if (debug && cur instanceof Error && cur.stack) lines.push(cur.stack.replace(/^/gm, "    "));
    cur = cur instanceof Error ? cur.cause : undefined;
    depth++;
  }
  return lines.join("\n") + "\n";
}

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage/config error, or a
 * command's documented verdict code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "../base/version.ts";
 * import { runCli } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * const out = bufferSink();
 * const code = await runCli(["--version"], { commands: [], stdout: out, stderr: bufferSink() });
 * assert.equal(code, 0);
 * assert.equal(out.text(), `carbon-ops ${VERSION}\n`);
 * ```
 */
export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<number> {
  const { stdout, stderr } = options;
  const env = options.env ?? {};
  const commands = options.commands;
  let debug = env.CARBON_OPS_DEBUG === "1";
  let usage: string | undefined;
  try {
    const g = splitGlobals(argv);
    debug ||= g.debug;
    if (g.version) {
      stdout.write(`carbon-ops ${VERSION}\n`);
      return 0;
    }
    const [name, ...args] = g.rest;
    if (name === undefined || name === "help") {
      const target = name === "help" ? args[0] : undefined;
      if (target === undefined) {
        (g.help || name === "help" ? stdout : stderr).write(programHelp(commands));
        return g.help || name === "help" ? 0 : 2;
      }
      stdout.write((await load(lookup(target, commands, "command"))).help);
      return 0;
    }
    let command: Command | CommandGroup = await load(lookup(name, commands, "command"));
    let argvForCommand = args;
    if (isGroup(command)) {
      const [sub, ...subArgs] = args;
      if (sub === undefined || sub === "--") {
        (g.help ? stdout : stderr).write(command.help);
        return g.help ? 0 : 2;
      }
      usage = `carbon-ops ${command.name} <subcommand>`;
      command = await load(lookup(sub, command.subcommands, `${command.name} subcommand`));
      argvForCommand = subArgs;
    }
    if (g.help) {
      stdout.write(command.help);
      return 0;
    }
    usage = command.help.split("\n").find((l) => l.startsWith("Usage:"))?.slice(7);
    // Every command, `config` included, gets a configuration that passed the same checks.
    let config: Promise<Config> | undefined;
    const ctx: CommandContext = {
      argv: argvForCommand,
      stdout,
      stderr,
      env,
      debug,
      loadConfig: (flags?: ConfigOverrides) =>
        config ??= loadCheckedConfig(g.configPath, env, flags),
      reloadConfig: (flags?: ConfigOverrides) => loadCheckedConfig(g.configPath, env, flags),
    };
    return await command.run(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      const lines = [`carbon-ops: error: ${err.message}`];
      if (err.hint) lines.push(`  ${err.hint}`);
      const u = err.usage ?? usage;
      if (u) lines.push(`usage: ${u.replace(/^Usage:\s*/, "")}`);
      lines.push("Run with --help for details.");
      stderr.write(lines.join("\n") + "\n");
      return 2;
    }
    if (err instanceof ConfigError) {
      stderr.write(describeError(err, debug));
      return 2;
    }
    stderr.write(describeError(err, debug));
    if (!debug) stderr.write("  (run with --debug for a stack trace)\n");
    return 1;
  }
}
