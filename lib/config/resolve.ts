/**
 * Pure config resolution: defaults, then the JSONC file text, then `CARBON_OPS_*` variables,
 * then flags, validated into a deeply frozen `Config`. No I/O here; `load.ts` reads the file.
 *
 * @module
 */

import { type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "../base/errors.ts";
import { closestMatches } from "../base/suggest.ts";
import { textPosition } from "../base/text_position.ts";
import { type Config, CONFIG_SCHEMA, type ConfigOverrides, type FieldSpec } from "./schema.ts";
import { checkText, checkValue } from "./validate.ts";

/**
 * Environment variables with a meaning of their own, not config keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESERVED_ENV, resolveConfig } from "./resolve.ts";
 * assert.ok(RESERVED_ENV.includes("CARBON_OPS_DEBUG"));
 * const config = resolveConfig({ fileText: null, env: { CARBON_OPS_DEBUG: "1" } });
 * assert.equal(config.governor.intervalMs, 100);
 * ```
 */
export const RESERVED_ENV = ["CARBON_OPS_CONFIG", "CARBON_OPS_DEBUG"] as const;

const SECTIONS = CONFIG_SCHEMA as unknown as Record<string, Record<string, FieldSpec>>;

/**
 * The environment variable for a config key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envName } from "./resolve.ts";
 * assert.equal(envName("governor", "intervalMs"), "CARBON_OPS_GOVERNOR_INTERVAL_MS");
 * ```
 */
export function envName(section: string, key: string): string {
  return `CARBON_OPS_${section.toUpperCase()}_${key.replace(/([A-Z])/g, "_$1").toUpperCase()}`;
}

/**
 * The command-line flag conventionally used for a config key (`intervalMs` is `--interval-ms`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagName } from "./resolve.ts";
 * assert.equal(flagName("intervalMs"), "--interval-ms");
 * ```
 */
export function flagName(key: string): string {
  return `--${key.replace(/([A-Z])/g, "-$1").toLowerCase()}`;
}

/**
 * Inputs to `resolveConfig`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { type ResolveInput, resolveConfig } from "./resolve.ts";
 * const input: ResolveInput = {
 *   fileText: '{ "governor": { "intervalMS": 50 } }',
 *   filePath: "/etc/carbon-ops/config.jsonc",
 * };
 * assert.throws(() => resolveConfig(input), (e: unknown) => {
 *   assert.ok(e instanceof ConfigError);
 *   assert.match(e.message, /config\.jsonc/);
 *   assert.match(e.message, /intervalMs/);
 *   return true;
 * });
 * ```
 */
export interface ResolveInput {
  /** Text of the JSONC config file, or null when there is none. */
  readonly fileText: string | null;
  /** Path of that file, used in error messages (default "config"). */
  readonly filePath?: string;
  /** Environment variables (default none). */
  readonly env?: Readonly<Record<string, string>>;
  /** Flag overrides from the command line (default none). */
  readonly flags?: ConfigOverrides;
}

function nodeValue(node: Node): unknown {
  if (node.type === "array") return (node.children ?? []).map(nodeValue);
  if (node.type === "object") {
    return Object.fromEntries(
      (node.children ?? []).map((p) => [p.children?.[0].value, nodeValue(p.children![1])]),
    );
  }
  return node.value;
}

function applyFile(values: Record<string, Record<string, unknown>>, text: string, path: string) {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const at = (offset: number, problem: string, key?: string) =>
    new ConfigError(problem, { source: path, ...textPosition(text, offset), key });
  if (errors.length > 0) {
    const e = errors[0];
    throw at(e.offset, `invalid JSONC (${printParseErrorCode(e.error)}); fix the syntax there`);
  }
  if (!root || root.type !== "object") {
    throw at(root?.offset ?? 0, "expected a JSON object at the top level");
  }
  const seenSections = new Set<string>();
  for (const prop of root.children ?? []) {
    const [keyNode, valueNode] = prop.children ?? [];
    const section = String(keyNode.value);
    if (seenSections.has(section)) throw at(keyNode.offset, `duplicate section "${section}"`);
    seenSections.add(section);
    const schema = SECTIONS[section];
    if (!schema) {
      const near = closestMatches(section, Object.keys(SECTIONS));
      throw at(
        keyNode.offset,
        `unknown section "${section}"${near.length ? `; did you mean "${near[0]}"?` : ""} (known: ${
          Object.keys(SECTIONS).join(", ")
        })`,
      );
    }
    if (!valueNode || valueNode.type !== "object") {
      throw at(valueNode?.offset ?? prop.offset, `section "${section}" must be an object`);
    }
    const seen = new Set<string>();
    for (const field of valueNode.children ?? []) {
      const [fk, fv] = field.children ?? [];
      const key = String(fk.value);
      const dotted = `${section}.${key}`;
      if (seen.has(key)) throw at(fk.offset, `duplicate key "${key}"`, dotted);
      seen.add(key);
      const spec = schema[key];
      if (!spec) {
        const near = closestMatches(key, Object.keys(schema));
        const elsewhere = Object.entries(SECTIONS).find(([s, f]) => s !== section && key in f);
        const hint = near.length
          ? `; did you mean "${near[0]}"?`
          : elsewhere
          ? `; it belongs in section "${elsewhere[0]}"`
          : "";
        throw at(fk.offset, `unknown key "${key}"${hint}`, dotted);
      }
      const checked = checkValue(spec, nodeValue(fv));
      if (!checked.ok) {
        throw at(
          fv.offset,
          `expected ${checked.expected}, got ${
            text.slice(fv.offset, fv.offset + Math.min(fv.length, 40))
          }`,
          dotted,
        );
      }
      values[section][key] = checked.value;
    }
  }
}

function applyEnv(
  values: Record<string, Record<string, unknown>>,
  env: Readonly<Record<string, string>>,
) {
  const known = new Map<string, [string, string]>();
  for (const [section, fields] of Object.entries(SECTIONS)) {
    for (const key of Object.keys(fields)) known.set(envName(section, key), [section, key]);
  }
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith("CARBON_OPS_") || (RESERVED_ENV as readonly string[]).includes(name)) {
      continue;
    }
    // An empty variable is unset, for every key (`FOO= cmd` must not change or break anything).
    if (text === "") continue;
    const target = known.get(name);
    if (!target) {
      const near = closestMatches(name, [...known.keys(), ...RESERVED_ENV], { maxDistance: 4 });
      throw new ConfigError(
        `unknown variable${near.length ? `; did you mean ${near[0]}?` : "; unset it"}`,
        { source: name },
      );
    }
    const [section, key] = target;
    const spec = SECTIONS[section][key];
    if (spec.fileOnly) {
      throw new ConfigError(
        `${section}.${key} is a security setting and can only be set in the config file; unset ${name}`,
        { source: name },
      );
    }
    const checked = checkText(spec, text);
    if (!checked.ok) {
      throw new ConfigError(`expected ${checked.expected}, got '${text}'`, {
        source: name,
        key: `${section}.${key}`,
      });
    }
    values[section][key] = checked.value;
  }
}

