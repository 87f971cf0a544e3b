import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { loadConfig } from "../../lib/config/load.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";
import { ConfigError } from "../../lib/base/errors.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { runCli } from "../_kit/run_cli.ts";

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("config resolves defaults when nothing is set", () => {
  const c = resolveConfig({ fileText: null });
  assert.deepEqual(c.governor.intervalMs, 100);
  assert.deepEqual(c.governor.socketPath, "/run/carbon-ops.sock");
  assert.deepEqual(c.governor.socketMode, "0660");
  assert.deepEqual(c.carbon.region, "global-average");
});

Deno.test("config layers file, then env, then flags in that order", () => {
  const c = resolveConfig({
    fileText:
      '{ "governor": { "intervalMs": 50, "socketGroup": "adm" }, "carbon": { "region": "FR" } }',
    env: { CARBON_OPS_GOVERNOR_INTERVAL_MS: "200", CARBON_OPS_CARBON_REGION: "DE" },
    flags: { carbon: { region: "SE" } },
  });
  assert.deepEqual(c.governor.intervalMs, 200);
  assert.deepEqual(c.governor.socketGroup, "adm");
  assert.deepEqual(c.carbon.region, "SE");
});

Deno.test("config result is deeply frozen", () => {
  const c = resolveConfig({ fileText: '{"governor": {"msrCpus": [0, 4]}}' });
  assert.ok(
    Object.isFrozen(c) && Object.isFrozen(c.governor) && Object.isFrozen(c.governor.msrCpus),
  );
});

Deno.test("config accepts comments and trailing commas in the JSONC file", () => {
  const c = resolveConfig({
    fileText: '{\n // the governor\n "governor": { "intervalMs": 20, },\n}\n',
  });
  assert.deepEqual(c.governor.intervalMs, 20);
});

Deno.test("config names file, line and column when a value has the wrong type", () => {
  const e = configError(() =>
    resolveConfig({
      fileText: '{\n  "governor": {\n    "intervalMs": "fast"\n  }\n}',
      filePath: "/etc/c.jsonc",
    })
  );
  assert.deepEqual([e.source, e.line, e.column, e.key], [
    "/etc/c.jsonc",
    3,
    19,
    "governor.intervalMs",
  ]);
  assert.match(
    e.message,
    /^\/etc\/c\.jsonc:3:19: governor\.intervalMs: expected an integer from 10 to 60000/,
  );
});

Deno.test("config names the closest known key when a key is unknown", () => {
  const e = configError(() => resolveConfig({ fileText: '{"governor": {"socketpath": "/x"}}' }));
  assert.match(e.message, /unknown key "socketpath"; did you mean "socketPath"\?/);
  const s = configError(() => resolveConfig({ fileText: '{"govenor": {}}' }));
  assert.match(s.message, /unknown section "govenor"; did you mean "governor"\?/);
  const w = configError(() => resolveConfig({ fileText: '{"governor": {"region": "FR"}}' }));
  assert.match(w.message, /belongs in section "carbon"/);
});

Deno.test("config reports syntax errors with their position", () => {
  const e = configError(() =>
    resolveConfig({ fileText: '{\n "governor": { "intervalMs": 5 0 }\n}' })
  );
  assert.deepEqual(e.line, 2);
  assert.match(e.message, /invalid JSONC/);
});

Deno.test("config rejects duplicate keys in the file", () => {
  const e = configError(() =>
    resolveConfig({ fileText: '{"carbon": {"region": "FR", "region": "DE"}}' })
  );
  assert.match(e.message, /duplicate key "region"/);
});

Deno.test("config refuses security switches from env and flags but takes them from the file", () => {
  const env = configError(() =>
    resolveConfig({ fileText: null, env: { CARBON_OPS_GOVERNOR_ALLOW_MSR: "1" } })
  );
  assert.match(env.message, /security setting.*config file/);
  const flag = configError(() =>
    resolveConfig({ fileText: null, flags: { governor: { socketMode: "0600" } } })
  );
  assert.deepEqual(flag.source, "--socket-mode");
  const file = resolveConfig({ fileText: '{"governor": {"allowMsr": true, "socketMode": "640"}}' });
  assert.deepEqual([file.governor.allowMsr, file.governor.socketMode], [true, "0640"]);
});

Deno.test("config rejects socket modes that open the socket to others", () => {
  const e = configError(() => resolveConfig({ fileText: '{"governor": {"socketMode": "0666"}}' }));
  assert.match(e.message, /no permissions for others/);
});

