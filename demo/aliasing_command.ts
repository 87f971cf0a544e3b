/**
 * `carbon-ops demo aliasing`: the 10 Hz governor against a 15 s raw-counter scraper across
 * counter wraps (adapter around `demo/aliasing.ts`).
 *
 * @module
 */

import { numberOption, parseCommandArgs } from "../lib/cli/args.ts";
import { type Command, writeJson } from "../lib/cli/command.ts";
import { type Clock, systemClock, VirtualClock } from "../lib/base/clock.ts";
import { UsageError } from "../lib/base/errors.ts";
import { runAliasing } from "./aliasing.ts";
import { aliasingSvg, aliasingTable } from "./aliasing_report.ts";
import { constantPower, createSimSource, openEnergySource } from "../lib/energy/rapl/mod.ts";

const USAGE =
  "carbon-ops demo aliasing [--power-w W] [--range-uj N] [--scrape-s S] [--duration S] [--realtime] [--source sim|sysfs] [--svg FILE] [--json]";

const OPTIONS = {
  "power-w": { type: "string" },
  "range-uj": { type: "string" },
  "scrape-s": { type: "string" },
  duration: { type: "string" },
  "interval-ms": { type: "string" },
  realtime: { type: "boolean" },
  source: { type: "string" },
  "powercap-root": { type: "string" },
  workers: { type: "string" },
  svg: { type: "string" },
  json: { type: "boolean" },
} as const;

/**
 * The `demo aliasing` subcommand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demoAliasingCommand } from "./aliasing_command.ts";
 * assert.equal(demoAliasingCommand.name, "aliasing");
 * assert.match(demoAliasingCommand.help, /Prometheus increase\(\)/);
 * ```
 */
export const demoAliasingCommand: Command = {
  name: "aliasing",
  summary: "Show what a 15 s raw-counter scraper loses across RAPL wraps, vs the governor",
  help: `Usage: ${USAGE}

A slow scraper reads the raw energy counter every --scrape-s seconds and sums increases the way
Prometheus increase() does (a decrease is taken as a counter reset). The governor reads the same
counter every 100 ms and handles each wrap exactly. With the default simulated 2^32 uJ counter at
390 W the counter wraps every ~11 s, so the scraper misses whole wraps (the "11-second anomaly").
The governor's own OpenMetrics counter never wraps, so scraping it at 15 s loses nothing.

Options:
  --power-w W         simulated power (default 390)
  --range-uj N        simulated counter max_energy_range_uj (default 4294967295, i.e. 2^32 uJ)
  --scrape-s S        scrape interval in seconds (default 15)
  --duration S        how long to run in seconds (default 120; whole scrape intervals)
  --interval-ms MS    governor tick interval (default 100)
  --realtime          run on the wall clock instead of virtual time (takes --duration seconds)
  --source SRC        sim (default) or sysfs: a real powercap tree (needs root; implies
                      --realtime; keeps --workers cores busy meanwhile)
  --powercap-root DIR powercap directory for --source sysfs (default /sys/class/powercap)
  --workers N         busy-loop workers for --source sysfs (default: number of cores)
  --svg FILE          write an SVG chart of cumulative energy
  --json              print truth_j, governor_j, scraper_j, wraps, wraps_missed, ... as JSON

Example:
  carbon-ops demo aliasing --duration 60 --svg aliasing.svg
`,
  async run(ctx) {
    const { values: v } = parseCommandArgs(ctx.argv, { options: OPTIONS, usage: USAGE });
    const powerW = numberOption(v["power-w"] ?? "390", "--power-w", { min: 0, max: 100_000 });
    const scrapeS = numberOption(v["scrape-s"] ?? "15", "--scrape-s", { min: 0.1, max: 86_400 });
    const durationS = numberOption(v.duration ?? "120", "--duration", {
      min: scrapeS,
      max: 31_536_000,
    });
    const intervalMs = numberOption(v["interval-ms"] ?? "100", "--interval-ms", {
      min: 1,
      max: scrapeS * 1000,
    });
    const rangeText = v["range-uj"] ?? "4294967295";
    if (!/^\d{1,20}$/.test(rangeText) || BigInt(rangeText) < 1n) {
      throw new UsageError(
        `--range-uj expects a positive whole number of microjoules, got '${rangeText}'`,
      );
    }
    const kind = v.source ?? "sim";
    if (kind !== "sim" && kind !== "sysfs") {
      throw new UsageError(`--source must be sim or sysfs, got '${kind}'`);
    }
    const realtime = v.realtime === true || kind === "sysfs";
    const clock: Clock = realtime ? systemClock : new VirtualClock({ wallMs: Date.now() });
    const workers: Worker[] = [];
    let source;
    let truthFj: (() => bigint) | undefined;
    let heading: string;
    if (kind === "sim") {
      const sim = createSimSource({
        clock,
        profile: constantPower(powerW),
        maxEnergyRangeUj: BigInt(rangeText),
      });
      source = sim;
      truthFj = () => sim.trueHostEnergyFj();
      const wrapS = Number(BigInt(rangeText) + 1n) / 1e6 / powerW;
      heading = `Aliasing demo: simulated ${powerW} W, counter range ${rangeText} uJ (wraps every ${
        wrapS.toFixed(1)
      } s), governor every ${intervalMs} ms, scraper every ${scrapeS} s, ${durationS} s (${
        realtime ? "real" : "virtual"
      } time)`;
    } else {
      const opened = openEnergySource({ raplMode: "sysfs", powercapRoot: v["powercap-root"] });
      source = opened.source;
      for (const line of opened.lines) ctx.stderr.write(`${line}\n`);
      const n = numberOption(v.workers ?? String(navigator.hardwareConcurrency), "--workers", {
        min: 0,
        max: 1024,
        integer: true,
      });
      for (let i = 0; i < n; i++) {
        workers.push(
          new Worker(new URL("./busy_worker.ts", import.meta.url), { type: "module" }),
        );
      }
      heading =
        `Aliasing demo: powercap sysfs with ${n} busy workers, governor every ${intervalMs} ms, scraper every ${scrapeS} s, ${durationS} s`;
    }
    try {
      const result = await runAliasing(source, {
        clock,
        intervalMs,
        scrapeS,
        durationS,
        truthFj,
        onScrape: realtime && !v.json
          ? (p) =>
            ctx.stderr.write(
              `  t=${p.tS.toFixed(0)} s governor ${p.governorJ.toFixed(1)} J, scraper ${
                p.scraperJ.toFixed(1)
              } J\n`,
            )
          : undefined,
      });
      if (v.svg) await Deno.writeTextFile(v.svg, aliasingSvg(result) + "\n");
      if (v.json) writeJson(ctx.stdout, { ...result, svg: v.svg ?? null });
      else {
        ctx.stdout.write(aliasingTable(result, heading));
        if (v.svg) ctx.stdout.write(`\n  chart: ${v.svg}\n`);
      }
      return 0;
    } finally {
      for (const w of workers) w.terminate();
      source.close();
    }
  },
};
