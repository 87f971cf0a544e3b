import assert from "node:assert/strict";
import {
  combineEnergyEvidence,
  type EnergyEvidencePart,
  singleEnergyEvidence,
} from "../../lib/base/energy_evidence.ts";

const S = 1_000_000_000n;
const part = (
  kind: EnergyEvidencePart["kind"],
  seconds: bigint,
  over: Partial<EnergyEvidencePart> = {},
): EnergyEvidencePart => ({
  kind,
  simulated: false,
  raplBackend: kind === "governor" || kind === "rapl" ? "sysfs" : null,
  durationNs: seconds * S,
  ...over,
});

Deno.test("a single source over the whole span is its own kind, fully covered unless modelled", () => {
  assert.equal(singleEnergyEvidence("meter").measuredFraction, 1);
  assert.equal(singleEnergyEvidence("model").measuredFraction, 0);
  assert.equal(singleEnergyEvidence("rapl", { raplBackend: "msr" }).simulated, false);
  assert.equal(singleEnergyEvidence("governor", { raplBackend: "sim" }).simulated, true);
  assert.throws(() => singleEnergyEvidence("rapl", { measuredFraction: 1.5 }), RangeError);
});

Deno.test("combined evidence takes the weakest kind and the counter-covered fraction", () => {
  const e = combineEnergyEvidence([part("governor", 6n), part("rapl", 2n), part("model", 2n)]);
  assert.equal(e.kind, "model");
  assert.deepEqual(e.kinds, ["governor", "rapl", "model"]);
  assert.equal(e.measuredFraction, 0.8);
  assert.equal(e.raplBackend, "sysfs");
  assert.equal(e.simulated, false);
  const counters = combineEnergyEvidence([part("meter", 1n), part("governor", 1n)]);
  assert.equal(counters.kind, "governor");
  assert.equal(counters.measuredFraction, 1);
});

Deno.test("one simulated part makes the whole combination simulated", () => {
  const e = combineEnergyEvidence([
    part("governor", 9n),
    part("governor", 1n, { simulated: true, raplBackend: "sim" }),
  ]);
  assert.equal(e.kind, "governor");
  assert.equal(e.simulated, true);
  const bySim = combineEnergyEvidence([part("rapl", 1n, { raplBackend: "sim" })]);
  assert.equal(bySim.simulated, true, "a sim backend is simulated even without the flag");
});

Deno.test("parts of zero duration count only when the whole span has zero length", () => {
  const e = combineEnergyEvidence([part("governor", 0n), part("model", 5n)]);
  assert.equal(e.kind, "model");
  assert.deepEqual(e.kinds, ["model"]);
  assert.equal(e.measuredFraction, 0);
  const instant = combineEnergyEvidence([part("rapl", 0n)]);
  assert.equal(instant.kind, "rapl");
  assert.equal(instant.measuredFraction, 1);
  assert.equal(combineEnergyEvidence([]).kind, "model");
});
