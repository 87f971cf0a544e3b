/**
 * Test and bench helpers for ledgers: a sample emission body and a fast ledger builder that
 * signs records in memory and writes them in large batches (no fsync per record), producing
 * exactly the bytes `LedgerWriter` would.
 */

import { initLedger, type InitResult } from "../../lib/ledger/init.ts";
import { generateSigningKey, type SigningKey } from "../../lib/ledger/keys.ts";
import { type RecordBody, signRecord } from "../../lib/ledger/record.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { EXAMPLE_EMISSION } from "../../scripts/ledger_format_example.ts";

/**
 * A valid emission body (schema v1): the worked example's body (scripts/ledger_format_example.ts)
 * with a wide interval, gases and the factor's instrument and GWP set; `co2eG` (default
 * "178.0224"), `energyKwh`, `scope`, `month` and `team` override it.
 */
export function sampleEmission(
  over: { co2eG?: string; energyKwh?: string; scope?: 1 | 2 | 3; month?: string; team?: string } =
    {},
): RecordBody {
  const scope = over.scope ?? 2;
  const month = over.month ?? "2026-01";
  const { scope2_method: _method, ...example } = EXAMPLE_EMISSION;
  return {
    ...example,
    activity_period: { start: `${month}-01T00:00:00Z`, end: `${month}-01T01:00:00Z` },
    reporting_period: month.slice(0, 4),
    scope,
    ...(scope === 2 ? { scope2_method: "location" } : {}),
    ...(scope === 3 ? { scope3_category: 1 } : {}),
    gases: "CO2e",
    activity: { ...example.activity, energy_kwh: over.energyKwh ?? example.activity.energy_kwh },
    emission_factor: {
      ...example.emission_factor,
      instrument: "grid_average",
      gwp_set: "IPCC AR6 GWP100",
    },
    result: {
      ...example.result,
      co2e_g: over.co2eG ?? "178.0224",
      interval: { lower_g: "0", upper_g: "100000000" },
    },
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
  const clock = new VirtualClock({ sleep: "manual", wallMs: Date.UTC(2026, 0, 1) });
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
