/**
 * Child process for bench/ledger_bench.ts: verifies one ledger and prints JSON with wall time,
 * CPU time and peak RSS (VmHWM) of this process, so memory is measured per ledger size.
 * Usage: deno run -A bench/ledger_verify_child.ts DIR TRUST_FILE
 */

import { cpuUsage } from "node:process";
import { loadTrustFile } from "../lib/ledger/trust.ts";
import { verifyLedger } from "../lib/ledger/verify.ts";

const [dir, trustPath] = Deno.args;
const trust = await loadTrustFile(trustPath);
const cpu0 = cpuUsage();
const t0 = performance.now();
const report = await verifyLedger(dir, { trust, useLedgerCheckpoint: false });
const wallMs = performance.now() - t0;
const cpu = cpuUsage(cpu0);
const status = await Deno.readTextFile("/proc/self/status");
const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0");
Deno.stdout.writeSync(new TextEncoder().encode(
  JSON.stringify({
    status: report.status,
    entries: report.entries,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssKb: hwmKb,
  }) + "\n",
));
