import assert from "node:assert/strict";
import { RegionCatalog } from "../../lib/carbon/catalog.ts";
import { normalQuantile } from "../../lib/carbon/stats.ts";
import { embodiedSigma, instanceEmbodied } from "../../lib/cloud/embodied.ts";
import { lookupInstance } from "../../lib/cloud/instance_catalog.ts";
import {
  CCF_LINEAR_MODEL,
  instancePower,
  instancePowerSigma,
} from "../../lib/cloud/instance_power.ts";
import { Decimal } from "../../lib/ledger/decimal.ts";
import {
  generateSigningKey,
  initLedger,
  verifyLedger,
  writeKeyPair,
} from "../../lib/ledger/mod.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const close = (a: number, b: number, rel = 1e-6) =>
  Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-9);

/** The example, run as a user would. */
const EXAMPLE = [
  "estimate",
  "--instance-type",
  "aws:m5.large",
  "--utilization",
  "50",
  "--duration",
  "3600",
  "--region",
  "aws:eu-west-1",
  "--json",
];

Deno.test("estimate --instance-type aws:m5.large at 50% for an hour in eu-west-1 matches the cloud models", async () => {
  const r = await runCli(EXAMPLE);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);

  // Operational: the instance model's IT power, the region's PUE profile and factor.
  const spec = lookupInstance("aws:m5.large")!;
  const cpuW = spec.vcpus! * (spec.minWPerVcpu + 0.5 * (spec.maxWPerVcpu - spec.minWPerVcpu));
  const powerW = cpuW + spec.memoryW;
  assert.ok(close(instancePower(spec, 50).totalW, powerW, 1e-12));
  const catalog = RegionCatalog.embedded();
  const region = catalog.lookup("aws:eu-west-1").figure;
  const pue = catalog.pueProfile("aws").pue;
  assert.equal(d.energy_source, "model");
  assert.ok(close(d.energy_consumed_wh, powerW), `${d.energy_consumed_wh} Wh vs ${powerW}`);
  assert.equal(d.pue_used, pue);
  const operationalG = powerW / 1000 * pue * region.intensityGPerKwh;
  assert.ok(close(d.grams, operationalG), `${d.grams} g vs ${operationalG}`);
  assert.equal(d.grams.toFixed(2), "2.38", "docs/carbon-estimation.md's worked example");
  assert.equal(
    d.uncertainty_components_pct.energy,
    Number((instancePowerSigma(spec, 50) * 100).toFixed(2)),
  );
  assert.deepEqual(d.energy_model, {
    name: CCF_LINEAR_MODEL,
    instance_type: "aws:m5.large",
    utilization_pct: 50,
    utilization_assumed: false,
    power_w: Number(powerW.toFixed(6)),
    flags: [],
  });

  // Embodied: the host's share over the hour, its own interval from its own sigma.
  const m = instanceEmbodied(spec, 3_600_000)!;
  const basis = spec.embodied!;
  assert.equal(basis.kind, "host_share");
  if (basis.kind !== "host_share") return;
  const embodiedG = basis.platformKgco2e * 1000 / 35_040 * (spec.vcpus! / basis.platformVcpus);
  assert.ok(close(m.grams, embodiedG, 1e-12));
  const z = normalQuantile(0.975);
  const sigma = embodiedSigma(basis);
  assert.ok(close(d.embodied.co2e_g, embodiedG), `${d.embodied.co2e_g} vs ${embodiedG}`);
  assert.ok(close(d.embodied.ci_lower_g, embodiedG * Math.exp(-z * sigma)));
  assert.ok(close(d.embodied.ci_upper_g, embodiedG * Math.exp(z * sigma)));
  assert.equal(d.embodied.confidence_level_pct, 95);
  assert.equal(d.embodied.instance_type, "aws:m5.large");
  assert.equal(d.embodied.method, "host_share:ccf_teads_component_model");
  assert.match(d.embodied.model, /^ccf-embodied@\d{4}-\d{2}-\d{2}$/);

  // Operational keeps its own interval; the total's interval is that of the sum.
  assert.deepEqual(d.operational, {
    co2e_g: d.grams,
    ci_lower_g: d.meta.ci_lower_g,
    ci_upper_g: d.meta.ci_upper_g,
    confidence_level_pct: 95,
  });
  assert.ok(close(d.total.co2e_g, d.grams + d.embodied.co2e_g));
  assert.ok(d.total.ci_lower_g > d.operational.ci_lower_g + d.embodied.ci_lower_g);
  assert.ok(d.total.ci_upper_g < d.operational.ci_upper_g + d.embodied.ci_upper_g);
  assert.ok(d.total.ci_lower_g < d.total.co2e_g && d.total.co2e_g < d.total.ci_upper_g);
});

