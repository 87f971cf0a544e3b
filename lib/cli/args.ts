/**
 * Option parsing for commands with the rules of `node:util` `parseArgs` in strict mode (long and
 * short options, `--name=value`, `-abc` groups, `--` ending options), its errors turned into
 * `UsageError`s with "did you mean" suggestions. It does not import `node:util`: that module
 * alone costs a fifth of an empty `deno run` at start-up (Node compatibility initialisation), and
 * every command parses its options.
 *
 * @module
 */

import { DECIMAL_NUMBER_FORM, parseDecimalNumber } from "../base/decimal_number.ts";
import { UsageError } from "../base/errors.ts";
import { didYouMean } from "../base/suggest.ts";

/**
 * One option: `--name VALUE` (string) or `--name` (boolean), optionally repeatable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OptionSpec, parseCommandArgs } from "./args.ts";
 * const label: OptionSpec = { type: "string", short: "l", multiple: true };
 * const { values } = parseCommandArgs(["-l", "a=1", "--label", "b=2"], { options: { label } });
 * assert.deepEqual(values.label, ["a=1", "b=2"]);
 * ```
 */
export interface OptionSpec {
  /** `string` takes a value, `boolean` does not. */
  readonly type: "string" | "boolean";
  /** One-letter alias. */
  readonly short?: string;
  /** May be given more than once (values collected in an array). */
  readonly multiple?: boolean;
}

/**
 * The options of one command by long name (without `--`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OptionSpecs, parseCommandArgs } from "./args.ts";
 * const options = { json: { type: "boolean" }, out: { type: "string" } } as const satisfies OptionSpecs;
 * assert.equal(parseCommandArgs(["--out", "x.html"], { options }).values.out, "x.html");
 * ```
 */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S["type"] extends "string"
  ? (S["multiple"] extends true ? string[] : string)
  : (S["multiple"] extends true ? boolean[] : boolean);

/**
 * Parsed values: each option is `undefined` when not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs, type ParsedValues } from "./args.ts";
 * const options = { json: { type: "boolean" } } as const;
 * const values: ParsedValues<typeof options> = parseCommandArgs([], { options }).values;
 * assert.equal(values.json, undefined);
 * ```
 */
export type ParsedValues<O extends OptionSpecs> = { -readonly [K in keyof O]?: ValueOf<O[K]> };

/**
 * Result of `parseCommandArgs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ParsedArgs, parseCommandArgs } from "./args.ts";
 * const options = { json: { type: "boolean" } } as const;
 * const parsed: ParsedArgs<typeof options> = parseCommandArgs(["a", "--", "--json"], {
 *   options,
 *   positionals: { min: 0, max: 2 },
 * });
 * assert.deepEqual(parsed.positionals, ["a", "--json"]);
 * assert.equal(parsed.values.json, undefined);
 * ```
 */
export interface ParsedArgs<O extends OptionSpecs> {
  /** Option values by long name. */
  readonly values: ParsedValues<O>;
  /** Positional arguments (everything after `--` included, in order). */
  readonly positionals: string[];
}

/**
 * Parses `argv` against `options`. Unknown options and missing values throw `UsageError` with a
 * suggestion and the command's `usage` line; so does a positional count outside `min..max`, and a
 * single-value option (`type: "string"` without `multiple`) given more than once, since keeping
 * only the last of two values would silently drop one.
 *
 * @param argv Arguments after the command name.
 * @param options Option specs, plus `positionals` (`{min, max}`, default `{min: 0, max: 0}`) and
 *   `usage` (default none), the usage line shown with errors.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "../base/errors.ts";
 * import { parseCommandArgs } from "./args.ts";
 * const spec = { options: { json: { type: "boolean" } }, positionals: { min: 1, max: 1 } } as const;
 * const { values, positionals } = parseCommandArgs(["--json", "dir"], spec);
 * assert.equal(values.json, true);
 * assert.deepEqual(positionals, ["dir"]);
 * assert.throws(() => parseCommandArgs(["--jsn", "dir"], spec), UsageError);
 * const out = { options: { out: { type: "string" } } } as const;
 * assert.throws(() => parseCommandArgs(["--out", "a", "--out=b"], out), /--out was given 2 times/);
 * ```
 */
export function parseCommandArgs<O extends OptionSpecs>(
  argv: readonly string[],
  spec: { options: O; positionals?: { min: number; max: number }; usage?: string },
): ParsedArgs<O> {
  const usage = spec.usage;
  const known = Object.keys(spec.options).map((n) => `--${n}`);
  const tokens = tokenize(argv, spec.options);
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  const counts = new Map<string, number>();
  for (const t of tokens) {
    if (t.kind === "positional") {
      positionals.push(t.value);
      continue;
    }
    const option = Object.hasOwn(spec.options, t.name) ? spec.options[t.name] : undefined;
    const flag = `--${t.name}`;
    if (option === undefined) {
      throw new UsageError(`unknown option ${t.rawName}`, {
        hint: didYouMean(t.rawName, known),
        usage,
      });
    }
    if (option.type === "string") {
      if (t.value === undefined) throw new UsageError(`option ${flag} needs a value`, { usage });
      if (!t.inlineValue && t.value.length > 1 && t.value.startsWith("-")) {
        throw new UsageError(`option ${flag} needs a value`, {
          usage,
          hint: `a value starting with '-' must be attached: ${flag}=-VALUE`,
        });
      }
    } else if (t.value !== undefined) {
      throw new UsageError(`option ${flag} does not take a value`, { usage });
    }
    const value = option.type === "string" ? t.value as string : true;
    if (option.multiple) {
      const list = values[t.name];
      if (Array.isArray(list)) list.push(value);
      else values[t.name] = [value];
    } else values[t.name] = value;
    counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  }
  for (const [name, count] of counts) {
    const option = spec.options[name];
    if (count > 1 && option?.type === "string" && !option.multiple) {
      throw new UsageError(`option --${name} was given ${count} times; it takes one value`, {
        usage,
        hint: `give --${name} once (only list options such as --label may repeat)`,
      });
    }
  }
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
  return { values: values as ParsedValues<O>, positionals };
}

