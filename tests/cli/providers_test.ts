import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { fakeApi, json } from "../_kit/fake_provider_api.ts";

function ukServer() {
  return fakeApi((req) => {
    const regional = req.path.startsWith("/regional/");
    const [from, to] = req.path.split("/").slice(regional ? 3 : 2);
    const data = [];
    for (let t = Date.parse(from); t < Date.parse(to); t += 1_800_000) {
      const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16) + "Z";
      data.push({
        from: iso(t),
        to: iso(t + 1_800_000),
        intensity: { forecast: 120, actual: 111 },
      });
    }
    return json(regional ? { data: { regionid: 13, shortname: "London", data } } : { data });
  });
}

Deno.test("carbon-ops providers reports each provider's answer or reason as JSON", async () => {
  await using uk = ukServer();
  const r = await runCli([
    "providers",
    "--region",
    "GB",
    "--start",
    "2025-06-01T10:00:00Z",
    "--end",
    "2025-06-01T11:00:00Z",
    "--json",
  ], {
    env: {
      CARBON_OPS_CARBON_PROVIDERS: "ukcarbonintensity,electricitymaps,static",
      CARBON_OPS_CARBON_UK_CARBON_INTENSITY_URL: uk.url,
    },
  });
  assert.deepEqual(r.code, 1, r.stderr); // electricitymaps has no token
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.region, "GB");
  assert.deepEqual(report.providers.map((p: { provider: string }) => p.provider), [
    "ukcarbonintensity",
    "electricitymaps",
  ]);
  const [ukr, em] = report.providers;
  assert.deepEqual([ukr.ok, ukr.readings, ukr.first.intensity_g_per_kwh, ukr.first.measured], [
    true,
    2,
    111,
    true,
  ]);
  assert.deepEqual([em.ok, em.failure.kind], [false, "not_configured"]);
  assert.deepEqual(uk.requests[0].path, "/intensity/2025-06-01T00:00Z/2025-06-02T00:00Z");
});

Deno.test("carbon-ops providers exits 0 and prints text when every provider answered", async () => {
  await using uk = ukServer();
  const r = await runCli(
    [
      "providers",
      "--provider",
      "UKCarbonIntensity",
      "--region",
      "gb:london",
      "--start",
      "2025-06-01T10:00:00Z",
    ],
    { env: { CARBON_OPS_CARBON_UK_CARBON_INTENSITY_URL: uk.url } },
  );
  assert.deepEqual(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes("ukcarbonintensity"), r.stdout);
  assert.ok(r.stdout.includes("2 reading(s)"), r.stdout);
  assert.deepEqual(uk.requests[0].path.endsWith("/regionid/13"), true);
});

Deno.test("carbon-ops providers rejects a misspelt provider with a suggestion (exit 2)", async () => {
  const r = await runCli(["providers", "--provider", "wattime"]);
  assert.deepEqual(r.code, 2);
  assert.ok(r.stderr.includes("did you mean watttime?"), r.stderr);
});

Deno.test("carbon-ops providers rejects a start time without a zone (exit 2)", async () => {
  const r = await runCli(["providers", "--provider", "watttime", "--start", "2025-06-01 10:00"]);
  assert.deepEqual(r.code, 2);
  assert.ok(r.stderr.includes("RFC 3339"), r.stderr);
});
