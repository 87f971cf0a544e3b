/**
 * Config resolution with a config file: defaults, then the JSONC file text, then `CARBON_OPS_*`
 * variables, then flags, validated into a deeply frozen `Config`. No I/O here; `load.ts` reads the
 * file. Without a file, `load.ts` calls `resolveLayers` (`resolve_layers.ts`), which does not load
 * the JSONC parser.
 *
 * @module
 */

import { type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "../base/errors.ts";
import { closestMatches } from "../base/suggest.ts";
import { textPosition } from "../base/text_position.ts";
import { type ConfigLayers, type LayerValues, resolveLayers } from "./resolve_layers.ts";
import { type Config, CONFIG_SCHEMA, type FieldSpec } from "./schema.ts";
import { checkValue } from "./validate.ts";

const SECTIONS = CONFIG_SCHEMA as unknown as Record<string, Record<string, FieldSpec>>;

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
export interface ResolveInput extends ConfigLayers {
  /** Text of the JSONC config file, or null when there is none. */
  readonly fileText: string | null;
  /** Path of that file, used in error messages (default "config"). */
  readonly filePath?: string;
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

function applyFile(values: LayerValues, text: string, path: string) {
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
  const { fileText } = input;
  return resolveLayers(
    input,
    fileText === null
      ? undefined
      : (values) => applyFile(values, fileText, input.filePath ?? "config"),
  );
}