function applyFlags(values: Record<string, Record<string, unknown>>, flags: ConfigOverrides) {
  for (
    const [section, fields] of Object.entries(
      flags as Record<string, Record<string, unknown> | undefined>,
    )
  ) {
    if (!fields) continue;
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const spec = SECTIONS[section]?.[key];
      if (!spec) throw new TypeError(`internal: flag maps to unknown config key ${section}.${key}`);
      if (spec.fileOnly) {
        throw new ConfigError(
          `${section}.${key} is a security setting; set it in the config file instead`,
          { source: flagName(key) },
        );
      }
      const checked = checkValue(spec, value);
      if (!checked.ok) {
        throw new ConfigError(`expected ${checked.expected}`, {
          source: flagName(key),
          key: `${section}.${key}`,
        });
      }
      values[section][key] = checked.value;
    }
  }
}

/**
 * Resolves the layers into a frozen `Config`. Throws `ConfigError` naming the file with line and
 * column, the variable, or the flag, with what is expected and the closest known key. A
 * `CARBON_OPS_*` variable set to the empty string counts as unset; numbers in variables are plain
 * decimal only (see `checkText`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConfig } from "./resolve.ts";
 * const config = resolveConfig({
 *   fileText: '{ "governor": { "intervalMs": 50 } }',
 *   env: { CARBON_OPS_CARBON_REGION: "FR" },
 * });
 * assert.equal(config.governor.intervalMs, 50);
 * assert.equal(config.carbon.region, "FR");
 * const unset = resolveConfig({ fileText: null, env: { CARBON_OPS_GOVERNOR_INTERVAL_MS: "" } });
 * assert.equal(unset.governor.intervalMs, 100);
 * ```
 */
export function resolveConfig(input: ResolveInput): Config {
  const values: Record<string, Record<string, unknown>> = {};
  for (const [section, fields] of Object.entries(SECTIONS)) {
    values[section] = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.default]));
  }
  if (input.fileText !== null) applyFile(values, input.fileText, input.filePath ?? "config");
  applyEnv(values, input.env ?? {});
  applyFlags(values, input.flags ?? {});
  for (const section of Object.values(values)) Object.freeze(section);
  return Object.freeze(values) as unknown as Config;
}
