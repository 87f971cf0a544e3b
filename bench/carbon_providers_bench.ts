/**
 * Live provider overhead without the network: responses come from an in-process `fetch`, so
 * these numbers are parsing, validation, paging and caching only.
 * Run: node_modules/.bin/deno bench -A bench/carbon_providers_bench.ts
 */
import { UkCarbonIntensityProvider } from "../lib/carbon/providers/uk_carbon_intensity.ts";
import { WattTimeProvider } from "../lib/carbon/providers/watttime.ts";
import type { FetchFn } from "../lib/carbon/providers/http_fetch.ts";

const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_END = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";

const ukFetch: FetchFn = (url) => {
  const [from, to] = new URL(url).pathname.split("/").slice(2);
  const data = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 1_800_000) {
    data.push({ from: iso(t), to: iso(t + 1_800_000), intensity: { forecast: 150, actual: 140 } });
  }
  return Promise.resolve(new Response(JSON.stringify({ data })));
};

const wtFetch: FetchFn = (url) => {
  const u = new URL(url);
  if (u.pathname === "/login") return Promise.resolve(new Response('{"token":"t"}'));
  const s = Date.parse(u.searchParams.get("start") ?? ""),
    e = Date.parse(u.searchParams.get("end") ?? "");
  const data = [];
  for (let t = s; t <= e; t += 300_000) {
    data.push({ point_time: new Date(t).toISOString(), value: 800 });
  }
  const meta = { region: "CAISO_NORTH", units: "lbs_co2_per_mwh", data_point_period_seconds: 300 };
  return Promise.resolve(new Response(JSON.stringify({ data, meta })));
};

Deno.bench("UK API, one year of half hours (17,520), cold cache (27 requests)", async () => {
  const uk = new UkCarbonIntensityProvider({ fetch: ukFetch });
  const r = await uk.intensityForSpan("GB", YEAR_START, YEAR_END);
  if (r?.length !== 17_520) throw new Error(`got ${r?.length}`);
});

const warmUk = new UkCarbonIntensityProvider({ fetch: ukFetch });
await warmUk.intensityForSpan("GB", YEAR_START, YEAR_END);

Deno.bench("UK API, one year, warm cache (no request)", async () => {
  const r = await warmUk.intensityForSpan("GB", YEAR_START, YEAR_END);
  if (r?.length !== 17_520) throw new Error(`got ${r?.length}`);
});

Deno.bench("UK API, one hour, warm cache (no request)", async () => {
  const r = await warmUk.intensityForSpan("GB", Date.UTC(2025, 5, 1, 10), Date.UTC(2025, 5, 1, 11));
  if (r?.length !== 2) throw new Error(`got ${r?.length}`);
});

Deno.bench(
  "WattTime, 30 days of 5-minute points (8,640), cold cache (login + 1 request)",
  async () => {
    const wt = new WattTimeProvider({ fetch: wtFetch, username: "u", password: "p" });
    const r = await wt.intensityForSpan("CAISO_NORTH", YEAR_START, YEAR_START + 30 * 86_400_000);
    if (r?.length !== 8_640) throw new Error(`got ${r?.length}`);
  },
);