/** One argument, or one option with its value, as written. */
type Token =
  | { readonly kind: "positional"; readonly value: string }
  | {
    readonly kind: "option";
    /** Long name (a short option without a long name keeps its letter). */
    readonly name: string;
    /** As written: `--out`, `-o`. */
    readonly rawName: string;
    readonly value: string | undefined;
    /** The value was attached (`--out=x`, `-ox`), so it may start with `-`. */
    readonly inlineValue: boolean;
  };

/**
 * Splits `argv` the way `node:util` `parseArgs` does (`allowPositionals`): a string option takes
 * the next argument as its value whatever it looks like (the caller rejects a dash-led one that
 * was not attached), a boolean never does; `-abc` is `-a -b -c` unless `-a` takes a value, then it
 * is `-a bc`; `-` is a positional; everything after `--` is positional.
 */
function tokenize(argv: readonly string[], options: OptionSpecs): Token[] {
  const longOf = (letter: string): string =>
    Object.keys(options).find((name) => options[name].short === letter) ?? letter;
  const typeOf = (name: string): string | undefined =>
    Object.hasOwn(options, name) ? options[name].type : undefined;
  const out: Token[] = [];
  const rest = [...argv];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    if (arg === "--") {
      for (const p of rest) out.push({ kind: "positional", value: p });
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      if (eq >= 0) {
        out.push({
          kind: "option",
          name: arg.slice(2, eq),
          rawName: arg.slice(0, eq),
          value: arg.slice(eq + 1),
          inlineValue: true,
        });
        continue;
      }
      const name = arg.slice(2);
      const value = typeOf(name) === "string" && rest.length > 0 ? rest.shift() : undefined;
      out.push({ kind: "option", name, rawName: arg, value, inlineValue: false });
      continue;
    }
    if (arg.length < 2 || !arg.startsWith("-")) {
      out.push({ kind: "positional", value: arg });
      continue;
    }
    const name = longOf(arg[1]);
    if (arg.length === 2) {
      const value = typeOf(name) === "string" && rest.length > 0 ? rest.shift() : undefined;
      out.push({ kind: "option", name, rawName: arg, value, inlineValue: false });
    } else if (typeOf(name) === "string") {
      out.push({
        kind: "option",
        name,
        rawName: arg.slice(0, 2),
        value: arg.slice(2),
        inlineValue: true,
      });
    } else {
      rest.unshift(...[...arg.slice(1)].map((letter) => `-${letter}`));
    }
  }
  return out;
}

/**
 * Reads a numeric option, throwing `UsageError` that names the option and the allowed form and
 * range. Only plain decimal text is accepted (`parseDecimalNumber`): `0x10`, `0b1`, `0o7`, `1e3`,
 * `Infinity`, an empty value and surrounding spaces are refused, never read as some other number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "../base/errors.ts";
 * import { numberOption } from "./args.ts";
 * assert.equal(numberOption("100", "--interval-ms", { min: 1, integer: true }), 100);
 * assert.throws(() => numberOption("0", "--interval-ms", { min: 1, integer: true }), (e: unknown) => {
 *   assert.ok(e instanceof UsageError);
 *   assert.match(e.message, /--interval-ms must be >= 1, got 0/);
 *   return true;
 * });
 * assert.throws(() => numberOption("0x10", "--energy-wh", { min: 0 }), /--energy-wh expects a decimal number/);
 * ```
 */
export function numberOption(
  raw: string,
  flag: string,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const value = parseDecimalNumber(raw);
  const kind = range.integer ? "a decimal integer" : "a decimal number";
  const bounds = [
    range.min === undefined ? "" : ` >= ${range.min}`,
    range.max === undefined ? "" : ` <= ${range.max}`,
  ].filter(Boolean).join(" and");
  if (value === undefined || (range.integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects ${kind}${bounds}, got '${raw}'`, {
      hint: `write ${DECIMAL_NUMBER_FORM}`,
    });
  }
  if (
    (range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)
  ) {
    throw new UsageError(`${flag} must be${bounds}, got ${raw}`);
  }
  return value;
}

/**
 * A reader of the numeric options in parsed `values`: `num(name, range)` is
 * {@link numberOption} on `--name` when it was given, else undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberOptions } from "./args.ts";
 * const num = numberOptions({ "energy-wh": "1000", json: true });
 * assert.equal(num("energy-wh", { min: 0 }), 1000);
 * assert.equal(num("json"), undefined);
 * assert.throws(() => num("energy-wh", { max: 10 }), /--energy-wh must be <= 10/);
 * ```
 */
export function numberOptions<T extends Record<string, unknown>>(
  values: T,
): (name: keyof T & string, range?: { min?: number; max?: number; integer?: boolean }) =>
  | number
  | undefined {
  return (name, range = {}) => {
    const raw = values[name];
    return typeof raw === "string" ? numberOption(raw, `--${name}`, range) : undefined;
  };
}
