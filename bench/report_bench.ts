/**
 * `ledger report --html` at scale (issues 16 and 18): wall time, CPU time and peak RSS of the
 * CLI with and without `--trust`, each beside the aggregate floor measured in the same round
 * (`bench/compare.ts --child floor-sum`: a bare read in 1 MiB chunks, `JSON.parse` of every line
 * and a float sum of `co2e_g`), and `ledger verify` on the same ledger. Both report runs are
 * repeated with `--v8-flags=--max-semi-space-size=1` (V8's young generation is a large part of
 * the peak RSS).
 *
 * Usage: deno run -A bench/report_bench.ts [--sizes 10000,100000,1000000] [--rounds 3]
 *          [--dir DIR]
 *
 * Ledgers (genesis plus alternating emission and note records, as `bench:compare` builds them)
 * go to DIR/lN and are kept for later runs when `--dir` is given; otherwise to a temporary
 * directory removed at the end. Rounds are interleaved (floor, report, floor, report --trust,
 * ...); every run is a child process under `/usr/bin/time`. The machine is shared: compare
 * ratios, not absolute times.
 */

import { parseArgs } from "node:util";
import { loadAvg, median, print } from "./_measure.ts";

const TIME = "/usr/bin/time";
const DENO = Deno.execPath();
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const COMPARE = new URL("./compare.ts", import.meta.url).pathname;
const SEMI = "--v8-flags=--max-semi-space-size=1";

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssKb: number;
}

/** Runs `deno ARGS` under /usr/bin/time; throws when it fails. */
async function run(args: string[], timeFile: string): Promise<Run> {
  const t0 = performance.now();
  const out = await new Deno.Command(TIME, {
    args: ["-f", "%U %S %M", "-o", timeFile, DENO, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  if (!out.success) {
    throw new Error(
      `deno ${args.join(" ")} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const last = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1) ?? "";
  const [user, sys, rss] = last.split(" ").map(Number);
  return { wallMs, cpuMs: (user + sys) * 1000, peakRssKb: rss };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "10000,100000,1000000" },
      rounds: { type: "string", default: "3" },
      dir: { type: "string" },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const rounds = Number(values.rounds);
  if (!(rounds >= 1) || sizes.some((s) => !(s >= 2))) {
    throw new RangeError("--rounds must be >= 1 and --sizes numbers >= 2");
  }
  const root = values.dir ?? await Deno.makeTempDir({ prefix: "carbon-ops-report-bench-" });
  const timeFile = `${root}/time.txt`;
  const { buildLedger } = await import("../tests/_kit/ledger_fixture.ts");
  const { trustFileText } = await import("../lib/ledger/trust.ts");
  print(
    `report bench: ${rounds} rounds, sizes ${
      sizes.join(",")
    }, cores ${navigator.hardwareConcurrency}, Deno ${Deno.version.deno}; load average at start ${await loadAvg()}`,
  );
  try {
    for (const size of sizes) {
      const dir = `${root}/l${size}`;
      if (!(await Deno.stat(`${dir}/trust.json`).then(() => true, () => false))) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        await Deno.mkdir(dir, { recursive: true });
        const built = await buildLedger(dir, { records: size });
        await Deno.writeTextFile(`${dir}/trust.json`, trustFileText(built.trust));
      }
      const html = `${root}/report.html`;
      const report = ["run", "-A", MAIN, "ledger", "report", dir, "--html", html];
      const trust = ["--trust", `${dir}/trust.json`];
      const subjects: Record<string, string[]> = {
        "report": report,
        "report --trust": [...report, ...trust],
        "report, semi-space 1 MiB": ["run", "-A", SEMI, ...report.slice(2)],
        "report --trust, semi-space 1 MiB": ["run", "-A", SEMI, ...report.slice(2), ...trust],
        "verify (for comparison)": ["run", "-A", MAIN, "ledger", "verify", dir, ...trust],
      };
      const floors: Run[] = [];
      const runs = new Map<string, Run[]>(Object.keys(subjects).map((k) => [k, []]));
      const ratios = new Map<string, { wall: number[]; cpu: number[] }>();
      for (let r = 0; r < rounds; r++) {
        for (const [name, args] of Object.entries(subjects)) {
          const floor = await run(["run", "-A", COMPARE, "--child", "floor-sum", dir], timeFile);
          const m = await run(args, timeFile);
          floors.push(floor);
          runs.get(name)!.push(m);
          const q = ratios.get(name) ?? { wall: [], cpu: [] };
          q.wall.push(m.wallMs / floor.wallMs);
          q.cpu.push(m.cpuMs / floor.cpuMs);
          ratios.set(name, q);
        }
      }
      const fmt = (xs: Run[]) =>
        `${(median(xs.map((x) => x.wallMs)) / 1000).toFixed(2)} s wall, ${
          (median(xs.map((x) => x.cpuMs)) / 1000).toFixed(2)
        } s CPU, peak RSS ${(median(xs.map((x) => x.peakRssKb)) / 1024).toFixed(0)} MiB (max ${
          (Math.max(...xs.map((x) => x.peakRssKb)) / 1024).toFixed(0)
        })`;
      const range = (xs: number[]) =>
        `${median(xs).toFixed(2)}x (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
      print(`\n${size} records (${size / 2} emission records), load average ${await loadAvg()}`);
      print(`  ${"floor (read + JSON.parse + sum)".padEnd(34)} ${fmt(floors)}`);
      for (const [name, xs] of runs) {
        const q = ratios.get(name)!;
        print(`  ${name.padEnd(34)} ${fmt(xs)}`);
        print(`  ${"".padEnd(34)} vs floor: wall ${range(q.wall)}, CPU ${range(q.cpu)}`);
      }
    }
  } finally {
    if (values.dir === undefined) await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  print(`\nload average at end: ${await loadAvg()}`);
}

if (import.meta.main) await main();
