/**
 * Test and bench helpers for ledgers: a sample emission body and a fast ledger builder that
 * signs records in memory and writes them in large batches (no fsync per record), producing
 * exactly the bytes `LedgerWriter` would.
 */

import { initLedger, type InitResult } from "../../lib/ledger/init.ts";
import { generateSigningKey, type SigningKey } from "../../lib/ledger/keys.ts";
import { signRecord } from "../../lib/ledger/record.ts";
import type { RecordBody } from "../../lib/ledger/record_types.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { FakeClock } from "./fake_clock.ts";

/** A valid emission body (schema v1); `co2eG` and `energyKwh` override the result. */
export function sampleEmission(
  over: { co2eG?: string; energyKwh?: string; scope?: 1 | 2 | 3; month?: string; team?: string } =
    {},
): RecordBody {
  const scope = over.scope ?? 2;
  const month = over.month ?? "2026-01";
  const co2e = over.co2eG ?? "178.0224";
  return {
    schema: "carbon-ops/emission/v1",
    reporting_entity: "Example Corp",
    source: { host: "host-01", site: "fra-1" },
    activity_period: { start: `${month}-01T00:00:00Z`, end: `${month}-01T01:00:00Z` },
    reporting_period: month.slice(0, 4),
    scope,
    ...(scope === 2 ? { scope2_method: "location" } : {}),
    ...(scope === 3 ? { scope3_category: 1 } : {}),
    gases: "CO2e",
    activity: { energy_kwh: over.energyKwh ?? "0.3904", source: "governor", coverage_pct: 99.8 },
    emission_factor: {
      value: "380",
      unit: "gCO2e/kWh",
      dataset: "Ember",
      version: "2025",
      year: 2024,
      region: "DE",
      basis: "lifecycle",
      instrument: "grid_average",
      gwp_set: "IPCC AR6 GWP100",
    },
    pue: { value: "1.2", source: "site measurement 2025" },
    allocation: { rule: "cpu_time_share", ratio: "0.42" },
    result: {
      co2e_g: co2e,
      interval: { lower_g: "0", upper_g: "100000000" },
      confidence_level_pct: 95,
      uncertainty_method: "analytical_truncated",
    },
    quality: "measured",
    tool: { name: "carbon-ops", version: "0.2.0" },
    labels: { team: over.team ?? "ml" },
  };
}

/** A ledger built for a test. */
export interface BuiltLedger extends InitResult {
  /** Directory. */
  readonly dir: string;
  /** Signing key. */
  readonly key: SigningKey;
}

/**
 * Creates a ledger in `dir` with genesis plus `records` more (alternating emission and note
 * unless `bodies` is given), writing lines in 4 MiB batches. Timestamps advance 1 s per record.
 */
export async function buildLedger(
  dir: string,
  options: {
    records?: number;
    key?: SigningKey;
    bodies?: (seq: number) => { type: string; body: RecordBody };
    origin?: string;
  } = {},
): Promise<BuiltLedger> {
  const key = options.key ?? generateSigningKey();
  const clock = new FakeClock({ wallMs: Date.UTC(2026, 0, 1) });
  const init = await initLedger(dir, {
    origin: options.origin ?? "carbon-ops.example/test",
    key,
    clock,
  });
  const n = options.records ?? 0;
  const bodies = options.bodies ??
    ((seq: number) =>
      seq % 2 === 1
        ? { type: "emission", body: sampleEmission() }
        : { type: "note", body: { text: `note ${seq}` } });
  let prev = init.genesisLeaf;
  const file = await Deno.open(`${dir}/ledger.jsonl`, { append: true });
  const enc = new TextEncoder();
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = async () => {
    const bytes = enc.encode(batch.join(""));
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
    batch = [];
    batchBytes = 0;
  };
  for (let seq = 1; seq <= n; seq++) {
    const { type, body } = bodies(seq);
    const ts = new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString();
    const signed = signRecord({ seq, ts, type, body, prev }, key);
    prev = toHex(signed.leaf);
    batch.push(signed.line + "\n");
    batchBytes += signed.line.length + 1;
    if (batchBytes > 4 << 20) await flush();
  }
  await flush();
  await file.syncData();
  file.close();
  return { ...init, dir, key };
}
