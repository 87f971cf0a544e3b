/**
 * The tenant mapping file (`report --by label=KEY --tenants FILE`), for hosts without
 * Kubernetes namespaces or when tenants cut across them: JSONC, an ordered list of rules, each a
 * match on a cgroup path, a pod (`namespace/name`) or a pod UID and the labels it gives. The
 * first rule that matches a bucket and sets KEY wins. Strict: unknown fields are errors with the
 * closest field name, at file:line:column.
 *
 * ```jsonc
 * {
 *   "rules": [
 *     { "match": { "pod": "shop/*" }, "labels": { "tenant": "team-shop" } },
 *     { "match": { "cgroup": "system.slice/**" }, "labels": { "tenant": "platform" } }
 *   ]
 * }
 * ```
 *
 * @module
 */

import { type Node, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "../../base/errors.ts";
import { closestMatches } from "../../base/suggest.ts";
import { textPosition } from "../../base/text_position.ts";
import { CgroupPattern } from "./cgroup_patterns.ts";

/**
 * One rule: what it matches (exactly one of the three) and the labels it gives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TenantRule } from "./tenant_map.ts";
 * const r: TenantRule = { match: { kind: "pod", pattern: "shop/*" }, labels: { tenant: "a" } };
 * assert.equal(r.labels.tenant, "a");
 * ```
 */
export interface TenantRule {
  /**
   * `cgroup` and `pod` take the cgroup pattern syntax of `governor.workloadInclude` (`*` and `?`
   * within one path segment, `**` as a whole segment for any number of them); `podUid` is exact.
   */
  readonly match: { readonly kind: "cgroup" | "pod" | "podUid"; readonly pattern: string };
  /** Labels (name to value) the rule gives. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A parsed mapping file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTenantMap, type TenantMap } from "./tenant_map.ts";
 * const map: TenantMap = parseTenantMap('{ "rules": [] }', "t.jsonc");
 * assert.equal(map.rules.length, 0);
 * ```
 */
export interface TenantMap {
  /** File it came from. */
  readonly path: string;
  /** Rules in file order. */
  readonly rules: readonly TenantRule[];
}

/** Patterns compiled once, shared by every map that uses them. */
const compiled = new Map<string, CgroupPattern>();

function compiledPattern(pattern: string): CgroupPattern {
  let p = compiled.get(pattern);
  if (p === undefined) compiled.set(pattern, p = new CgroupPattern(pattern));
  return p;
}

const TOP = ["rules"];
const RULE = ["match", "labels"];
const MATCH = ["cgroup", "pod", "podUid"];
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

class Reader {
  constructor(readonly text: string, readonly path: string) {}
  fail(node: Node | undefined, problem: string, key: string): never {
    const { line, column } = textPosition(this.text, node?.offset ?? 0);
    throw new ConfigError(problem, { source: this.path, line, column, key });
  }
  object(node: Node, key: string, allowed?: readonly string[]): Map<string, Node> {
    if (node.type !== "object") this.fail(node, `expected an object, found ${node.type}`, key);
    const out = new Map<string, Node>();
    for (const prop of node.children ?? []) {
      const [k, v] = prop.children ?? [];
      const name = String(k?.value);
      if (out.has(name)) this.fail(k, `duplicate field "${name}"`, key);
      if (allowed && !allowed.includes(name)) {
        const close = closestMatches(name, allowed);
        this.fail(
          k,
          `unknown field "${name}"${close.length ? ` (did you mean "${close[0]}"?)` : ""}; ` +
            `allowed: ${allowed.join(", ")}`,
          key,
        );
      }
      if (v) out.set(name, v);
    }
    return out;
  }
  string(node: Node, key: string): string {
    if (node.type !== "string" || typeof node.value !== "string" || node.value === "") {
      this.fail(node, `expected a non-empty string, found ${node.type}`, key);
    }
    if (node.value.length > 256) this.fail(node, "at most 256 characters", key);
    return node.value;
  }
}

/**
 * Parses and checks a mapping file's text.
 *
 * @param text File contents (JSONC: comments and trailing commas allowed).
 * @param path File name for messages.
 * @throws {ConfigError} at file:line:column: bad syntax, unknown field (with the closest name),
 *   a match with other than one of `cgroup`, `pod`, `podUid`, empty or non-string labels.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTenantMap } from "./tenant_map.ts";
 * const map = parseTenantMap(
 *   '{ "rules": [ { "match": { "cgroup": "a.slice/*" }, "labels": { "tenant": "a" } }, ] }',
 *   "t.jsonc",
 * );
 * assert.deepEqual(map.rules[0].match, { kind: "cgroup", pattern: "a.slice/*" });
 * assert.throws(
 *   () => parseTenantMap('{ "rules": [ { "mach": {} } ] }', "t.jsonc"),
 *   /t\.jsonc:1:16: rules\[0\]: unknown field "mach" \(did you mean "match"\?\)/,
 * );
 * ```
 */
export function parseTenantMap(text: string, path: string): TenantMap {
  const r: Reader = new Reader(text, path);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || root === undefined) {
    const e = errors[0];
    const { line, column } = textPosition(text, e?.offset ?? 0);
    throw new ConfigError(
      `invalid JSONC (${e ? printParseErrorCode(e.error) : "empty file"}); fix the syntax there`,
      { source: path, line, column },
    );
  }
  const top = r.object(root, "(top level)", TOP);
  const rulesNode = top.get("rules");
  if (!rulesNode) r.fail(root, 'missing required field "rules"', "(top level)");
  if (rulesNode.type !== "array") {
    r.fail(rulesNode, `expected an array, found ${rulesNode.type}`, "rules");
  }
  const rules: TenantRule[] = [];
  for (const [i, node] of (rulesNode.children ?? []).entries()) {
    const key = `rules[${i}]`;
    const rule = r.object(node, key, RULE);
    const m = rule.get("match");
    const l = rule.get("labels");
    if (!m) r.fail(node, 'missing required field "match"', key);
    if (!l) r.fail(node, 'missing required field "labels"', key);
    const match = r.object(m, `${key}.match`, MATCH);
    if (match.size !== 1) {
      r.fail(m, `give exactly one of ${MATCH.join(", ")}, found ${match.size}`, `${key}.match`);
    }
    const [kind, patternNode] = [...match.entries()][0] as [TenantRule["match"]["kind"], Node];
    const pattern = r.string(patternNode, `${key}.match.${kind}`);
    if (kind !== "podUid") {
      try {
        compiled.set(pattern, new CgroupPattern(pattern));
      } catch (e) {
        r.fail(patternNode, (e as Error).message, `${key}.match.${kind}`);
      }
    }
    const labelNodes = r.object(l, `${key}.labels`);
    if (labelNodes.size === 0) r.fail(l, "give at least one label", `${key}.labels`);
    const labels: Record<string, string> = {};
    for (const [name, v] of labelNodes) {
      if (!LABEL_NAME.test(name)) {
        const at = (l.children ?? []).find((p) => p.children?.[0]?.value === name)?.children?.[0];
        r.fail(at, `label name "${name}" must match ${LABEL_NAME.source}`, `${key}.labels`);
      }
      labels[name] = r.string(v, `${key}.labels.${name}`);
    }
    rules.push({ match: { kind, pattern }, labels });
  }
  return { path, rules };
}

/**
 * The value of label `key` for a bucket: from the first rule that matches it and sets `key`,
 * or null when none does.
 *
 * @param map The mapping.
 * @param key The label name (`--by label=KEY`).
 * @param bucket The bucket's cgroup path, pod UID, and `namespace/name` when known.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTenantMap, tenantMapLabel } from "./tenant_map.ts";
 * const map = parseTenantMap(
 *   '{ "rules": [ { "match": { "pod": "shop/*" }, "labels": { "team": "shop" } } ] }',
 *   "t.jsonc",
 * );
 * assert.equal(tenantMapLabel(map, "team", { cgroup: "x", podUid: "u", pod: "shop/web-0" }), "shop");
 * assert.equal(tenantMapLabel(map, "team", { cgroup: "x", podUid: null, pod: null }), null);
 * ```
 */
export function tenantMapLabel(
  map: TenantMap,
  key: string,
  bucket: { cgroup: string; podUid: string | null; pod: string | null },
): string | null {
  for (const rule of map.rules) {
    const value = rule.labels[key];
    if (value === undefined) continue;
    const { kind, pattern } = rule.match;
    const subject = kind === "cgroup" ? bucket.cgroup : kind === "pod" ? bucket.pod : bucket.podUid;
    if (subject === null) continue;
    if (kind === "podUid" ? subject === pattern : compiledPattern(pattern).test(subject)) {
      return value;
    }
  }
  return null;
}