Deno.test("estimate --instance-type without --utilization assumes 50%, flagged, with a wider interval", async () => {
  const noUtilization = ["--instance-type", "aws:m5.large", "--duration", "3600"];
  const r = await runCli(["estimate", ...noUtilization, "--region", "aws:eu-west-1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[\d.]+ g CO2e operational +\(95% interval/);
  assert.match(
    r.stdout,
    /\nmodel +ccf-linear@[\d-]+: aws:m5\.large at 50% CPU \(assumed\) = 7\.382 W IT power; flags utilization_assumed\n/,
  );
  assert.match(
    r.stdout,
    /\nembodied +0\.957 g CO2e +\(95% interval [\d.]+ g \.\. [\d.]+ g; ccf-embodied@/,
  );
  assert.match(r.stdout, /\ntotal +3\.33\d g CO2e +\(95% interval /);
  const spec = lookupInstance("aws:m5.large")!;
  const assumed = instancePowerSigma(spec, 50, { utilizationAssumed: true });
  assert.ok(assumed > instancePowerSigma(spec, 50));
  assert.match(r.stdout, new RegExp(`energy ${(assumed * 100).toFixed(1)}%`));
});

Deno.test("estimate --instance-type --ledger appends a verifiable record with the model and the embodied block", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const ledger = dir.join("ledger");
  await Deno.mkdir(ledger);
  const { trust } = await initLedger(ledger, { origin: "carbon-ops.example/vm-01", key });
  const written = await writeKeyPair(dir.join("keys"), key);
  const r = await runCli([
    "estimate",
    "--instance-type",
    "gcp:n2-standard-4",
    "--utilization",
    "25",
    "--start",
    "2026-01-01T00:00:00Z",
    "--end",
    "2026-01-01T02:00:00Z",
    "--region",
    "gcp:europe-west1",
    "--confidence",
    "90",
    "--ledger",
    ledger,
    "--key",
    written.keyPath,
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.equal(d.ledger.seq, 1);
  assert.equal((await verifyLedger(ledger, { trust })).status, "valid");
  const line = (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trim().split("\n")[1];
  const body = JSON.parse(line).body;
  assert.deepEqual(body.activity.model, {
    name: CCF_LINEAR_MODEL,
    instance_type: "gcp:n2-standard-4",
    utilization_pct: 25,
  });
  assert.equal(body.activity.source, "model");
  const spec = lookupInstance("gcp:n2-standard-4")!;
  const kwh = instancePower(spec, 25).totalW * 2 / 1000;
  assert.ok(close(Number(body.activity.energy_kwh), kwh), `${body.activity.energy_kwh} vs ${kwh}`);
  const m = instanceEmbodied(spec, 2 * 3_600_000)!;
  assert.equal(body.embodied.co2e_g, String(Number(m.grams.toFixed(6))));
  assert.equal(body.embodied.confidence_level_pct, 90);
  assert.equal(body.result.confidence_level_pct, 90);
  const z = normalQuantile(0.95);
  assert.ok(close(Number(body.embodied.ci_upper_g), m.grams * Math.exp(z * m.sigmaLn), 1e-5));
  assert.equal(body.embodied.share_of_host, String(Number(m.shareOfHost!.toFixed(9))));
  assert.equal(body.embodied.instance_type, "gcp:n2-standard-4");
  assert.ok(
    body.assumptions.some((a: string) => a.includes(`${CCF_LINEAR_MODEL} for gcp:n2-standard-4`)),
  );

  const t = await runCli(["ledger", "totals", ledger, "--json"]);
  assert.equal(t.code, 0, t.stderr);
  const total = JSON.parse(t.stdout).total;
  assert.equal(total.co2e_g, body.result.co2e_g);
  assert.equal(total.embodied_co2e_g, body.embodied.co2e_g);
  assert.equal(
    total.total_co2e_g,
    Decimal.parse(body.result.co2e_g).add(Decimal.parse(body.embodied.co2e_g)).toString(),
  );
});

Deno.test("estimate --instance-type refuses what it cannot model, saying what to give (exit 2)", async () => {
  const base = ["estimate", "--duration", "3600", "--region", "aws:eu-west-1"];
  const cases: [string[], RegExp][] = [
    [[...base, "--instance-type", "aws:m5.large", "--power-w", "10"], /exactly one of/],
    [["estimate", "--instance-type", "aws:m5.large"], /--instance-type needs --duration/],
    [[...base, "--instance-type", "oci:VM.Standard3.Flex"], /no power coefficients .*'oci'/],
    [[...base, "--instance-type", "m5.large"], /is not provider:type/],
    [[...base, "--instance-type", "aws:m99.large"], /give --vcpus N/],
    [[...base, "--instance-type", "aws:m5.large", "--utilization", "150"], /--utilization/],
    [[...base, "--power-w", "10", "--utilization", "50"], /go with --instance-type/],
    [
      [...base, "--instance-type", "aws:m5.large", "--energy-source", "rapl"],
      /energy source model/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(" "));
  }
});

Deno.test("estimate --instance-type with --vcpus models an unknown type from the provider average, flagged", async () => {
  const r = await runCli([
    "estimate",
    "--instance-type",
    "aws:m99.large",
    "--vcpus",
    "2",
    "--utilization",
    "50",
    "--duration",
    "3600",
    "--region",
    "aws:eu-west-1",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const spec = lookupInstance("aws:m99.large", { vcpus: 2 })!;
  assert.ok(close(d.energy_consumed_wh, instancePower(spec, 50).totalW));
  assert.ok(d.energy_model.flags.includes("instance_type_not_in_catalog"));
  assert.equal(d.embodied.method, "per_vcpu_fallback");
  assert.equal(d.embodied.share_of_host, null);
  assert.ok(d.embodied.flags.includes("embodied_per_vcpu_fallback"));
});
