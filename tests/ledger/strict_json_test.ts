import assert from "node:assert/strict";
import { JsonCanonError } from "../../lib/ledger/canonical_json.ts";
import { parseJsonStrict } from "../../lib/ledger/strict_json.ts";

Deno.test("parseJsonStrict names the line, offset and JSON Pointer of what it refuses", () => {
  const text = '{\n  "a": 1,\n  "b": {"c": "\\ud800"}\n}';
  assert.throws(() => parseJsonStrict(text), (err: unknown) => {
    assert.ok(err instanceof JsonCanonError);
    assert.equal(err.code, "LONE_SURROGATE");
    assert.equal(err.path, "/b/c");
    assert.match(
      err.message,
      /^lone surrogate \\ud800 in string at line 3, offset \d+ \('\/b\/c'\)$/,
    );
    return true;
  });
  assert.throws(
    () => parseJsonStrict('{"a": 1,\n"a": 2}'),
    /duplicate key "a" at line 2, offset 9/,
  );
});
