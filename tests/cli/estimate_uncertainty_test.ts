import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(["estimate", ...args, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

Deno.test("carbon-ops estimate states energy and PUE uncertainty and documents them in --help", async () => {
  const help = await runCli(["estimate", "--help"]);
  assert.equal(help.code, 0);
  for (
    const option of [
      "--energy-sigma-pct",
      "--pue-sigma-pct",
      "--meter pdu|facility",
      "--meter-class",
    ]
  ) {
    assert.ok(help.stdout.includes(option), option);
  }
  const d = await json([
    "--energy-wh",
    "1000",
    "--region",
    "DE",
    "--energy-sigma-pct",
    "7",
    "--pue",
    "1.4",
    "--pue-sigma-pct",
    "10",
  ]);
  const parts = d.uncertainty_components_pct as Record<string, number>;
  assert.equal(parts.energy, 7);
  assert.ok(parts.pue > 9 && parts.pue <= 10, `PUE component ${parts.pue}`);
  const profile = await json(["--energy-wh", "1000", "--region", "DE", "--pue-sigma-pct", "20"]);
  assert.ok((profile.uncertainty_components_pct as Record<string, number>).pue > 15);
  const bad = await runCli(["estimate", "--energy-wh", "1", "--pue-sigma-pct", "-1"]);
  assert.equal(bad.code, 2, bad.stderr);
});

Deno.test("carbon-ops estimate --meter takes a typed-in meter reading as measured energy, not model output", async () => {
  const typed = await json(["--energy-wh", "1000", "--region", "DE"]);
  assert.equal((typed.uncertainty_components_pct as Record<string, number>).energy, 30);
  const pdu = await json([
    "--energy-wh",
    "1000",
    "--region",
    "DE",
    "--meter",
    "pdu",
    "--meter-class",
    "1",
  ]);
  assert.equal(pdu.energy_source, "meter");
  assert.equal(pdu.quality_flag, "measured");
  assert.equal((pdu.uncertainty_components_pct as Record<string, number>).energy, 0.58);
  assert.deepEqual((pdu.energy_evidence as Record<string, unknown>).meter, {
    point: "pdu",
    accuracy_class_pct: 1,
  });
  assert.equal(pdu.pue_used, typed.pue_used, "a PDU meter reads IT energy: the PUE still applies");
  const facility = await json(["--energy-wh", "1000", "--region", "DE", "--meter", "facility"]);
  assert.equal(facility.pue_used, 1, "a facility meter already includes the overhead");
  assert.equal((facility.uncertainty_components_pct as Record<string, number>).energy, 2);
  for (
    const args of [
      ["--meter", "facility", "--pue", "1.3"],
      ["--meter", "pdu", "--energy-source", "rapl"],
      ["--meter-class", "1"],
      ["--meter", "wall"],
      ["--meter", "pdu", "--meter-class", "0"],
    ]
  ) {
    const r = await runCli(["estimate", "--energy-wh", "1", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  }
});

Deno.test("carbon-ops estimate --pue 1 never draws a PUE below 1", async () => {
  const args = ["--energy-wh", "1000", "--region", "FR", "--pue", "1", "--method", "monte-carlo"];
  const loose = await json([...args, "--pue-sigma-pct", "50"]);
  const exact = await json([...args, "--pue-sigma-pct", "0"]);
  assert.deepEqual(loose.meta, exact.meta);
  assert.equal((loose.uncertainty_components_pct as Record<string, number>).pue, 0);
});

Deno.test("carbon-ops estimate --power-w with --duration and no --start uses the duration's temporal sigma", async () => {
  const args = ["--power-w", "100", "--region", "DE", "--energy-source", "governor"];
  const noStart = await json([...args, "--duration", "31536000"]);
  const dated = await json([...args, "--start", "2025-01-01T00:00:00Z", "--duration", "31536000"]);
  assert.equal(noStart.uncertainty_pct, dated.uncertainty_pct);
  assert.ok(!(noStart.flags as string[]).includes("timing_unknown"));
});
