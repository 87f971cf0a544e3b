import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import {
  generateSigningKey,
  initLedger,
  verifyLedger,
  writeKeyPair,
} from "../../lib/ledger/mod.ts";

Deno.test("carbon-ops estimate prints grams, interval and provenance", async () => {
  const r = await runCli(["estimate", "--energy-wh", "1000", "--region", "FR"]);
  assert.deepEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /g CO2e +\(95% interval .* analytical_truncated\)/);
  assert.match(r.stdout, /FR, lifecycle, year 2024/);
  assert.match(r.stdout, /attribution Ember/);
});

Deno.test("carbon-ops estimate --json has the Python keys and a reproducible Monte Carlo seed", async () => {
  const args = [
    "estimate",
    "--power-w",
    "250",
    "--duration",
    "3600",
    "--region",
    "aws:eu-west-3",
    "--method",
    "monte-carlo",
    "--seed",
    "7",
    "--json",
  ];
  const a = await runCli(args);
  assert.deepEqual(a.code, 0, a.stderr);
  const d = JSON.parse(a.stdout);
  assert.deepEqual(d.energy_consumed_wh, 250);
  assert.deepEqual(d.pue_used, 1.15);
  assert.deepEqual(d.meta.method, "monte_carlo");
  assert.deepEqual(d.meta.seed, 7);
  assert.deepEqual(d.meta.samples, 10000);
  assert.ok(
    d.meta.ci_lower_g < d.carbon_emissions_gco2 && d.carbon_emissions_gco2 < d.meta.ci_upper_g,
  );
  const b = await runCli(args);
  assert.deepEqual(JSON.parse(b.stdout), d);
});