Deno.test("config names the variable and the closest one when an env var is unknown or bad", () => {
  const u = configError(() =>
    resolveConfig({ fileText: null, env: { CARBON_OPS_CARBON_REGON: "FR" } })
  );
  assert.deepEqual(u.source, "CARBON_OPS_CARBON_REGON");
  assert.match(u.message, /did you mean CARBON_OPS_CARBON_REGION\?/);
  const b = configError(() =>
    resolveConfig({ fileText: null, env: { CARBON_OPS_GOVERNOR_MSR_CPUS: "0,x" } })
  );
  assert.match(b.message, /list of integers/);
  const ok = resolveConfig({
    fileText: null,
    env: { CARBON_OPS_GOVERNOR_MSR_CPUS: "0, 8", CARBON_OPS_GOVERNOR_METRICS_LISTEN: "" },
  });
  assert.deepEqual([...ok.governor.msrCpus ?? []], [0, 8]);
  assert.deepEqual(ok.governor.metricsListen, null);
});

Deno.test("config accepts every in-range integer and rejects every out-of-range one from env", () => {
  const spec = CONFIG_SCHEMA.governor.intervalMs.type;
  fc.assert(fc.property(fc.integer({ min: -100_000, max: 200_000 }), (n) => {
    const env = { CARBON_OPS_GOVERNOR_INTERVAL_MS: String(n) };
    if (n >= spec.min && n <= spec.max) {
      assert.deepEqual(resolveConfig({ fileText: null, env }).governor.intervalMs, n);
    } else {
      assert.throws(() => resolveConfig({ fileText: null, env }), ConfigError);
    }
  }));
});

Deno.test("config loader fails with the path when the named file is missing", async () => {
  await using dir = await tempDir();
  const missing = dir.join("nope.jsonc");
  let err: unknown;
  try {
    await loadConfig({ configPath: missing });
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ConfigError)) throw new Error("expected ConfigError");
  assert.match(err.message, /does not exist; check the path/);
});

Deno.test("config loader skips the default path when it does not exist and CARBON_OPS_CONFIG is unset", async () => {
  await using dir = await tempDir();
  const c = await loadConfig({ env: {}, defaultPath: dir.join("absent.jsonc") });
  assert.deepEqual(c.governor.intervalMs, 100);
  await Deno.writeTextFile(dir.join("present.jsonc"), '{"governor": {"intervalMs": 40}}');
  const d = await loadConfig({ env: {}, defaultPath: dir.join("present.jsonc") });
  assert.deepEqual(d.governor.intervalMs, 40);
});

Deno.test("config command reports a bad file with exit 2 and file:line:col as a subprocess", async () => {
  await using dir = await tempDir();
  const file = dir.join("c.jsonc");
  await Deno.writeTextFile(file, '{\n  "carbon": {\n    "regoin": "FR"\n  }\n}\n');
  const r = await runCli(["config", "--config", file]);
  assert.deepEqual(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(`${file}:3:5: carbon.regoin: unknown key "regoin"; did you mean "region"\\?`),
  );
  const env = await runCli(["config", "--json"], {
    env: { CARBON_OPS_CONFIG: file.replace("c.jsonc", "x") },
  });
  assert.deepEqual(env.code, 2);
  assert.match(env.stderr, /from CARBON_OPS_CONFIG\) does not exist/);
  await Deno.writeTextFile(file, '{"carbon": {"region": "FR"}}');
  const good = await runCli(["config", "--json"], { env: { CARBON_OPS_CONFIG: file } });
  assert.deepEqual(good.code, 0, good.stderr);
  assert.deepEqual(JSON.parse(good.stdout).carbon.region, "FR");
});

Deno.test("config command hides credentials but says they are set", async () => {
  const r = await runCli(["config", "--json"], {
    env: { CARBON_OPS_CARBON_ELECTRICITY_MAPS_TOKEN: "s3cret-token" },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes("s3cret-token"));
  const out = JSON.parse(r.stdout);
  assert.equal(out.carbon.electricityMapsToken, "(set, hidden)");
  assert.equal(out.carbon.wattTimePassword, null);
  const text = await runCli(["config"], {
    env: { CARBON_OPS_CARBON_WATT_TIME_PASSWORD: "pw-123" },
  });
  assert.ok(!text.stdout.includes("pw-123"));
});
