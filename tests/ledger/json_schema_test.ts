import assert from "node:assert/strict";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import { CompiledSchema, SUPPORTED_KEYWORDS } from "../../lib/ledger/json_schema.ts";
import { checkBody, EMISSION_SCHEMA_V1 } from "../../lib/ledger/record_types.ts";
import { sampleEmission } from "../_kit/ledger_fixture.ts";

type Obj = Record<string, JsonValue>;
const schemaFile = JSON.parse(
  await Deno.readTextFile(new URL("../../schemas/emission.v1.json", import.meta.url)),
);

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Every (path, subschema) of object properties in the schema, following $ref. */
function propertyPaths(
  schema: Obj,
  root: Obj,
  path: string[] = [],
): { path: string[]; schema: Obj; required: boolean }[] {
  const resolved = typeof schema.$ref === "string"
    ? (root.$defs as Obj)[schema.$ref.split("/").pop()!] as Obj
    : schema;
  const out: { path: string[]; schema: Obj; required: boolean }[] = [];
  const props = (resolved.properties ?? {}) as Record<string, Obj>;
  const required = (resolved.required ?? []) as string[];
  for (const [name, sub] of Object.entries(props)) {
    out.push({ path: [...path, name], schema: sub, required: required.includes(name) });
    out.push(...propertyPaths(sub, root, [...path, name]));
  }
  return out;
}

function getAt(value: Obj, path: string[]): JsonValue | undefined {
  let cur: JsonValue | undefined = value;
  for (const k of path) {
    cur = cur && typeof cur === "object" && !Array.isArray(cur) ? (cur as Obj)[k] : undefined;
  }
  return cur;
}

function setAt(value: Obj, path: string[], v: JsonValue | undefined): void {
  let cur = value;
  for (const k of path.slice(0, -1)) cur = cur[k] as Obj;
  if (v === undefined) delete cur[path[path.length - 1]];
  else cur[path[path.length - 1]] = v;
}

Deno.test("the emission validator enforces exactly the schema file (it is the contract)", () => {
  assert.deepEqual(EMISSION_SCHEMA_V1, schemaFile);
  const valid = sampleEmission() as Obj;
  assert.deepEqual(checkBody("emission", valid), []);
  const paths = propertyPaths(schemaFile, schemaFile);
  assert.ok(paths.length > 40, `schema walk found ${paths.length} properties`);
  for (const p of paths) {
    const present = getAt(valid, p.path) !== undefined;
    if (!present) continue;
    const where = "/" + p.path.join("/");
    if (p.required) {
      const body = clone(valid);
      setAt(body, p.path, undefined);
      assert.ok(
        checkBody("emission", body).some((m) => m.startsWith(`${where}: is required`)),
        `removing ${where}`,
      );
    }
    const resolved = typeof p.schema.$ref === "string"
      ? (schemaFile.$defs as Obj)[(p.schema.$ref as string).split("/").pop()!] as Obj
      : p.schema;
    if (Array.isArray(resolved.enum) || "const" in resolved) {
      const body = clone(valid);
      setAt(body, p.path, "not-an-allowed-value");
      assert.ok(checkBody("emission", body).some((m) => m.startsWith(where)), `off-enum ${where}`);
    }
    if (typeof resolved.pattern === "string") {
      const body = clone(valid);
      setAt(body, p.path, "1e3 x");
      assert.ok(
        checkBody("emission", body).some((m) => m.startsWith(`${where}: must match`)),
        `pattern ${where}`,
      );
    }
    if (resolved.additionalProperties === false) {
      const body = clone(valid);
      (getAt(body, p.path) as Obj).unexpected = 1;
      assert.ok(
        checkBody("emission", body).some((m) => m === `${where}/unexpected: is not a known field`),
        `closed ${where}`,
      );
    }
  }
  const extra = { ...clone(valid), unexpected: true };
  assert.deepEqual(checkBody("emission", extra), ["/unexpected: is not a known field"]);
});

