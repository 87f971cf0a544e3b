import assert from "node:assert/strict";
import { ConfigError } from "../../lib/base/errors.ts";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { envName } from "../../lib/config/resolve_layers.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";

Deno.test("config governor.whenNoRapl defaults to exit and is set by file, then env, then flag", () => {
  assert.equal(resolveConfig({ fileText: null }).governor.whenNoRapl, "exit");
  assert.equal(envName("governor", "whenNoRapl"), "CARBON_OPS_GOVERNOR_WHEN_NO_RAPL");
  assert.equal(CONFIG_SCHEMA.governor.whenNoRapl.default, "exit");
  const file = '{ "governor": { "whenNoRapl": "wait" } }';
  assert.equal(resolveConfig({ fileText: file }).governor.whenNoRapl, "wait");
  const env = { CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: "exit" };
  assert.equal(resolveConfig({ fileText: file, env }).governor.whenNoRapl, "exit");
  const flags = { governor: { whenNoRapl: "wait" as const } };
  assert.equal(resolveConfig({ fileText: null, env, flags }).governor.whenNoRapl, "wait");
  // an empty variable is unset: the file value stays
  const unset = { CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: "" };
  assert.equal(resolveConfig({ fileText: file, env: unset }).governor.whenNoRapl, "wait");
});

Deno.test("config rejects a misspelt governor.whenNoRapl naming the place and the closest value", () => {
  const bad = (input: Parameters<typeof resolveConfig>[0], place: RegExp, near: string) => {
    assert.throws(() => resolveConfig(input), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, place);
      assert.match(e.message, /governor\.whenNoRapl: expected one of "exit", "wait"/);
      assert.ok(e.message.includes(`did you mean "${near}"?`), e.message);
      return true;
    });
  };
  bad(
    { fileText: '{\n  "governor": { "whenNoRapl": "wiat" }\n}', filePath: "c.jsonc" },
    /^c\.jsonc:2:31:/,
    "wait",
  );
  bad(
    { fileText: null, env: { CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: "Exit" } },
    /^CARBON_OPS_GOVERNOR_WHEN_NO_RAPL:/,
    "exit",
  );
  bad(
    { fileText: null, flags: { governor: { whenNoRapl: "exti" as "exit" } } },
    /^--when-no-rapl:/,
    "exit",
  );
  // nothing close: no guess, just the choices
  assert.throws(
    () => resolveConfig({ fileText: null, env: { CARBON_OPS_GOVERNOR_WHEN_NO_RAPL: "restart" } }),
    (e: unknown) => e instanceof ConfigError && !/did you mean/.test(e.message),
  );
});
