import assert from "node:assert/strict";
import { lookupInstance } from "../../lib/cloud/instance_catalog.ts";
import {
  CCF_LINEAR_MODEL,
  instanceEnergyUj,
  instancePower,
  instancePowerSigma,
} from "../../lib/cloud/instance_power.ts";
import { CLOUD_DATA_VERSION } from "../../lib/cloud/data/constants_gen.ts";

const m5 = lookupInstance("aws:m5.large")!;

Deno.test("instance power is CCF's straight line from idle to full load plus constant memory", () => {
  const idle = instancePower(m5, 0);
  const full = instancePower(m5, 100);
  assert.equal(idle.cpuW, 2 * 0.65);
  assert.equal(full.cpuW, 2 * 4.26);
  for (const u of [10, 25, 50, 75, 90]) {
    const p = instancePower(m5, u);
    const expected = idle.cpuW + (u / 100) * (full.cpuW - idle.cpuW);
    assert.ok(Math.abs(p.cpuW - expected) < 1e-12, `linear at ${u} %`);
    assert.equal(p.memoryW, 2.472, "memory does not depend on utilisation");
    assert.equal(p.totalW, p.cpuW + p.memoryW);
  }
  assert.equal(idle.model, `ccf-linear@${CLOUD_DATA_VERSION}`);
  assert.equal(CCF_LINEAR_MODEL, "ccf-linear@2026-12-02");
  assert.equal(idle.instanceId, "aws:m5.large");
  assert.equal(idle.match, "exact");
});

Deno.test("instance power needs vCPUs for a fallback spec and takes them from the options", () => {
  const unknown = lookupInstance("gcp:n9-standard-8")!;
  assert.throws(() => instancePower(unknown, 50), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /vCPUs of gcp:n9-standard-8 are unknown.*options\.vcpus/);
    return true;
  });
  const p = instancePower(unknown, 50, { vcpus: 8 });
  assert.equal(p.vcpus, 8);
  assert.ok(Math.abs(p.cpuW - 8 * (0.68 + 0.5 * (4.11 - 0.68))) < 1e-12);
  // A known type's own vCPUs win over the option.
  assert.equal(instancePower(m5, 50, { vcpus: 64 }).vcpus, 2);
});

Deno.test("instance power rejects utilisations outside 0..100 and bad durations", () => {
  for (const u of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => instancePower(m5, u), RangeError, String(u));
    assert.throws(() => instancePowerSigma(m5, u), RangeError, String(u));
  }
  assert.throws(() => instancePower(lookupInstance("aws:x")!, 5, { vcpus: -2 }), RangeError);
  assert.throws(() => instanceEnergyUj(instancePower(m5, 5), -1), RangeError);
});

Deno.test("instance power sigma follows the published CCF-vs-Teads spread and widens on fallbacks", () => {
  // At 50 %: S = (ln 0.76 - ln 0.359) / 2.5631 = 0.2926; B = |ln 0.561| = 0.5780;
  // sqrt(S^2 / 2 + (B / 2)^2) = sqrt(0.04281 + 0.08352) = 0.3554.
  const s = (Math.log(0.76) - Math.log(0.359)) / (2 * 1.2815515655446004);
  const b = Math.abs(Math.log(0.561));
  const expected = Math.sqrt(s * s / 2 + (b / 2) ** 2);
  assert.ok(Math.abs(instancePowerSigma(m5, 50) - expected) < 1e-12);
  assert.ok(Math.abs(expected - 0.3554) < 1e-4);
  // At idle the idle statistics alone: S from 0.412..1.262, B from 0.887.
  const s0 = (Math.log(1.262) - Math.log(0.412)) / (2 * 1.2815515655446004);
  const b0 = Math.abs(Math.log(0.887));
  assert.ok(Math.abs(instancePowerSigma(m5, 0) - Math.sqrt(s0 * s0 / 2 + (b0 / 2) ** 2)) < 1e-12);
  // Every step down the fallback chain, and an assumed utilisation, widens the interval.
  const average = lookupInstance("aws:m99.large", { vcpus: 2 })!;
  const graviton1 = lookupInstance("aws:a1.large")!; // no coefficient of its own
  for (const u of [0, 30, 50, 80, 100]) {
    const exact = instancePowerSigma(m5, u);
    assert.ok(instancePowerSigma(average, u) > exact + 0.1, `average at ${u} %`);
    assert.ok(instancePowerSigma(graviton1, u) > exact + 0.1, `graviton1 at ${u} %`);
    assert.ok(instancePowerSigma(m5, u, { utilizationAssumed: true }) > exact + 0.05, `${u} %`);
  }
  assert.deepEqual(instancePower(m5, 50, { utilizationAssumed: true }).flags, [
    "utilization_assumed",
  ]);
  assert.equal(instancePower(m5, 50).sigmaLn, instancePowerSigma(m5, 50));
});

Deno.test("instance energy is the power over the duration in whole microjoules", () => {
  const p = instancePower(m5, 50); // 7.382 W
  assert.equal(instanceEnergyUj(p, 0), 0n);
  assert.equal(instanceEnergyUj(p, 3_600_000), 26_575_200_000n); // 7.382 W x 3600 s
  assert.equal(instanceEnergyUj(p, 1), 7_382n);
});
