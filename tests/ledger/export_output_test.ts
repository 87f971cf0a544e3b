import assert from "node:assert/strict";
import fc from "fast-check";
import { csvLine, OutputBuffer, parseCsv } from "../../lib/ledger/export.ts";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";

/** Everything an OutputBuffer hands to its sink, decoded. */
async function written(rows: readonly (JsonValue | undefined)[][], chunkBytes: number) {
  const chunks: Uint8Array[] = [];
  const out = new OutputBuffer(chunkBytes, {
    write: () => assert.fail("bytes go to writeBytes"),
    writeBytes: (bytes) => void chunks.push(bytes.slice()),
  });
  for (const row of rows) {
    out.addCsvRow(row);
    if (out.full) await out.flush();
  }
  await out.flush();
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

const field: fc.Arbitrary<JsonValue | undefined> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom("a,b", 'say "hi"', "two\nlines", "cr\r", "é", "178.0224", ""),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

Deno.test("a CSV row written field by field is byte for byte the row csvLine makes (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(field, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 200 }),
      async (rows, chunkBytes) => {
        assert.equal(await written(rows, chunkBytes), rows.map((r) => csvLine(r)).join(""));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a CSV row with quotes, commas, line breaks and non-ASCII text parses back to its fields", async () => {
  const row = ["plain", 'a "quoted" word', "x,y", "line\r\nbreak", "Grüße 🌍", 42, true];
  const [back] = parseCsv(await written([row], 16));
  assert.deepEqual(back, row.map(String));
});
