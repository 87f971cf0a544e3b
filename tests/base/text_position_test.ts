import assert from "node:assert/strict";
import fc from "fast-check";
import { textPosition } from "../../lib/base/text_position.ts";

Deno.test("textPosition counts lines from 1 and columns in UTF-16 units from 1", () => {
  const text = "ab\ncd\n\n€x";
  assert.deepEqual(textPosition(text, 0), { line: 1, column: 1 });
  assert.deepEqual(textPosition(text, 2), { line: 1, column: 3 }); // the "\n" itself
  assert.deepEqual(textPosition(text, 3), { line: 2, column: 1 });
  assert.deepEqual(textPosition(text, 6), { line: 3, column: 1 });
  assert.deepEqual(textPosition(text, 8), { line: 4, column: 2 }); // after the one-unit "€"
  assert.deepEqual(textPosition("a\r\nb", 3), { line: 2, column: 1 });
});

Deno.test("textPosition clamps offsets outside the text to its start and end", () => {
  assert.deepEqual(textPosition("ab\nc", -5), { line: 1, column: 1 });
  assert.deepEqual(textPosition("ab\nc", 99), { line: 2, column: 2 });
  assert.deepEqual(textPosition("", 0), { line: 1, column: 1 });
});

Deno.test("textPosition agrees with splitting the text before the offset (property)", () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("a", "\n", "\r", "é") }), fc.nat(40), (t, o) => {
      const lines = t.slice(0, o).split("\n");
      assert.deepEqual(textPosition(t, o), {
        line: lines.length,
        column: lines[lines.length - 1].length + 1,
      });
    }),
  );
});
