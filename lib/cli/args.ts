/**
 * Option parsing for commands on top of `node:util` `parseArgs`, turning its errors into
 * `UsageError`s with "did you mean" suggestions.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "../base/errors.ts";
import { didYouMean } from "../base/suggest.ts";

/** One option: `--name VALUE` (string) or `--name` (boolean), optionally repeatable. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` does not. */
  readonly type: "string" | "boolean";
  /** One-letter alias. */
  readonly short?: string;
  /** May be given more than once (values collected in an array). */
  readonly multiple?: boolean;
}

/** The options of one command by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S["type"] extends "string"
  ? (S["multiple"] extends true ? string[] : string)
  : (S["multiple"] extends true ? boolean[] : boolean);

/** Parsed values: each option is `undefined` when not given. */
export type ParsedValues<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

/** Result of `parseCommandArgs`. */
export interface ParsedArgs<O extends OptionSpecs> {
  /** Option values by long name. */
  readonly values: ParsedValues<O>;
  /** Positional arguments (everything after `--` included, in order). */
  readonly positionals: string[];
}

/**
 * Parses `argv` against `options`. Unknown options and missing values throw `UsageError` with a
 * suggestion and the command's `usage` line; so does a positional count outside `min..max`.
 *
 * @param argv Arguments after the command name.
 * @param options Option specs, plus `positionals` (`{min, max}`, default `{min: 0, max: 0}`) and
 *   `usage` (default none), the usage line shown with errors.
 * @example
 * ```ts
 * import { parseCommandArgs } from "./args.ts";
 * const { values, positionals } = parseCommandArgs(["--json", "dir"], {
 *   options: { json: { type: "boolean" } },
 *   positionals: { min: 1, max: 1 },
 * });
 * console.log(values.json, positionals);
 * ```
 */
export function parseCommandArgs<O extends OptionSpecs>(
  argv: readonly string[],
  spec: { options: O; positionals?: { min: number; max: number }; usage?: string },
): ParsedArgs<O> {
  const usage = spec.usage;
  const known = Object.keys(spec.options).map((n) => `--${n}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: spec.options as unknown as Record<string, OptionSpec>,
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      const word = unknown[1].split("=")[0];
      throw new UsageError(`unknown option ${word}`, { hint: didYouMean(word, known), usage });
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
    if (missing) throw new UsageError(`option ${missing[1]} needs a value`, { usage });
    const ambiguous = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous) {
      const flag = ambiguous[1];
      throw new UsageError(`option ${flag} needs a value`, {
        usage,
        hint: `a value starting with '-' must be attached: ${flag}=-VALUE`,
      });
    }
    throw new UsageError(message.replace(/\. To specify.*$/s, ""), { usage, cause: err });
  }
  const positionals = parsed.positionals;
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  if (positionals.length < min) {
    throw new UsageError(`missing argument (expected at least ${min}, got ${positionals.length})`, {
      usage,
    });
  }
  if (positionals.length > max) {
    const extra = positionals[max];
    const hint = extra.startsWith("-") ? undefined : didYouMean(`--${extra}`, known);
    throw new UsageError(`unexpected argument '${extra}'`, { usage, hint });
  }
  return { values: parsed.values as ParsedValues<O>, positionals };
}

/**
 * Reads a numeric option, throwing `UsageError` that names the option and the allowed range.
 *
 * @example
 * ```ts
 * import { numberOption } from "./args.ts";
 * console.log(numberOption("100", "--interval-ms", { min: 1, integer: true })); // 100
 * ```
 */
export function numberOption(
  raw: string,
  flag: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = Number(raw);
  const kind = range.integer ? "an integer" : "a number";
  const bounds = [
    range.min === undefined ? "" : ` >= ${range.min}`,
    range.max === undefined ? "" : ` <= ${range.max}`,
  ].filter(Boolean).join(" and");
  if (raw.trim() === "" || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects ${kind}${bounds}, got '${raw}'`);
  }
  if (
    (range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)
  ) {
    throw new UsageError(`${flag} must be${bounds}, got ${raw}`);
  }
  return value;
}
