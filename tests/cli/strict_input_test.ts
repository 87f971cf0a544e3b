// Issue 12, items 12 and 13: strict decimal numbers in flags and CARBON_OPS_* variables,
// repeated single-value flags, empty variables as unset, and `carbon-ops config` validating
// (and hiding URL credentials) exactly as the other commands do.
import assert from "node:assert/strict";
import fc from "fast-check";
import { UsageError } from "../../lib/base/errors.ts";
import { parseCommandArgs } from "../../lib/cli/args.ts";
import { checkConfig } from "../../lib/cli/config_checks.ts";
import { runCli as runCliInProcess } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { envName } from "../../lib/config/resolve_layers.ts";
import { CONFIG_SCHEMA } from "../../lib/config/schema.ts";
import { parseListen } from "../../governor/metrics.ts";
import { COMMANDS } from "../../main.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

/** The CLI in process with the program's command table and a clean environment. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const stdout = bufferSink(), stderr = bufferSink();
  const code = await runCliInProcess(args, {
    commands: COMMANDS,
    stdout,
    stderr,
    env: { CARBON_OPS_CONFIG: "", ...env },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

Deno.test("estimate refuses --energy-wh 0x10 (and binary, octal, exponent, Infinity, empty, spaced) with exit 2 naming the flag", async () => {
  const real = await runCli(["estimate", "--energy-wh", "0x10", "--region", "FR", "--json"]);
  assert.equal(real.code, 2, real.stderr + real.stdout);
  assert.match(real.stderr, /--energy-wh expects a decimal number >= 0, got '0x10'/);
  assert.match(real.stderr, /plain decimal digits/);
  for (const raw of ["0b1", "0o7", "1e3", "Infinity", "", " 16", "+16"]) {
    const r = await cli(["estimate", `--energy-wh=${raw}`, "--region", "FR", "--json"]);
    assert.equal(r.code, 2, `${JSON.stringify(raw)}: ${r.stderr}`);
    assert.match(r.stderr, /--energy-wh expects a decimal number/, raw);
  }
  const ok = await cli(["estimate", "--energy-wh", "16", "--region", "FR", "--json"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).energy_kwh, 0.016);
});

Deno.test("a CARBON_OPS_* number in hex, binary, octal or exponent form is a configuration error with exit 2 naming the variable", async () => {
  // Each of these is 100 for Number(), inside intervalMs's range, so the old code took it.
  for (const raw of ["0x64", "0b1100100", "0o144", "1e2", " 100"]) {
    const r = await cli(["config", "--json"], { CARBON_OPS_GOVERNOR_INTERVAL_MS: raw });
    assert.equal(r.code, 2, `${raw}: ${r.stdout}`);
    assert.match(
      r.stderr,
      /CARBON_OPS_GOVERNOR_INTERVAL_MS: governor\.intervalMs: expected an integer from 10 to 60000, as plain decimal digits/,
    );
  }
  const ok = await cli(["config", "--json"], { CARBON_OPS_GOVERNOR_INTERVAL_MS: "100" });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).governor.intervalMs, 100);
});

Deno.test("a repeated single-value flag is a usage error naming the flag, while list flags repeat", async () => {
  const r = await cli(["estimate", "--energy-wh", "1", "--energy-wh", "2", "--region", "FR"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /option --energy-wh was given 2 times; it takes one value/);
  const region = await cli(["estimate", "--energy-wh", "1", "--region=FR", "--region", "DE"]);
  assert.equal(region.code, 2);
  assert.match(region.stderr, /option --region was given 2 times/);
  const config = await cli(["--config", "/a.jsonc", "config", "--config=/b.jsonc"]);
  assert.equal(config.code, 2);
  assert.match(config.stderr, /option --config was given more than once/);
  const spec = {
    options: {
      label: { type: "string", multiple: true },
      json: { type: "boolean" },
      out: { type: "string" },
    },
  } as const;
  const { values } = parseCommandArgs(["--label", "a=1", "--label=b=2", "--json", "--json"], spec);
  assert.deepEqual(values.label, ["a=1", "b=2"]);
  assert.throws(() => parseCommandArgs(["--out", "x", "--out", "x"], spec), UsageError);
});

Deno.test("an empty CARBON_OPS_* variable means unset for every key", async () => {
  const defaults = resolveConfig({ fileText: null });
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
    for (const key of Object.keys(fields)) {
      const env = { [envName(section, key)]: "" };
      assert.deepEqual(resolveConfig({ fileText: null, env }), defaults, envName(section, key));
    }
  }
  const file = '{ "governor": { "intervalMs": 50, "metricsListen": "127.0.0.1:9464" } }';
  const kept = resolveConfig({
    fileText: file,
    env: { CARBON_OPS_GOVERNOR_INTERVAL_MS: "", CARBON_OPS_GOVERNOR_METRICS_LISTEN: "" },
  });
  assert.equal(kept.governor.intervalMs, 50);
  assert.equal(kept.governor.metricsListen, "127.0.0.1:9464");
  const r = await cli(["config", "--json"], { CARBON_OPS_GOVERNOR_MAX_POWER_WATTS: "" });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).governor.maxPowerWatts, 5000);
});

Deno.test("config exits 2, like the other commands, for settings they reject", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ CARBON_OPS_GOVERNOR_RAPL_MODE: "msr" }, /governor\.allowMsr: raplMode msr needs allowMsr/],
    [
      { CARBON_OPS_GOVERNOR_SIM_RANGE_UJ: "0x10" },
      /governor\.simRangeUj: expected a positive decimal/,
    ],
    [
      { CARBON_OPS_GOVERNOR_METRICS_LISTEN: "nope" },
      /governor\.metricsListen: metricsListen 'nope' is not host:port/,
    ],
    [
      { CARBON_OPS_CARBON_PROVIDERS: "wattime" },
      /unknown intensity provider "wattime"; did you mean watttime\?/,
    ],
    [{ CARBON_OPS_CARBON_PROVIDERS: "static,static" }, /provider "static" is listed twice/],
    [
      {
        CARBON_OPS_CARBON_PROVIDERS: "watttime",
        CARBON_OPS_CARBON_WATT_TIME_URL: "http://example.com",
      },
      /carbon\.wattTimeUrl: .*plain http to a non-loopback host/,
    ],
    [
      { CARBON_OPS_CARBON_PROVIDERS: "watttime", CARBON_OPS_CARBON_WATT_TIME_REGION_MAP: "bad" },
      /carbon\.wattTimeRegionMap: "bad" is not region=WATTTIME_REGION/,
    ],
  ];
  for (const [env, message] of cases) {
    const config = await cli(["config"], env);
    assert.equal(config.code, 2, `${JSON.stringify(env)}: ${config.stdout}`);
    assert.match(config.stderr, message);
    const estimate = await cli(["estimate", "--energy-wh", "1", "--region", "FR"], env);
    assert.equal(estimate.code, 2, `${JSON.stringify(env)}: ${estimate.stderr}`);
    assert.equal(estimate.stderr.split("\n")[0], config.stderr.split("\n")[0]);
  }
  const real = await runCli(["config"], { env: { CARBON_OPS_GOVERNOR_RAPL_MODE: "msr" } });
  assert.equal(real.code, 2, real.stdout);
  await using dir = await tempDir();
  const path = dir.join("config.jsonc");
  await Deno.writeTextFile(path, '{ "governor": { "raplMode": "msr", "allowMsr": true } }');
  const allowed = await cli(["--config", path, "config", "--json"]);
  assert.equal(allowed.code, 0, allowed.stderr);
});

Deno.test("config hides a user name and password inside a provider URL, and errors never print them", async () => {
  const env = { CARBON_OPS_CARBON_WATT_TIME_URL: "https://ops:hunter2@api.watttime.example/v3" };
  for (const args of [["config"], ["config", "--json"]]) {
    const r = await cli(args, env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("hunter2"), r.stdout);
    assert.ok(!r.stdout.includes("ops:"), r.stdout);
    assert.ok(r.stdout.includes("https://(hidden)@api.watttime.example/v3"), r.stdout);
  }
  const used = await cli(["config"], {
    CARBON_OPS_CARBON_PROVIDERS: "watttime",
    CARBON_OPS_CARBON_WATT_TIME_URL: "http://ops:hunter2@example.com",
  });
  assert.equal(used.code, 2);
  assert.ok(!used.stderr.includes("hunter2"), used.stderr);
  assert.match(used.stderr, /http:\/\/\(hidden\)@example\.com/);
  const debug = await cli(["--debug", "config"], {
    CARBON_OPS_CARBON_PROVIDERS: "electricitymaps",
    CARBON_OPS_CARBON_ELECTRICITY_MAPS_URL: "ftp://ops:hunter2@example.com",
  });
  assert.equal(debug.code, 2);
  assert.ok(!debug.stderr.includes("hunter2"), debug.stderr);
});

Deno.test("the config check accepts exactly the metricsListen values the governor's parseListen accepts", () => {
  const base = resolveConfig({ fileText: null });
  const listen = fc.oneof(
    fc.string({ maxLength: 24 }),
    fc.tuple(
      fc.constantFrom("127.0.0.1", "[::1]", "localhost", "[fe80::1]", "", "a b", "[x]"),
      fc.constantFrom(":", "::", ""),
      fc.constantFrom("9464", "0", "65535", "65536", "99999", "", "x", "123456"),
    ).map(([h, c, p]) => `${h}${c}${p}`),
  );
  fc.assert(fc.property(listen, (value) => {
    const config = { ...base, governor: { ...base.governor, metricsListen: value } };
    let governorOk = true;
    try {
      parseListen(value);
    } catch {
      governorOk = false;
    }
    let checkOk = true;
    try {
      checkConfig(config);
    } catch {
      checkOk = false;
    }
    assert.equal(checkOk, governorOk, JSON.stringify(value));
  }));
});
