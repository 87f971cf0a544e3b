/**
 * The contract every `carbon-ops` command implements. Commands are registered in
 * `lib/cli/registry.ts`; `main.ts` runs them through `runCli` and is the only place that exits.
 *
 * @module
 */

import type { TextSink } from "../base/text_sink.ts";
import type { Config, ConfigOverrides } from "../config/schema.ts";

/**
 * What a command gets from the shell: its arguments, output, environment and config.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Command, CommandContext } from "./command.ts";
 * import { runCli } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * let seen: CommandContext | undefined;
 * const probe: Command = {
 *   name: "probe",
 *   summary: "Shows its context",
 *   help: "Usage: carbon-ops probe [ARG...]\n",
 *   run: (ctx) => {
 *     seen = ctx;
 *     return Promise.resolve(0);
 *   },
 * };
 * const out = bufferSink();
 * await runCli(["probe", "a", "b"], { commands: [probe], stdout: out, stderr: bufferSink(), env: { X: "1" } });
 * assert.deepEqual(seen?.argv, ["a", "b"]);
 * assert.equal(seen?.env.X, "1");
 * assert.equal(seen?.debug, false);
 * ```
 */
export interface CommandContext {
  /** Arguments after the command name (and after the subcommand name for groups). */
  readonly argv: readonly string[];
  /** Standard output: data (text or JSON). */
  readonly stdout: TextSink;
  /** Standard error: progress, warnings, diagnostics. */
  readonly stderr: TextSink;
  /** The process environment as seen by this run (a copy; tests inject their own). */
  readonly env: Readonly<Record<string, string>>;
  /** True when `--debug` was given: print stack traces and extra diagnostics. */
  readonly debug: boolean;
  /**
   * Loads the configuration once: defaults, then the JSONC file (`--config`,
   * `CARBON_OPS_CONFIG`, or `/etc/carbon-ops/config.jsonc` when present), then `CARBON_OPS_*`
   * environment variables, then `flags` (the command's own options mapped to config keys).
   * Later calls return the first result.
   */
  loadConfig(flags?: ConfigOverrides): Promise<Config>;
  /**
   * Loads the configuration again from the same file, environment and `flags`, bypassing the
   * first result: for daemons that re-read their config on SIGHUP.
   */
  reloadConfig(flags?: ConfigOverrides): Promise<Config>;
}

/**
 * A command: `carbon-ops <name> [options]`. `run` returns the exit code (0 ok, 1 failure,
 * command-specific documented codes such as the verifier's 3, 4, 5). Throwing `UsageError`
 * exits 2; any other error exits 1 with its message and cause chain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Command, writeJson } from "./command.ts";
 * import { runCli } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * const hello: Command = {
 *   name: "hello",
 *   summary: "Says hello",
 *   help: "Usage: carbon-ops hello\n",
 *   run: (ctx) => {
 *     writeJson(ctx.stdout, { hello: "world" });
 *     return Promise.resolve(0);
 *   },
 * };
 * const out = bufferSink();
 * assert.equal(await runCli(["hello"], { commands: [hello], stdout: out, stderr: bufferSink() }), 0);
 * assert.deepEqual(JSON.parse(out.text()), { hello: "world" });
 * ```
 */
