import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import fc from "fast-check";
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

Deno.test("parseCommandArgs splits arguments as node:util parseArgs does in strict mode", () => {
  // The parser replaced node:util (start-up cost); it must accept, reject and split exactly the
  // same argument lists. A repeatable string option keeps the duplicate rule out of the way.
  const options = {
    json: { type: "boolean", short: "j" },
    verbose: { type: "boolean", short: "v" },
    label: { type: "string", short: "l", multiple: true },
  } as const;
  const words = [
    "--json",
    "-j",
    "-v",
    "-jv",
    "-vl",
    "-lx",
    "-l",
    "--label",
    "--label=-5",
    "--label=",
    "-5",
    "-",
    "--",
    "a",
    "b=c",
    "--json=1",
    "--nope",
    "-x",
    "-jx",
    "--no-json",
    "-l=x",
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...words), { maxLength: 7 }), (argv) => {
      let expected: { values: Record<string, unknown>; positionals: string[] } | undefined;
      try {
        const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
        expected = { values: { ...r.values }, positionals: r.positionals };
      } catch {
        expected = undefined;
      }
      let actual: { values: Record<string, unknown>; positionals: string[] } | undefined;
      try {
        const r = parseCommandArgs(argv, { options, positionals: { min: 0, max: 99 } });
        actual = { values: { ...r.values }, positionals: r.positionals };
      } catch (err) {
        assert.ok(err instanceof UsageError, String(err));
        actual = undefined;
      }
      assert.deepEqual(actual, expected, JSON.stringify(argv));
    }),
    { numRuns: 3000 },
  );
});
