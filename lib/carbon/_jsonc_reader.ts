/**
 * A small validating reader over a jsonc-parser tree (private): every failure is a
 * `ConfigError` at file:line:col naming the key, what was found and what is expected.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import { ConfigError } from "../base/errors.ts";
import { closestMatches } from "../base/suggest.ts";
import { textPosition } from "../base/text_position.ts";

/**
 * Reads typed values out of a parse tree of `text` (from `path`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTree } from "jsonc-parser";
 * import { ConfigError } from "../base/errors.ts";
 * import { Reader } from "./_jsonc_reader.ts";
 * const text = '{ "pue": 1.3, "note": "" }';
 * const r = new Reader(text, "f.jsonc");
 * const top = r.object(parseTree(text)!, "(top level)");
 * assert.equal(r.number(top.get("pue")!.value, "pue", 1, 3), 1.3);
 * assert.throws(() => r.string(top.get("note")!.value, "note"), ConfigError);
 * ```
 */
export class Reader {
  constructor(readonly text: string, readonly path: string) {}
  fail(node: Node | undefined, problem: string, key?: string): never {
    const { line, column } = textPosition(this.text, node?.offset ?? 0);
    throw new ConfigError(problem, { source: this.path, line, column, ...(key ? { key } : {}) });
  }
  object(node: Node, key: string): Map<string, { keyNode: Node; value: Node }> {
    if (node.type !== "object") this.fail(node, `expected an object, found ${node.type}`, key);
    const out = new Map<string, { keyNode: Node; value: Node }>();
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      const name = String(k?.value);
      if (out.has(name)) this.fail(k, `duplicate key "${name}"`, key);
      if (k && v) out.set(name, { keyNode: k, value: v });
    }
    return out;
  }
  allowOnly(
    obj: Map<string, { keyNode: Node }>,
    allowed: readonly string[],
    key: string,
  ): void {
    for (const [name, { keyNode }] of obj) {
      if (allowed.includes(name)) continue;
      const close = closestMatches(name, allowed);
      this.fail(
        keyNode,
        `unknown field "${name}"${close.length ? ` (did you mean "${close[0]}"?)` : ""}; ` +
          `allowed: ${allowed.join(", ")}`,
        key,
      );
    }
  }
  number(node: Node, key: string, min: number, max: number, integer = false): number {
    const v = node.value;
    if (node.type !== "number" || typeof v !== "number" || !Number.isFinite(v)) {
      this.fail(node, `expected a number${integer ? " (integer)" : ""}, found ${node.type}`, key);
    }
    if (integer && !Number.isInteger(v)) this.fail(node, `expected an integer, found ${v}`, key);
    if (v < min || v > max) this.fail(node, `expected ${min} <= value <= ${max}, found ${v}`, key);
    return v;
  }
  string(node: Node, key: string, re?: RegExp, what = "a non-empty string"): string {
    if (node.type !== "string" || typeof node.value !== "string" || node.value.trim() === "") {
      this.fail(node, `expected ${what}, found ${node.type === "string" ? '""' : node.type}`, key);
    }
    if (re && !re.test(node.value)) this.fail(node, `expected ${what}, found "${node.value}"`, key);
    return node.value;
  }
  oneOf<T extends string>(node: Node, key: string, values: readonly T[]): T {
    const v = this.string(node, key);
    if (!(values as readonly string[]).includes(v)) {
      this.fail(node, `expected one of ${values.join(", ")}, found "${v}"`, key);
    }
    return v as T;
  }
  year(node: Node, key: string): number | null {
    if (node.type === "null") return null;
    return this.number(node, key, 1990, 2100, true);
  }
}

/**
 * The value node of a required field, or a failure naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTree } from "jsonc-parser";
 * import { Reader, required } from "./_jsonc_reader.ts";
 * const text = '{ "pue": 1.3 }';
 * const r = new Reader(text, "f.jsonc");
 * const root = parseTree(text)!;
 * const top = r.object(root, "p");
 * assert.equal(required(r, top, "pue", root, "p").value, 1.3);
 * assert.throws(() => required(r, top, "source", root, "p"), /missing required field "source"/);
 * ```
 */
export function required(
  r: Reader,
  obj: Map<string, { keyNode: Node; value: Node }>,
  name: string,
  at: Node,
  key: string,
): Node {
  const got = obj.get(name);
  if (!got) r.fail(at, `missing required field "${name}"`, key);
  return got.value;
}
