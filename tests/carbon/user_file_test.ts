import assert from "node:assert/strict";
import { assertRejects, assertThrows } from "../_kit/assert.ts";
import fc from "fast-check";
import { ConfigError } from "../../lib/base/errors.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { loadCatalog, parseUserIntensityFile } from "../../lib/carbon/user_file.ts";
import { RegionCatalog } from "../../lib/carbon/catalog.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const GOOD = `{
  // our colocation site
  "regions": {
    "dc-paris-1": {
      "intensityGPerKwh": 52, "year": 2025, "basis": "lifecycle",
      "source": "supplier disclosure 2025", "uncertaintyPct": 10,
      "countryCode": "FR", "pueProfile": "dc-paris-1", "aliases": ["paris-dc"],
    },
    "DE": { "intensityGPerKwh": 300, "year": 2025, "basis": "lifecycle", "source": "our own study" },
  },
  "pueProfiles": { "dc-paris-1": { "pue": 1.32, "year": 2025, "source": "site meter", "uncertaintyPct": 3 } },
}`;

function errorAt(text: string): ConfigError {
  return assertThrows(() => parseUserIntensityFile(text, "f.jsonc"), ConfigError) as ConfigError;
}

Deno.test("user intensity file adds and overrides regions and PUE profiles", () => {
  const data = parseUserIntensityFile(GOOD, "f.jsonc");
  const catalog = RegionCatalog.embedded().withUserData(data, "f.jsonc");
  const dc = catalog.lookup("paris-dc").figure;
  assert.deepEqual(dc.id, "dc-paris-1");
  assert.deepEqual(dc.uncertaintyRel, 0.1);
  assert.deepEqual(catalog.lookup("DE").figure.intensityGPerKwh, 300);
  assert.deepEqual(catalog.lookup("germany").figure.intensityGPerKwh, 300); // aliases kept
  assert.deepEqual(catalog.pueProfile("dc-paris-1").pue, 1.32);
  const e = new CarbonEstimator({ catalog, region: "dc-paris-1" }).estimateFromEnergy(1000);
  assert.deepEqual(e.pue, 1.32);
  assert.deepEqual(e.dataset, "user:dc-paris-1");
  assert.deepEqual(e.grams, 1 * 1.32 * 52);
  assert.ok(catalog.version.includes("user f.jsonc"));
});

/** 1-based line and column of the first `token` in `text` (where the error should point). */
function positionOf(text: string, token: string): [number, number] {
  const at = text.indexOf(token);
  assert.ok(at >= 0, token);
  const before = text.slice(0, at).split("\n");
  return [before.length, before[before.length - 1].length + 1];
}

Deno.test("user intensity file errors name file:line:col, the key and what is expected", () => {
  // [text, token the error must point at, message fragment]
  const cases: [string, string, string][] = [
    [
      `{\n  "regions": {\n    "x": { "intensityGPerKwh": -3, "year": 2025, "basis": "lifecycle", "source": "s" }\n  }\n}`,
      "-3",
      "expected 0 <= value <= 5000, found -3",
    ],
    [
      `{\n  "regions": {\n    "x": { "intensityGPerKwh": 3, "year": 2025, "basis": "lifecyle", "source": "s" }\n  }\n}`,
      '"lifecyle"',
      "expected one of lifecycle, direct",
    ],
    [
      `{\n  "regions": {\n    "x": { "intensityGPerKwh": 3, "yaer": 2025 }\n  }\n}`,
      '"yaer"',
      'did you mean "year"',
    ],
    [
      `{\n  "regions": {\n    "x": { "year": 2025 }\n  }\n}`,
      '{ "year"',
      'missing required field "intensityGPerKwh"',
    ],
    [
      `{\n  "regions": {\n    "x": { "intensityGPerKwh": 3, "year": 2025.5, "basis": "direct", "source": "s" }\n  }\n}`,
      "2025.5",
      "expected an integer",
    ],
    [
      `{\n  "pueProfiles": { "p": { "pue": 0.9, "source": "s" } }\n}`,
      "0.9",
      "expected 1 <= value <= 3",
    ],
    [`{\n  "regions": [1, 2]\n}`, "[1, 2]", "expected an object"],
    [`{\n  "regions": { "a b": {} }\n}`, '"a b"', "letters, digits"],
    [`{\n  "regions": { "x": {}, "x": {} }\n}`, '"x": {} }', 'duplicate key "x"'],
    [`{\n  "regions": {,\n}`, ",", "invalid JSONC"],
    [`{ "regoins": {} }`, '"regoins"', 'did you mean "regions"'],
  ];
  for (const [text, token, msg] of cases) {
    const e = errorAt(text);
    const [line, col] = positionOf(text, token);
    assert.deepEqual([e.line, e.column], [line, col], `${msg}: ${e.message}`);
    assert.ok(e.message.includes(msg), e.message);
    assert.ok(e.message.startsWith(`f.jsonc:${line}:${col}:`), e.message);
  }
  assert.ok(errorAt("").message.includes("empty file"));
});

Deno.test("user intensity file parser never throws anything but ConfigError", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      try {
        parseUserIntensityFile(text, "x.json");
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("loadCatalog reads the file named by config and reports a missing one", async () => {
  await using dir = await tempDir();
  const path = dir.join("intensity.jsonc");
  await Deno.writeTextFile(path, GOOD);
  const catalog = await loadCatalog({ intensityFile: path });
  assert.deepEqual(catalog.lookup("dc-paris-1").figure.intensityGPerKwh, 52);
  await assertRejects(
    () => loadCatalog({ intensityFile: dir.join("nope.json") }),
    ConfigError,
    "does not exist",
  );
});
