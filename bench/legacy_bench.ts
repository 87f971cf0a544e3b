/**
 * Legacy (Python carbon-ops 0.1) ledger verification speed: a 20,000-line ledger written with
 * the exact 0.1 byte rules, verified byte for byte against a pinned key. The Python 0.1
 * verifier took about 175 us a line (3.5 s for 20,000 lines).
 *
 * Run: node_modules/.bin/deno bench -A bench/legacy_bench.ts
 */

import { verifyLegacyLedger } from "../lib/ledger/legacy/legacy.ts";
import { legacyKey, writeLegacyTs } from "../tests/_kit/legacy_writer.ts";

const LINES = 20_000;
const key = legacyKey(3);
const payloads = Array.from(
  { length: LINES },
  (_, i) =>
    `{"timestamp": "2025-03-01T12:00:00+00:00", "operation": "train \\u00e9 ${i}", ` +
    `"carbon_emissions_gco2": ${i}.5, "energy_consumed_kwh": 1e-05, ` +
    `"meta": {"ci_lower_g": 1.0, "ci_upper_g": 2.0}}`,
);
const data = new TextEncoder().encode(writeLegacyTs(payloads, { priv: key.priv }));

Deno.bench(`legacy: verify a ${LINES}-line 0.1 ledger byte for byte (per line = time / ${LINES})`, {
  n: 5,
  warmup: 1,
}, () => {
  const r = verifyLegacyLedger(data, { publicKeyHex: key.pubHex });
  if (!r.ok || r.verifiedEntries !== LINES) throw new Error("legacy ledger did not verify");
});