Deno.test("carbon-ops estimate over a span aligns buckets and reports coverage", async () => {
  const r = await runCli([
    "estimate",
    "--energy-wh",
    "5400",
    "--start",
    "2025-03-01T00:00:00Z",
    "--end",
    "2025-03-02T00:00:00Z",
    "--region",
    "DE",
    "--energy-source",
    "governor",
    "--json",
  ]);
  assert.deepEqual(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual([d.buckets, d.coverage, d.quality_flag], [96, 1, "measured"]);
  assert.deepEqual([d.start_ts, d.end_ts], [
    "2025-03-01T00:00:00.000Z",
    "2025-03-02T00:00:00.000Z",
  ]);
});

Deno.test("carbon-ops estimate bad input exits 2 and says what is allowed", async () => {
  const cases: [string[], RegExp][] = [
    [["estimate", "--energy-wh=-5"], />= 0/],
    [["estimate", "--energy-wh", "NaN"], /expects a decimal number/],
    [
      ["estimate", "--energy-wh", "1", "--region", "Frnace"],
      /unknown region "Frnace"\. Did you mean FR/,
    ],
    [["estimate", "--energy-wh", "1", "--method", "bayes"], /allowed: analytical_truncated/],
    [["estimate", "--energy-wh", "1", "--pue", "0.5"], /--pue must be >= 1 and <= 3/],
    [[
      "estimate",
      "--energy-wh",
      "1",
      "--start",
      "2025-03-02T00:00:00Z",
      "--end",
      "2025-03-01T00:00:00Z",
    ], /endTs must be after startTs/],
    [["estimate", "--power-w", "100"], /--power-w needs --duration/],
    [["estimate", "--energy-wh", "1", "--power-w", "3"], /exactly one of --energy-wh or --power-w/],
    [[
      "estimate",
      "--energy-wh",
      "1",
      "--start",
      "2020-01-01T00:00:00Z",
      "--end",
      "2025-01-01T00:00:00Z",
      "--bucket-minutes",
      "1",
    ], /at most 200000/],
    [
      ["estimate", "--energy-wh", "1", "--ledger", "/tmp/x"],
      /--ledger DIR and --key FILE go together/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.deepEqual(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

Deno.test("carbon-ops estimate --allow-fallback uses global-average, flagged fallback", async () => {
  const r = await runCli([
    "estimate",
    "--energy-wh",
    "1",
    "--region",
    "atlantis",
    "--allow-fallback",
    "--json",
  ]);
  assert.deepEqual(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual([d.region, d.quality_flag], ["global-average", "fallback"]);
});

Deno.test("carbon-ops estimate reads regions from CARBON_OPS_CARBON_INTENSITY_FILE", async () => {
  await using dir = await tempDir();
  const file = dir.join("mine.jsonc");
  await Deno.writeTextFile(
    file,
    `{ "regions": { "lab": { "intensityGPerKwh": 100, "year": 2025, "basis": "lifecycle", "source": "bill" } } }`,
  );
  const r = await runCli([
    "estimate",
    "--energy-wh",
    "1000",
    "--region",
    "lab",
    "--pue",
    "1",
    "--json",
  ], {
    env: { CARBON_OPS_CARBON_INTENSITY_FILE: file },
  });
  assert.deepEqual(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).carbon_emissions_gco2, 100);
  const badText = `{ "regions": { "lab": { "intensityGPerKwh": "x" } } }`;
  await Deno.writeTextFile(file, badText);
  const bad = await runCli(["estimate", "--energy-wh", "1", "--region", "lab"], {
    env: { CARBON_OPS_CARBON_INTENSITY_FILE: file },
  });
  assert.deepEqual(bad.code, 2);
  const col = badText.indexOf('"x"') + 1;
  assert.match(
    bad.stderr,
    new RegExp(`mine\\.jsonc:1:${col}: regions\\.lab\\.intensityGPerKwh: expected a number`),
  );
});

Deno.test("carbon-ops estimate --ledger appends a record that verifies", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const ledgerDir = dir.join("ledger");
  await Deno.mkdir(ledgerDir);
  const { trust } = await initLedger(ledgerDir, { origin: "carbon-ops.example/host-01", key });
  const written = await writeKeyPair(dir.join("keys"), key);
  const r = await runCli([
    "estimate",
    "--energy-wh",
    "1200",
    "--start",
    "2025-03-01T00:00:00Z",
    "--duration",
    "3600",
    "--region",
    "aws:eu-west-3",
    "--energy-source",
    "governor",
    "--ledger",
    ledgerDir,
    "--key",
    written.keyPath,
    "--host",
    "host-01",
    "--label",
    "team=ml",
    "--json",
  ]);
  assert.deepEqual(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual(d.ledger.seq, 1);
  const report = await verifyLedger(ledgerDir, { trust });
  assert.deepEqual(report.status, "valid");
  const line = (await Deno.readTextFile(`${ledgerDir}/ledger.jsonl`)).trim().split("\n")[1];
  const body = JSON.parse(line).body;
  assert.deepEqual(body.source, { host: "host-01", cloud_region: "aws:eu-west-3" });
  assert.deepEqual(body.labels, { team: "ml" });
  assert.deepEqual(body.reporting_entity, "carbon-ops.example");
});

Deno.test("carbon-ops regions lists, searches and prints JSON", async () => {
  const r = await runCli(["regions", "--search", "paris"]);
  assert.deepEqual(r.code, 0, r.stderr);
  assert.match(r.stdout, /aws:eu-west-3 .* ember/);
  const j = await runCli(["regions", "--search", "us-east-1", "--json"]);
  const d = JSON.parse(j.stdout);
  assert.deepEqual(d.regions[0].id, "aws:us-east-1");
  assert.deepEqual(d.regions[0].licence.startsWith("ODbL"), true);
  const p = await runCli(["regions", "--pue"]);
  assert.match(p.stdout, /aws +1\.150/);
  const none = await runCli(["regions", "--search", "atlantis"]);
  assert.deepEqual(none.code, 0);
  assert.match(none.stderr, /no region matches "atlantis"/);
  const help = await runCli(["regions", "--help"]);
  assert.match(help.stdout, /Usage: carbon-ops regions/);
});

Deno.test("carbon-ops estimate --energy-source meter signs measured meter energy; a bad key fails first", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const ledgerDir = dir.join("ledger");
  await Deno.mkdir(ledgerDir);
  await initLedger(ledgerDir, { origin: "carbon-ops.example/host-01", key });
  const written = await writeKeyPair(dir.join("keys"), key);
  const args = [
    "estimate",
    "--energy-wh",
    "500",
    "--start",
    "2025-03-01T00:00:00Z",
    "--duration",
    "3600",
    "--region",
    "DE",
    "--energy-source",
    "meter",
    "--ledger",
    ledgerDir,
  ];
  const badKey = await runCli([...args, "--key", dir.join("missing.key")]);
  assert.equal(badKey.code, 2, badKey.stderr);
  const r = await runCli([...args, "--key", written.keyPath, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).ledger.seq, 1, "the failed run appended nothing");
  const lines = (await Deno.readTextFile(`${ledgerDir}/ledger.jsonl`)).trimEnd().split("\n");
  const body = JSON.parse(lines[lines.length - 1]).body;
  assert.equal(body.quality, "measured");
  assert.deepEqual(body.activity, { energy_kwh: "0.5", source: "meter", coverage_pct: 100 });
  const orphan = await runCli([
    "estimate",
    "--energy-wh",
    "1",
    "--energy-coverage-pct",
    "50",
  ]);
  assert.equal(orphan.code, 2, "--energy-coverage-pct without a ledger is a usage error");
});
