/**
 * Record types and their body rules. Emission bodies follow `schemas/emission.v1.json` (the
 * documented contract, interpreted by `json_schema.ts`); the other bodies have small schemas here.
 * To add a record type (e.g. `key_rotation`), add one entry to `RECORD_TYPES`.
 *
 * @module
 */

import emissionSchemaJson from "../../schemas/emission.v1.json" with { type: "json" };
import type { JsonValue } from "./canonical_json.ts";
import { Decimal } from "./decimal.ts";
import { tryParseRfc3339 } from "../base/rfc3339.ts";
import { CompiledSchema } from "./json_schema.ts";
import { checkKeyRotationBody } from "./rotation_body.ts";
import type { RecordBody } from "./record.ts";

/**
 * Checks one body; returns problems as "path: message" strings (empty when valid).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BodyCheck, RECORD_TYPES } from "./record_types.ts";
 * const note: BodyCheck = RECORD_TYPES.note;
 * assert.deepEqual(note({ text: "hello" }), []);
 * ```
 */
export type BodyCheck = (body: RecordBody) => string[];

/**
 * The emission body schema v1 (parsed `schemas/emission.v1.json`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CompiledSchema } from "./json_schema.ts";
 * import { EMISSION_SCHEMA_V1 } from "./record_types.ts";
 * const schema = new CompiledSchema(EMISSION_SCHEMA_V1);
 * assert.equal((EMISSION_SCHEMA_V1 as { type: string }).type, "object");
 * assert.ok(schema.validate({}).length > 0);
 * ```
 */
// A JSON import is JSON by construction; its inferred literal type (optional members typed
// `undefined` across `allOf` branches) is narrower than TypeScript can relate to JsonValue.
export const EMISSION_SCHEMA_V1: JsonValue = emissionSchemaJson as unknown as JsonValue;

const emissionSchema = new CompiledSchema(EMISSION_SCHEMA_V1);

const TEXT = { type: "string", minLength: 1, maxLength: 4096 };
const HEX64 = { type: "string", pattern: "^[0-9a-f]{64}$" };
const TS = {
  type: "string",
  format: "date-time",
  pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$",
};
const LABELS = {
  type: "object",
  maxProperties: 64,
  additionalProperties: { type: "string", maxLength: 256 },
};
const SEQ = { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const genesisSchema = new CompiledSchema({
  type: "object",
  additionalProperties: false,
  required: ["origin", "created", "software", "key"],
  properties: {
    origin: { type: "string", pattern: "^[^\\s+]+$", maxLength: 255 },
    created: TS,
    software: {
      type: "object",
      additionalProperties: false,
      required: ["name", "version"],
      properties: { name: TEXT, version: TEXT },
    },
    key: {
      type: "object",
      additionalProperties: false,
      required: ["kid", "spki", "verifier_key"],
      properties: {
        kid: HEX64,
        spki: { type: "string", pattern: "^[A-Za-z0-9+/]+={0,2}$" },
        verifier_key: { type: "string", minLength: 1, maxLength: 512 },
      },
    },
  },
});

const correctionSchema = new CompiledSchema({
  type: "object",
  additionalProperties: false,
  required: ["supersedes", "reason"],
  properties: {
    supersedes: {
      type: "object",
      additionalProperties: false,
      required: ["seq", "leaf"],
      properties: { seq: SEQ, leaf: HEX64 },
    },
    reason: TEXT,
    labels: LABELS,
  },
});

const noteSchema = new CompiledSchema({
  type: "object",
  additionalProperties: false,
  required: ["text"],
  properties: {
    text: { type: "string", minLength: 1, maxLength: 65536 },
    kind: { type: "string", pattern: "^[a-z][a-z0-9_]{0,63}$" },
    repair: {
      type: "object",
      additionalProperties: false,
      required: ["offset", "length", "sha256", "quarantine"],
      properties: {
        offset: { type: "integer", minimum: 0 },
        length: { type: "integer", minimum: 1 },
        sha256: HEX64,
        quarantine: TEXT,
      },
    },
    labels: LABELS,
  },
});

function viaSchema(schema: CompiledSchema): BodyCheck {
  return (body) => schema.validate(body).map((v) => `${v.path || "/"}: ${v.message}`);
}

function checkEmission(body: RecordBody): string[] {
  const problems = viaSchema(emissionSchema)(body);
  if (problems.length > 0) return problems;
  const period = body.activity_period as { start: string; end: string };
  // The schema's format: date-time already refused impossible dates; parse with the same parser.
  const start = tryParseRfc3339(period.start)?.epochMs ?? NaN;
  const end = tryParseRfc3339(period.end)?.epochMs ?? NaN;
  if (Number.isNaN(start) || Number.isNaN(end)) {
    problems.push("/activity_period: start and end must be real UTC times");
  } else if (end < start) problems.push("/activity_period: end must not be before start");
  const result = body.result as { co2e_g: string; interval: { lower_g: string; upper_g: string } };
  const co2e = Decimal.parse(result.co2e_g);
  if (
    Decimal.parse(result.interval.lower_g).compare(co2e) > 0 ||
    co2e.compare(Decimal.parse(result.interval.upper_g)) > 0
  ) {
    problems.push("/result/interval: must satisfy lower_g <= co2e_g <= upper_g");
  }
  if (body.embodied !== undefined) {
    // Optional since carbon-ops 0.3.0 (docs/ledger-format.md section 3): the schema checked
    // its shape; its interval must hold its figure and state the result's level.
    const m = body.embodied as {
      co2e_g: string;
      ci_lower_g: string;
      ci_upper_g: string;
      confidence_level_pct: number;
    };
    const g = Decimal.parse(m.co2e_g);
    if (
      Decimal.parse(m.ci_lower_g).compare(g) > 0 || g.compare(Decimal.parse(m.ci_upper_g)) > 0
    ) {
      problems.push("/embodied: must satisfy ci_lower_g <= co2e_g <= ci_upper_g");
    }
    const level = (body.result as { confidence_level_pct: number }).confidence_level_pct;
    if (m.confidence_level_pct !== level) {
      problems.push(
        "/embodied/confidence_level_pct: must equal /result/confidence_level_pct",
      );
    }
  }
  return problems;
}

/**
 * Body rules by record type. `genesis` is only valid as record 0 and is written by `initLedger`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RECORD_TYPES } from "./record_types.ts";
 * assert.deepEqual(RECORD_TYPES.note({ text: "hello" }), []);
 * assert.ok("genesis" in RECORD_TYPES);
 * ```
 */
export const RECORD_TYPES: Readonly<Record<string, BodyCheck>> = {
  genesis: viaSchema(genesisSchema),
  emission: checkEmission,
  correction: viaSchema(correctionSchema),
  note: viaSchema(noteSchema),
  // Key rotation (issue 7): shape and the new key's proof of possession; see rotation.ts.
  key_rotation: checkKeyRotationBody,
};

/**
 * Problems with `body` for a record of `type` (unknown type included), empty when valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBody } from "./record_types.ts";
 * assert.deepEqual(checkBody("note", { text: "x", extra: 1 }), ["/extra: is not a known field"]);
 * assert.deepEqual(checkBody("note", { text: "x" }), []);
 * ```
 */
export function checkBody(type: string, body: JsonValue): string[] {
  if (!Object.hasOwn(RECORD_TYPES, type)) {
    return [`unknown record type '${type}' (known: ${Object.keys(RECORD_TYPES).join(", ")})`];
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return ["/: body must be a JSON object"];
  }
  return RECORD_TYPES[type](body);
}
