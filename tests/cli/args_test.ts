import assert from "node:assert/strict";
import { parseCommandArgs } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/base/errors.ts";

const spec = {
  options: { json: { type: "boolean" }, out: { type: "string", short: "o" } },
  positionals: { min: 0, max: 2 },
  usage: "carbon-ops x [--json] [--out FILE]",
} as const;

function usageError(argv: string[]): UsageError {
  try {
    parseCommandArgs(argv, spec);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    assert.equal(err.usage, spec.usage);
    return err;
  }
  throw new Error(`${JSON.stringify(argv)} was accepted`);
}

Deno.test("parseCommandArgs names an unknown option as written and suggests the closest one", () => {
  const e = usageError(["--jsno"]);
  assert.equal(e.message, "unknown option --jsno");
  assert.match(e.hint ?? "", /--json/);
  assert.equal(usageError(["a", "--ot=x"]).message, "unknown option --ot");
  assert.equal(usageError(["-x"]).message, "unknown option -x");
});

Deno.test("parseCommandArgs says which option needs a value, missing or dash-led", () => {
  assert.equal(usageError(["--out"]).message, "option --out needs a value");
  assert.equal(usageError(["-o"]).message, "option --out needs a value");
  const dashed = usageError(["--out", "-5"]);
  assert.equal(dashed.message, "option --out needs a value");
  assert.equal(dashed.hint, "a value starting with '-' must be attached: --out=-VALUE");
  assert.equal(usageError(["--json=yes"]).message, "option --json does not take a value");
});

Deno.test("parseCommandArgs accepts attached dash values and positionals after --", () => {
  const { values, positionals } = parseCommandArgs(["--out=-5", "--json", "--", "--raw"], spec);
  assert.deepEqual({ ...values }, { out: "-5", json: true });
  assert.deepEqual(positionals, ["--raw"]);
});
