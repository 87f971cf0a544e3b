/**
 * The contract every `carbon-ops` command implements. Commands are registered in
 * `lib/cli/registry.ts`; `main.ts` runs them through `runCli` and is the only place that exits.
 *
 * @module
 */

import type { TextSink } from "../base/text_sink.ts";
import type { Config, ConfigOverrides } from "../config/schema.ts";

/** What a command gets from the shell: its arguments, output, environment and config. */
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
 * and "did you mean" for unknown subcommands handled by `runCli`.
 *
 * @example
 * ```ts
 * import { defineGroup } from "./command.ts";
 * const group = defineGroup("keys", "Manage signing keys", []);
 * console.log(group.subcommands.length);
 * ```
 */
export function defineGroup(
  name: string,
  summary: string,
  subcommands: readonly Command[],
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
 * A registry entry: the name and summary shown in `carbon-ops --help`, and how to load the
 * command when it is used (so unused commands' modules are never loaded).
 */
export interface CommandEntry {
  /** Name on the command line. */
  readonly name: string;
  /** One line for the command list (must equal the loaded command's summary). */
  readonly summary: string;
  /** Loads the command or group. */
  load(): Promise<Command | CommandGroup>;
}

/** A command made of subcommands. */
export interface CommandGroup {
  /** Name on the command line. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** `--help` text listing the subcommands. */
  readonly help: string;
  /** The subcommands, in the order shown in help. */
  readonly subcommands: readonly Command[];
}

/**
 * A stub-free way to write JSON to a sink: pretty-printed with a trailing newline.
 *
 * @example
 * ```ts
 * import { writeJson } from "./command.ts";
 * writeJson({ write: (t) => console.log(t.trim()) }, { ok: true });
 * ```
 */
export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v, 2) + "\n");
}
