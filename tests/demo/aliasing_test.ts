import assert from "node:assert/strict";
import fc from "fast-check";
import { VirtualClock } from "../../lib/base/clock.ts";
import { runAliasing } from "../../demo/aliasing.ts";
import { expectedAliasing, prometheusIncrease } from "../../demo/scraper.ts";
import { constantPower, createSimSource } from "../../lib/energy/rapl/mod.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

async function simRun(powerW: number, maxUj: bigint, scrapeS: number, durationS: number) {
  const clock = new VirtualClock();
  const sim = createSimSource({ clock, profile: constantPower(powerW), maxEnergyRangeUj: maxUj });
  return await runAliasing(sim, {
    clock,
    scrapeS,
    durationS,
    truthFj: () => sim.trueHostEnergyFj(),
  });
}

Deno.test("prometheusIncrease treats every decrease as a reset from zero", () => {
  assert.deepEqual(prometheusIncrease([]), { increase: 0n, resetsSeen: 0 });
  assert.deepEqual(prometheusIncrease([5n, 5n, 9n]), { increase: 4n, resetsSeen: 0 });
  assert.deepEqual(prometheusIncrease([90n, 10n, 30n]), { increase: 30n, resetsSeen: 1 });
});

Deno.test("aliasing demo matches the closed-form expectation at the default 390 W and 2^32 uJ", async () => {
  const r = await simRun(390, 2n ** 32n - 1n, 15, 120);
  const e = expectedAliasing(390_000, { modulusUj: 2n ** 32n, scrapeMs: 15_000, scrapes: 8 });
  assert.equal(r.truth_j, Number(e.truthUj) / 1e6);
  assert.equal(r.scraper_j, Number(e.scraperUj) / 1e6);
  assert.equal(r.wraps, e.wraps);
  assert.equal(r.wraps_missed, e.wrapsMissed);
  assert.equal(r.truth_j, 46_800);
  assert.ok(r.scraper_j < 0.25 * r.truth_j, "the scraper loses most of the energy");
  assert.equal(r.governor_j, r.truth_j);
  assert.equal(
    r.openmetrics_scraper_j,
    r.truth_j,
    "the governor's counter scraped at 15 s loses nothing",
  );
  assert.equal(r.series.length, 9);
});

Deno.test("aliasing demo agrees with the closed form for any power, range and scrape interval", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 2000 }),
      fc.bigInt({ min: 1_000_000_000n, max: 300_000_000_000n }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 4 }),
      async (powerW, maxUj, scrapeS, scrapes) => {
        const r = await simRun(powerW, maxUj, scrapeS, scrapeS * scrapes);
        const e = expectedAliasing(powerW * 1000, {
          modulusUj: maxUj + 1n,
          scrapeMs: scrapeS * 1000,
          scrapes,
        });
        assert.equal(r.scraper_j, Number(e.scraperUj) / 1e6);
        assert.equal(r.wraps, e.wraps);
        assert.equal(r.wraps_missed, e.wrapsMissed);
        const tickJ = powerW * 0.1;
        assert.ok(
          Math.abs(r.governor_j - r.truth_j!) <= tickJ,
          "governor within one tick's energy of the truth",
        );
        assert.equal(r.openmetrics_scraper_j, r.governor_j);
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("aliasing demo shows no loss when the counter cannot wrap between scrapes", async () => {
  const r = await simRun(10, 262_143_328_850n, 15, 60);
  assert.equal(r.wraps, 0);
  assert.equal(r.scraper_j, r.truth_j);
  assert.equal(r.missed_j, 0);
});

Deno.test("demo aliasing command prints JSON members and writes the SVG chart", async () => {
  await using dir = await tempDir();
  const svg = dir.join("chart.svg");
  const r = await runCli(["demo", "aliasing", "--duration", "60", "--svg", svg, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  for (const k of ["truth_j", "governor_j", "scraper_j", "wraps", "wraps_missed"]) {
    assert.ok(k in out, k);
  }
  assert.equal(out.truth_j, 23_400);
  const chart = await Deno.readTextFile(svg);
  assert.equal((chart.match(/<path class="series"/g) ?? []).length, 3);
  const text = await runCli(["demo", "aliasing", "--duration", "30"]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /scraper \(raw counter every 15 s, increase\(\)\)/);
  assert.match(text.stdout, /counter wraps: 2; missed by the scraper: 2/);
});

Deno.test("demo aliasing command exits 2 with the allowed range when an option is bad", async () => {
  const r = await runCli(["demo", "aliasing", "--scrape-s", "0"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--scrape-s must be >= 0.1/);
  const s = await runCli(["demo", "aliasing", "--source", "msr"]);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /--source must be sim or sysfs/);
});

Deno.test("demo aliasing reads a real powercap tree live with --source sysfs", async () => {
  await using dir = await tempDir();
  const zone = dir.join("devices/intel-rapl:0");
  await Deno.mkdir(zone, { recursive: true });
  await Deno.writeTextFile(`${zone}/name`, "package-0\n");
  await Deno.writeTextFile(`${zone}/energy_uj`, "1000\n");
  await Deno.writeTextFile(`${zone}/max_energy_range_uj`, "262143328850\n");
  await Deno.writeTextFile(`${zone}/enabled`, "1\n");
  await Deno.mkdir(dir.join("class"));
  await Deno.symlink(zone, dir.join("class/intel-rapl:0"));
  const r = await runCli([
    "demo",
    "aliasing",
    "--source",
    "sysfs",
    "--powercap-root",
    dir.join("class"),
    "--duration",
    "1",
    "--scrape-s",
    "0.5",
    "--workers",
    "1",
    "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.source, "sysfs");
  assert.equal(out.truth_j, null);
  assert.equal(out.governor_j, 0, "a counter that does not move gives zero, not an invention");
});
