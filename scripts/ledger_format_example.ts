/**
 * Produces the worked example of docs/ledger-format.md: a ledger with a genesis record and one
 * emission record, and its checkpoint, signed with the RFC 8032 section 7.1 TEST 1 key (a
 * published test key: never use it for real records) at fixed times, so the output is
 * reproducible byte for byte. Run: deno run -A scripts/ledger_format_example.ts
 *
 * @module
 */

import { fromHex } from "../lib/ledger/encoding.ts";
import { initLedger } from "../lib/ledger/init.ts";
import { publicKeyPem, signingKeyFromSeed } from "../lib/ledger/keys.ts";
import { writeCheckpoint } from "../lib/ledger/checkpoint_writer.ts";
import { LedgerWriter } from "../lib/ledger/writer.ts";
import { VirtualClock } from "../lib/base/clock.ts";

/** The example's inputs and outputs. */
export interface FormatExample {
  /** SPKI PEM of the example key. */
  readonly publicKeyPem: string;
  /** The record key id. */
  readonly kid: string;
  /** The two ledger lines. */
  readonly lines: readonly string[];
  /** Hex leaf hashes of the lines. */
  readonly leaves: readonly string[];
  /** The checkpoint note after the emission. */
  readonly checkpoint: string;
  /** The verifier key string for the checkpoint. */
  readonly verifierKey: string;
}

/** The emission body used in the example. */
export const EXAMPLE_EMISSION = {
  schema: "carbon-ops/emission/v1",
  reporting_entity: "Example GmbH",
  source: { host: "host-01", site: "fra-1" },
  activity_period: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
  reporting_period: "2026",
  scope: 2,
  scope2_method: "location",
  activity: { energy_kwh: "0.3904", source: "governor", coverage_pct: 99.8 },
  emission_factor: {
    value: "380",
    unit: "gCO2e/kWh",
    dataset: "Ember",
    version: "2025",
    year: 2024,
    region: "DE",
    basis: "lifecycle",
  },
  pue: { value: "1.2", source: "site measurement 2025" },
  allocation: { rule: "cpu_time_share", ratio: "0.42" },
  result: {
    co2e_g: "74.769408",
    interval: { lower_g: "61.2", upper_g: "90.1" },
    confidence_level_pct: 95,
    uncertainty_method: "analytical_truncated",
  },
  quality: "measured",
  tool: { name: "carbon-ops", version: "0.2.0" },
  labels: { team: "ml" },
};

/**
 * Builds the example in a temporary directory and returns its bytes.
 *
 * @example
 * ```ts ignore
 * import { formatExample } from "./ledger_format_example.ts";
 * console.log((await formatExample()).lines[1]);
 * ```
 */
export async function formatExample(): Promise<FormatExample> {
  const key = signingKeyFromSeed(
    fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
  );
  const clock = new VirtualClock({ wallMs: Date.UTC(2026, 0, 1, 1, 0, 5, 123) });
  const dir = await Deno.makeTempDir({ prefix: "carbon-ops-format-example-" });
  try {
    const init = await initLedger(dir, { origin: "carbon-ops.example/host-01", key, clock });
    await clock.advance(60_000);
    const writer = await LedgerWriter.open(dir, { key, clock });
    const appended = await writer.append("emission", EXAMPLE_EMISSION);
    await writer.close();
    const cp = await writeCheckpoint(dir, key);
    const verifierKey = init.genesisLine.match(/"verifier_key":"([^"]+)"/)![1];
    return {
      publicKeyPem: publicKeyPem(key),
      kid: key.kid,
      lines: [init.genesisLine, appended.line],
      leaves: [init.genesisLeaf, appended.leaf],
      checkpoint: cp.note,
      verifierKey,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const ex = await formatExample();
  const out = [
    ex.publicKeyPem.trimEnd(),
    `kid ${ex.kid}`,
    ...ex.lines.map((l, i) => `line ${i}: ${l}\nleaf ${i}: ${ex.leaves[i]}`),
    `verifier key: ${ex.verifierKey}`,
    ex.checkpoint,
  ];
  Deno.stdout.writeSync(new TextEncoder().encode(out.join("\n") + "\n"));
}
