import { ok as assert } from "node:assert/strict";
import { ACCURACY_CASES, runAccuracyCase } from "../_kit/governor_accuracy.ts";

for (const c of ACCURACY_CASES) {
  Deno.test(`governor total matches the true energy within a tick over 10 minutes: ${c.label}`, () => {
    const r = runAccuracyCase(c, { seconds: 600, jitterMs: 5, seed: 7 });
    const abs = r.errorUj < 0n ? -r.errorUj : r.errorUj;
    assert(abs <= r.tickEnergyUj, `error ${r.errorUj} uJ > one tick ${r.tickEnergyUj} uJ`);
    // in fact within two hardware units (<= 123 uJ): quantisation at the first and last sample
    assert(abs <= 123n, `error ${r.errorUj} uJ`);
    assert(
      r.resets === 0 && r.discarded === 0,
      JSON.stringify(r, (_k, v) => typeof v === "bigint" ? `${v}` : v),
    );
    assert(r.wraps >= 1, "the scenario wraps at least once");
  });
}
