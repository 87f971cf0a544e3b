/**
 * Test helper for the report: realistic emission bodies spread over a year (three teams, three
 * regions and factors, two PUE profiles, measured, modelled and simulated energy, scope 2 and
 * scope 3), written with the fast ledger builder. Deterministic: body `i` of `n` is always the
 * same.
 */

import { toDecimalString } from "../../lib/carbon/ledger_body.ts";
import type { RecordBody } from "../../lib/ledger/record.ts";
import { buildLedger, type BuiltLedger } from "./ledger_fixture.ts";

const TEAMS = [
  {
    team: "ml",
    region: "FR",
    factor: 56,
    dataset: "Ember",
    year: 2024,
    pue: ["1.2", "site measurement 2025"],
    source: "governor",
    sigma: 0.12,
    scope: 2,
  },
  {
    team: "web",
    region: "DE",
    factor: 380,
    dataset: "Ember",
    year: 2024,
    pue: ["1.2", "site measurement 2025"],
    source: "model",
    sigma: 0.3,
    scope: 2,
  },
  {
    team: "data",
    region: "eu-west-1",
    factor: 290,
    dataset: "Cloud Carbon Footprint",
    year: 2023,
    pue: ["1.135", "provider default"],
    source: "governor",
    sigma: 0.2,
    scope: 3,
  },
] as const;

/** Start of the generated activity: 2025-01-01T00:00:00Z. */
export const REPORT_FIXTURE_START_MS = Date.UTC(2025, 0, 1);

/**
 * Emission body `i` of `n`: activity periods of 15 minutes spread evenly over `days` (default
 * 365) from 2025-01-01, teams in turn, energy 0.05..0.5 kWh, a log-normal 95% interval.
 */
export function reportBody(i: number, n: number, days = 365): RecordBody {
  const t = TEAMS[i % TEAMS.length];
  const startMs = REPORT_FIXTURE_START_MS +
    Math.floor((i / Math.max(1, n)) * days * 96) * 900_000;
  const energyKwh = 0.05 + ((i * 7919) % 1000) / 1000 * 0.45;
  const pue = Number(t.pue[0]);
  const grams = energyKwh * pue * t.factor;
  const simulated = t.team === "data" && i % 50 === 0;
  const k = Math.exp(1.96 * t.sigma);
  return {
    schema: "carbon-ops/emission/v1",
    reporting_entity: "Example GmbH",
    source: t.scope === 3 ? { cloud_region: t.region } : { host: `host-0${i % 4}`, site: "fra-1" },
    activity_period: {
      start: new Date(startMs).toISOString().replace(".000Z", "Z"),
      end: new Date(startMs + 900_000).toISOString().replace(".000Z", "Z"),
    },
    reporting_period: "2025",
    scope: t.scope,
    ...(t.scope === 3 ? { scope3_category: 1 } : { scope2_method: "location" }),
    gases: "CO2e",
    activity: {
      energy_kwh: toDecimalString(energyKwh, 6),
      source: t.source,
      ...(simulated ? { simulated: true } : {}),
      coverage_pct: 100,
    },
    emission_factor: {
      value: String(t.factor),
      unit: "gCO2e/kWh",
      dataset: t.dataset,
      version: "2025",
      year: t.year,
      region: t.region,
      basis: "lifecycle",
      instrument: "grid_average",
      gwp_set: "IPCC AR6 GWP100",
    },
    pue: { value: t.pue[0], source: t.pue[1] },
    allocation: { rule: "whole_host" },
    result: {
      co2e_g: toDecimalString(grams, 6),
      interval: { lower_g: toDecimalString(grams / k, 6), upper_g: toDecimalString(grams * k, 6) },
      confidence_level_pct: 95,
      uncertainty_method: "analytical_truncated",
    },
    quality: simulated ? "simulated" : t.source === "model" ? "estimated" : "measured",
    tool: { name: "carbon-ops", version: "0.3.0" },
    labels: { team: t.team, project: `${t.team}-${i % 2 ? "a" : "b"}` },
  };
}

/**
 * A ledger of genesis plus `emissions` emission records from `reportBody`, with its trust file
 * written to `DIR/trust.json`.
 */
export async function buildReportLedger(
  dir: string,
  emissions: number,
  options: { days?: number } = {},
): Promise<BuiltLedger> {
  const built = await buildLedger(dir, {
    records: emissions,
    origin: "example.org/host-01",
    bodies: (seq) => ({ type: "emission", body: reportBody(seq - 1, emissions, options.days) }),
  });
  await Deno.writeTextFile(`${dir}/trust.json`, built.trustText);
  return built;
}

/** Writes one line to stdout. */
function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

if (import.meta.main) {
  // deno run -A tests/_kit/report_fixture.ts DIR EMISSIONS: builds a report ledger by hand.
  const [dir, count] = Deno.args;
  await Deno.mkdir(dir, { recursive: true });
  const t0 = performance.now();
  await buildReportLedger(dir, Number(count));
  print(`${dir}: ${count} emission records in ${(performance.now() - t0).toFixed(0)} ms`);
}
