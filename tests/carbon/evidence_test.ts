import assert from "node:assert/strict";
import {
  combineEnergyEvidence,
  type EnergyEvidenceKind,
  singleEnergyEvidence,
} from "../../lib/base/energy_evidence.ts";
import { mapEnergyEvidence } from "../../lib/carbon/evidence.ts";
import { CarbonEstimator } from "../../lib/carbon/estimator.ts";
import { ENERGY_UNCERTAINTY } from "../../lib/carbon/uncertainty.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";

const KINDS: readonly EnergyEvidenceKind[] = ["governor", "rapl", "model", "meter"];

Deno.test("mapEnergyEvidence maps every kind that is not simulated to its source and quality", () => {
  const expected = {
    governor: { energySource: "governor", quality: "measured" },
    rapl: { energySource: "rapl", quality: "measured" },
    meter: { energySource: "meter", quality: "measured" },
    model: { energySource: "model", quality: "estimated" },
  } as const;
  for (const kind of KINDS) {
    assert.deepEqual(mapEnergyEvidence(singleEnergyEvidence(kind)), {
      energySource: expected[kind].energySource,
      activitySource: kind,
      quality: expected[kind].quality,
      simulated: false,
    }, kind);
  }
});

Deno.test("mapEnergyEvidence never maps a simulated source of any kind to measured", () => {
  for (const kind of KINDS) {
    const m = mapEnergyEvidence(singleEnergyEvidence(kind, { simulated: true }));
    assert.deepEqual(m, {
      energySource: "model",
      activitySource: kind,
      quality: "simulated",
      simulated: true,
    }, kind);
  }
});

Deno.test("mapEnergyEvidence treats a governor span with a modelled gap as estimated", () => {
  const e = combineEnergyEvidence([
    { kind: "governor", simulated: false, raplBackend: "msr", durationNs: 9n },
    { kind: "model", simulated: false, raplBackend: null, durationNs: 1n },
  ]);
  assert.equal(mapEnergyEvidence(e).quality, "estimated");
  assert.equal(mapEnergyEvidence(e).activitySource, "model");
});

Deno.test("an estimate from simulated evidence is signed simulated, with the model's uncertainty", async () => {
  const estimator = new CarbonEstimator({ region: "DE" });
  const span = { startTs: "2025-01-01T00:00:00Z", endTs: "2025-01-01T01:00:00Z", energyWh: 50 };
  const sim = await estimator.estimateOverSpan({
    ...span,
    energyEvidence: singleEnergyEvidence("governor", { raplBackend: "sim" }),
  });
  assert.equal(sim.qualityFlag, "simulated");
  assert.equal(sim.energySource, "model");
  assert.equal(sim.uncertaintyComponentsPct.energy, ENERGY_UNCERTAINTY.model * 100);
  const body = sim.toLedgerBody({ reportingEntity: "E" });
  assert.deepEqual(checkBody("emission", body), []);
  assert.equal(body.quality, "simulated");
  const activity = body.activity as { source: string; simulated?: boolean };
  assert.equal(activity.source, "governor");
  assert.equal(activity.simulated, true);

  const meter = await estimator.estimateOverSpan({
    ...span,
    energyEvidence: singleEnergyEvidence("meter"),
  });
  const meterBody = meter.toLedgerBody({ reportingEntity: "E" });
  assert.deepEqual(checkBody("emission", meterBody), []);
  assert.equal(meterBody.quality, "measured");
  assert.deepEqual(meterBody.activity, { energy_kwh: "0.05", source: "meter", coverage_pct: 100 });
});

Deno.test("the ledger refuses an emission body that signs simulated energy as measured", () => {
  const estimator = new CarbonEstimator({ region: "FR" });
  const e = estimator.estimateFromEnergy(10, {
    startTs: "2025-01-01T00:00:00Z",
    endTs: "2025-01-01T01:00:00Z",
    energySource: "governor",
  });
  const body = e.toLedgerBody({ reportingEntity: "E" });
  assert.deepEqual(checkBody("emission", body), []);
  const forged = { ...body, activity: { ...(body.activity as object), simulated: true } };
  assert.deepEqual(checkBody("emission", forged), [
    '/quality: must be one of "simulated", "fallback"',
  ]);
});
