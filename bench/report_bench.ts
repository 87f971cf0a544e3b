/**
 * HTML ledger report benchmark (issue 16): wall time, CPU time and peak RSS of the report at
 * 10k / 100k / 1M emission records spread over a year, each in its own child process, beside
 * the floor (read every line and JSON.parse it, nothing else) and `ledger verify` on the same
 * ledger.
 *
 * Usage: deno run -A bench/report_bench.ts [--sizes 10000,100000,1000000] [--dir DIR]
 * Ledgers are generated once into DIR (default /tmp/carbon-ops-report-bench) by
 * tests/_kit/report_fixture.ts and reused by later runs.
 */

import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { readLineBatches } from "../lib/ledger/line_stream.ts";
import { loadTrustFile } from "../lib/ledger/trust.ts";
import { buildLedgerReport } from "../lib/report/ledger_report_data.ts";
import { renderLedgerReport } from "../lib/report/ledger_report.ts";

/** Writes one line to stdout. */
function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

interface Measure {
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
}

async function measureSelf(work: () => Promise<void>): Promise<Measure> {
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  const status = await Deno.readTextFile("/proc/self/status");
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0"),
  };
}

/** Child: runs one job on DIR and prints its measure as JSON. */
async function child(job: string, dir: string): Promise<void> {
  let m: Measure;
  if (job === "floor") {
    const decoder = new TextDecoder();
    m = await measureSelf(async () => {
      for await (const batch of readLineBatches(`${dir}/ledger.jsonl`, { reuse: true })) {
        for (const line of batch) JSON.parse(decoder.decode(line.bytes));
      }
    });
  } else {
    const trust = job === "report" ? undefined : await loadTrustFile(`${dir}/trust.json`);
    const jobs = job === "report+verify-j2" ? 2 : 1;
    m = await measureSelf(async () => {
      const model = await buildLedgerReport(dir, { trust, verifyJobs: jobs });
      await Deno.writeTextFile(`${dir}/report.html`, renderLedgerReport(model));
    });
  }
  print(JSON.stringify(m));
}

async function runChild(args: string[]): Promise<Measure> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`bench child ${args.join(" ")} failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "10000,100000,1000000" },
      dir: { type: "string", default: "/tmp/carbon-ops-report-bench" },
      child: { type: "string" },
      ledger: { type: "string" },
    },
  });
  if (values.child) return await child(values.child, values.ledger!);
  const self = new URL(import.meta.url).pathname;
  const fixture = new URL("../tests/_kit/report_fixture.ts", import.meta.url).pathname;
  const verifyChild = new URL("./ledger_verify_child.ts", import.meta.url).pathname;
  const fmt = (m: Measure, floor?: Measure) =>
    `${(m.wallMs / 1000).toFixed(1)} s wall, ${(m.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${
      (m.peakRssKb / 1024).toFixed(0)
    } MiB${floor ? ` (CPU ${(m.cpuMs / floor.cpuMs).toFixed(1)}x the floor)` : ""}`;
  for (const size of values.sizes.split(",").map(Number)) {
    const dir = `${values.dir}/l${size}`;
    const ready = await Deno.stat(`${dir}/trust.json`).then(() => true, () => false);
    if (!ready) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await runChild([fixture, dir, String(size)]).catch(() => ({}));
    }
    const floor = await runChild([self, "--child", "floor", "--ledger", dir]);
    print(`${size} emission records`);
    print(`  floor (read + JSON.parse):   ${fmt(floor)}`);
    for (const job of ["report", "report+verify", "report+verify-j2"]) {
      const m = await runChild([self, "--child", job, "--ledger", dir]);
      print(`  ${job.padEnd(27)} ${fmt(m, floor)}`);
    }
    const v = await runChild([verifyChild, dir, `${dir}/trust.json`]);
    print(`  ledger verify (jobs 1):      ${fmt(v, floor)}`);
  }
}

if (import.meta.main) await main();