Deno.test("the emission schema's conditional rules hold: scope 3 needs a category, scope 2 a method", () => {
  const s3 = sampleEmission({ scope: 3 }) as Obj;
  assert.deepEqual(checkBody("emission", s3), []);
  delete s3.scope3_category;
  assert.ok(checkBody("emission", s3).includes("/scope3_category: is required"));
  const s1 = sampleEmission({ scope: 1 }) as Obj;
  assert.deepEqual(checkBody("emission", { ...s1, scope3_category: 1 }), [
    "/: must not have scope3_category here",
  ]);
  assert.deepEqual(checkBody("emission", { ...s1, scope2_method: "market" }), [
    "/: must not have scope2_method here",
  ]);
  const s2 = sampleEmission({ scope: 2 }) as Obj;
  delete s2.scope2_method;
  assert.ok(checkBody("emission", s2).includes("/scope2_method: is required"));
});

Deno.test("emission bodies are checked beyond the schema: period order and interval bounds", () => {
  const body = sampleEmission() as Obj;
  (body.activity_period as Obj).end = "2025-12-31T00:00:00Z";
  assert.deepEqual(checkBody("emission", body), ["/activity_period: end must not be before start"]);
  const high = sampleEmission({ co2eG: "200000000" }) as Obj;
  assert.deepEqual(checkBody("emission", high), [
    "/result/interval: must satisfy lower_g <= co2e_g <= upper_g",
  ]);
});

Deno.test("the schema validator refuses schemas with keywords it does not implement", () => {
  for (
    const kw of [
      "oneOf",
      "anyOf",
      "patternProperties",
      "exclusiveMinimum",
      "uniqueItems",
      "dependentRequired",
    ]
  ) {
    assert.ok(!SUPPORTED_KEYWORDS.includes(kw));
    assert.throws(
      () => new CompiledSchema({ type: "object", properties: { a: { [kw]: [] } } }),
      TypeError,
      kw,
    );
  }
  assert.throws(() => new CompiledSchema({ $ref: "#/$defs/missing" }), TypeError);
  assert.doesNotThrow(() => new CompiledSchema(schemaFile));
});

Deno.test("format date-time is asserted with the strict RFC 3339 parser and other formats are refused", () => {
  for (const format of ["email", "date", "uri", "time"]) {
    assert.throws(() => new CompiledSchema({ type: "string", format }), TypeError, format);
  }
  const ts = new CompiledSchema({ type: "string", format: "date-time" });
  assert.deepEqual(ts.validate("2024-02-29T23:59:59.999+01:00"), []);
  // format applies to strings only, as the spec says
  assert.deepEqual(new CompiledSchema({ format: "date-time" }).validate(12), []);
  for (const bad of ["2026-02-31T00:00:00Z", "2026-01-01T24:00:00Z", "2025-02-29T00:00:00Z"]) {
    const v = ts.validate(bad);
    assert.equal(v.length, 1, bad);
    assert.match(v[0].message, /^must be a real RFC 3339 date-time/);
  }
});

Deno.test("note, correction and genesis bodies reject unknown fields and wrong types", () => {
  assert.deepEqual(checkBody("note", { text: "x", labels: { a: "b" } }), []);
  assert.deepEqual(checkBody("note", { text: "" }), ["/text: must have at least 1 characters"]);
  assert.deepEqual(checkBody("note", { text: "x", zz: 1 }), ["/zz: is not a known field"]);
  assert.deepEqual(
    checkBody("correction", {
      supersedes: { seq: 1, leaf: "a".repeat(64) },
      reason: "wrong factor",
    }),
    [],
  );
  assert.ok(
    checkBody("correction", { supersedes: { seq: -1, leaf: "A".repeat(64) }, reason: "x" })
      .length >= 2,
  );
  assert.deepEqual(checkBody("bogus", {}), [
    "unknown record type 'bogus' (known: genesis, emission, correction, note, key_rotation)",
  ]);
  assert.deepEqual(checkBody("note", []), ["/: body must be a JSON object"]);
});