export interface Command {
  /** Name on the command line, e.g. `governor` or, inside a group, `verify`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full `--help` text: usage line(s), description, options, exit codes, examples. */
  readonly help: string;
  /** Runs the command. `--help` is handled before this is called. */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * Builds a command that dispatches to subcommands (`carbon-ops ledger verify ...`), with `--help`
 * and "did you mean" for unknown subcommands handled by `runCli`. A subcommand may be given as
 * an entry (name, summary, `load`) so that only the subcommand that runs is loaded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineGroup } from "./command.ts";
 * const generate = {
 *   name: "generate",
 *   summary: "Create a key",
 *   help: "Usage: carbon-ops keys generate\n",
 *   run: () => Promise.resolve(0),
 * };
 * const rotate = {
 *   name: "rotate",
 *   summary: "Replace a key",
 *   load: () => Promise.resolve({ ...generate, name: "rotate", summary: "Replace a key" }),
 * };
 * const group = defineGroup("keys", "Manage signing keys", [generate, rotate]);
 * assert.equal(group.subcommands.length, 2);
 * assert.match(group.help, /^Usage: carbon-ops keys <subcommand> \[options\]/);
 * assert.match(group.help, /  generate  Create a key\n  rotate    Replace a key/);
 * ```
 */
export function defineGroup(
  name: string,
  summary: string,
  subcommands: readonly (Command | CommandEntry<Command>)[],
): CommandGroup {
  const width = Math.max(0, ...subcommands.map((c) => c.name.length)) + 2;
  const list = subcommands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n");
  return {
    name,
    summary,
    subcommands,
    help:
      `Usage: carbon-ops ${name} <subcommand> [options]\n\n${summary}\n\nSubcommands:\n${list}\n\n` +
      `Run 'carbon-ops ${name} <subcommand> --help' for the options of one subcommand.\n`,
  };
}

/**
 * A registry entry: the name and summary shown in `carbon-ops --help` (or in a group's help),
 * and how to load the command when it is used (so unused commands' modules are never loaded).
 * `T` is what `load` gives: a command or a group at the top level, a command inside a group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CommandEntry } from "./command.ts";
 * import { runCli } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * let loads = 0;
 * const entry: CommandEntry = {
 *   name: "noop",
 *   summary: "Does nothing",
 *   load: () => {
 *     loads++;
 *     const run = () => Promise.resolve(0);
 *     return Promise.resolve({ name: "noop", summary: "Does nothing", help: "Usage: noop\n", run });
 *   },
 * };
 * const sinks = { stdout: bufferSink(), stderr: bufferSink() };
 * await runCli(["--version"], { commands: [entry], ...sinks });
 * assert.equal(loads, 0);
 * assert.equal(await runCli(["noop"], { commands: [entry], ...sinks }), 0);
 * assert.equal(loads, 1);
 * ```
 */
export interface CommandEntry<T extends Command | CommandGroup = Command | CommandGroup> {
  /** Name on the command line. */
  readonly name: string;
  /** One line for the command list (must equal the loaded command's summary). */
  readonly summary: string;
  /** Loads the command or group. */
  load(): Promise<T>;
}

/**
 * A command made of subcommands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CommandGroup, defineGroup } from "./command.ts";
 * import { runCli } from "./run_cli.ts";
 * import { bufferSink } from "./sinks.ts";
 * const show = { name: "show", summary: "Show", help: "Usage: x show\n", run: () => Promise.resolve(3) };
 * const group: CommandGroup = defineGroup("x", "Example group", [show]);
 * const sinks = { stdout: bufferSink(), stderr: bufferSink() };
 * assert.equal(await runCli(["x", "show"], { commands: [group], ...sinks }), 3);
 * assert.equal(await runCli(["x", "shw"], { commands: [group], ...sinks }), 2);
 * assert.match(sinks.stderr.text(), /did you mean show\?/);
 * ```
 */
export interface CommandGroup {
  /** Name on the command line. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** `--help` text listing the subcommands. */
  readonly help: string;
  /** The subcommands, in the order shown in help; an entry is loaded when it runs. */
  readonly subcommands: readonly (Command | CommandEntry<Command>)[];
}

/**
 * A stub-free way to write JSON to a sink: pretty-printed with a trailing newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeJson } from "./command.ts";
 * import { bufferSink } from "./sinks.ts";
 * const sink = bufferSink();
 * writeJson(sink, { ok: true });
 * assert.equal(sink.text(), '{\n  "ok": true\n}\n');
 * ```
 */
export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v, 2) + "\n");
}
