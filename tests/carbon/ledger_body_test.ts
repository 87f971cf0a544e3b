import assert from "node:assert/strict";
import { assertThrows } from "../_kit/assert.ts";
import fc from "fast-check";
import { CarbonEstimator, type IntensityProvider, RegionCatalog } from "../../lib/carbon/mod.ts";
import { toDecimalString } from "../../lib/carbon/ledger_body.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";
import { Decimal } from "../../lib/ledger/decimal.ts";
import type { JsonValue } from "../../lib/ledger/canonical_json.ts";
import {
  generateSigningKey,
  initLedger,
  LedgerWriter,
  verifyLedger,
} from "../../lib/ledger/mod.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const catalog = RegionCatalog.embedded();
const recordable = catalog.list().filter((f) => f.year !== null && f.basis !== "mixed").map((f) =>
  f.id
);
const T0 = Date.UTC(2025, 2, 1);

Deno.test("toDecimalString writes exact decimal strings in the ledger grammar", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e15, max: 1e15, noNaN: true }),
      fc.integer({ min: 0, max: 12 }),
      (x, d) => {
        const s = toDecimalString(x, d);
        assert.ok(Decimal.isDecimal(s), s);
        assert.ok(
          Math.abs(Number(s) - x) <= 0.5 * 10 ** -d + Math.abs(x) * 1e-15,
          `${x} ${d} ${s}`,
        );
      },
    ),
  );
  assert.deepEqual(toDecimalString(0.1 + 0.2, 9), "0.3");
  assert.deepEqual(toDecimalString(-0.0000001, 3), "0");
  assertThrows(() => toDecimalString(NaN, 3), RangeError);
});

Deno.test("toLedgerBody produces bodies the ledger's emission schema v1 accepts", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...recordable),
      fc.double({ min: 0, max: 1e9, noNaN: true }),
      fc.constantFrom("governor" as const, "rapl" as const, "model" as const),
      fc.boolean(),
      fc.integer({ min: 1, max: 400 * 24 }),
      async (region, energyWh, src, mc, hours) => {
        const est = new CarbonEstimator({
          region,
          catalog,
          energySource: src,
          allowFallback: false,
        });
        const r = await est.estimateOverSpan({
          startTs: T0,
          endTs: T0 + hours * 3_600_000,
          energyWh,
          bucketMinutes: 60,
          method: mc ? "monte_carlo" : "analytical_truncated",
          mcSamples: 1000,
        });
        const body = r.toLedgerBody({
          reportingEntity: "Example Ltd",
          cloud: region.includes(":") && !region.startsWith("egrid:"),
        });
        assert.deepEqual(checkBody("emission", body as JsonValue), []);
        const result = body.result as {
          co2e_g: string;
          interval: { lower_g: string; upper_g: string };
        };
        assert.deepEqual(Number(result.co2e_g), Number(toDecimalString(r.grams, 6)));
        assert.ok(Number(result.interval.lower_g) <= Number(result.co2e_g));
        assert.ok(Number(result.co2e_g) <= Number(result.interval.upper_g));
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("toLedgerBody marks scope, factor basis and CO2-only factors honestly", async () => {
  const est = new CarbonEstimator({ catalog, energySource: "governor" });
  const span = { startTs: T0, endTs: T0 + 3_600_000, energyWh: 100 };
  const cloud = (await est.estimateOverSpan({ ...span, region: "gcp:europe-west1" }))
    .toLedgerBody({ reportingEntity: "E", cloud: true });
  assert.deepEqual([cloud.scope, cloud.scope3_category], [3, 1]);
  const own = (await est.estimateOverSpan({ ...span, region: "egrid:CAMX" })).toLedgerBody({
    reportingEntity: "E",
  });
  assert.deepEqual([own.scope, own.scope2_method], [2, "location"]);
  assert.deepEqual((own.emission_factor as { basis: string }).basis, "direct_combustion");
  assert.ok((own.assumptions as string[]).includes("factor covers CO2 only, not CO2e"));
  assert.deepEqual(checkBody("emission", own as JsonValue), []);
  // No activity period, no year, or a mixed basis: refused with the reason.
  assertThrows(
    () => est.estimateFromEnergy(1, { region: "DE" }).toLedgerBody({ reportingEntity: "E" }),
    RangeError,
    "activity period",
  );
  const asia = await est.estimateOverSpan({ ...span, region: "azure:asia" });
  assertThrows(() => asia.toLedgerBody({ reportingEntity: "E" }), RangeError, "no data year");
});

Deno.test("an estimate appended through the ledger library verifies", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const { trust } = await initLedger(dir.path, { origin: "carbon-ops.example/host-01", key });
  const est = new CarbonEstimator({ region: "FR", energySource: "rapl" });
  {
    await using ledger = await LedgerWriter.open(dir.path, { key });
    for (const method of ["analytical_truncated", "monte_carlo"] as const) {
      const r = await est.estimateOverSpan({
        startTs: T0,
        endTs: T0 + 86_400_000,
        energyWh: 2400,
        method,
      });
      const appended = await ledger.append(
        "emission",
        r.toLedgerBody({ reportingEntity: "Example Ltd" }) as JsonValue,
      );
      assert.ok(appended.seq >= 1);
    }
  }
  const report = await verifyLedger(dir.path, { trust });
  assert.deepEqual(report.status, "valid");
  assert.deepEqual(report.entries, 3);
});

Deno.test("toLedgerBody records energy coverage as given and intensity coverage as an assumption", async () => {
  const half: IntensityProvider = {
    name: "half",
    intensityForSpan: (_r, s) =>
      Promise.resolve([{
        startMs: s,
        endMs: s + 1_800_000,
        intensityGPerKwh: 200,
        source: "half",
        dataset: "test",
        datasetVersion: "1",
        year: 2025,
        basis: "lifecycle",
        zone: "GB",
        uncertaintyPct: 10,
        measured: true,
      }]),
  };
  const est = new CarbonEstimator({ region: "GB", provider: half });
  const r = await est.estimateOverSpan({ startTs: T0, endTs: T0 + 3_600_000, energyWh: 100 });
  const body = r.toLedgerBody({ reportingEntity: "E", energyCoveragePct: 97.5 });
  assert.deepEqual((body.activity as { coverage_pct: number }).coverage_pct, 97.5);
  assert.ok(
    (body.assumptions as string[]).includes("intensity readings cover 50% of the activity period"),
  );
  assert.deepEqual(checkBody("emission", body as JsonValue), []);
  const dflt = r.toLedgerBody({ reportingEntity: "E" });
  assert.deepEqual((dflt.activity as { coverage_pct: number }).coverage_pct, 100);
  assertThrows(
    () => r.toLedgerBody({ reportingEntity: "E", energyCoveragePct: 101 }),
    RangeError,
    "0 to 100",
  );
});
