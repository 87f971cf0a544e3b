/**
 * Parallel `ledger verify` against its one-core floor, measured side by side in one run.
 *
 * Usage: deno run -A bench/verify_parallel_bench.ts [--sizes 10000,100000] [--rounds 3]
 *          [--jobs N] [--keep DIR]
 *
 * For each ledger size (genesis plus alternating emission and note records, built once; with
 * `--keep DIR` built into DIR and reused by later runs) it runs, in interleaved rounds, each in
 * its own child process: the floor (one core: read the file in 1 MiB chunks, and per line one
 * node:crypto Ed25519 verify and one SHA-256), `verifyLedger` with `jobs: 1`, and with `jobs: N`
 * (default one per core). It prints wall time, CPU time and peak RSS (VmHWM) of each, the ratio
 * of each verifier to the floor of the same round, and the load average before each round. The
 * machine is shared: compare ratios, not absolute times.
 */

import { createHash, verify } from "node:crypto";
import { median } from "./_measure.ts";
import { cpuUsage } from "node:process";
import { fromBase64Url } from "../lib/ledger/encoding.ts";
import { LEDGER_JSONL } from "../lib/ledger/ledger_files.ts";
import { readLineBatches } from "../lib/ledger/line_stream.ts";
import { loadTrustFile } from "../lib/ledger/trust.ts";
import { verifyLedger } from "../lib/ledger/verify.ts";
import { defaultVerifyJobs } from "../lib/ledger/verify_parallel.ts";
import { buildLedger, sampleEmission } from "../tests/_kit/ledger_fixture.ts";

interface Sample {
  readonly status: string;
  readonly entries: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssKb: number;
}

/** The floor: frame lines, one Ed25519 verify and one SHA-256 per line, on one core. */
async function floor(dir: string): Promise<{ status: string; entries: number }> {
  const trust = await loadTrustFile(`${dir}/trust.json`);
  const key = trust.keys[0].key.keyObject;
  let sig: Uint8Array | null = null;
  let entries = 0;
  let verified = 0;
  const lines = readLineBatches(`${dir}/${LEDGER_JSONL}`, { reuse: true });
  for await (const batch of lines) {
    for (const line of batch) {
      // Every line is checked against the first line's signature: the cost of an Ed25519
      // verification does not depend on whether it holds.
      sig ??= fromBase64Url(JSON.parse(new TextDecoder().decode(line.bytes)).sig as string);
      createHash("sha256").update(line.bytes).digest();
      if (verify(null, line.bytes, key, sig)) verified++;
      entries++;
    }
  }
  return { status: `floor (${verified} held)`, entries };
}

async function child(mode: string, dir: string, jobs: number): Promise<void> {
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  let result: { status: string; entries: number };
  if (mode === "floor") result = await floor(dir);
  else {
    const trust = await loadTrustFile(`${dir}/trust.json`);
    result = await verifyLedger(dir, { trust, useLedgerCheckpoint: false, jobs });
  }
  const wallMs = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  const status = await Deno.readTextFile("/proc/self/status");
  const sample: Sample = {
    status: result.status,
    entries: result.entries,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0"),
  };
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(sample) + "\n"));
}

async function measure(mode: string, dir: string, jobs: number): Promise<Sample> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL(import.meta.url).pathname,
      "--child",
      mode,
      dir,
      String(jobs),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`bench child ${mode} ${dir} failed (exit ${out.code})`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const mixed = (seq: number) =>
  seq % 2
    ? { type: "emission", body: sampleEmission() }
    : { type: "note", body: { text: `note ${seq}` } };

async function ledgerOf(root: string, size: number): Promise<string> {
  const dir = `${root}/verify-${size}`;
  const ready = await Deno.stat(`${dir}/trust.json`).then(() => true, () => false);
  if (!ready) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    const l = await buildLedger(dir, { records: size - 1, bodies: mixed });
    await Deno.writeTextFile(`${dir}/trust.json`, l.trustText);
  }
  return dir;
}

async function report(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : fallback;
  };
  const sizes = opt("--sizes", "10000,100000").split(",").map(Number);
  const rounds = Number(opt("--rounds", "3"));
  const jobs = Number(opt("--jobs", String(defaultVerifyJobs())));
  const keep = opt("--keep", "");
  const root = keep || await Deno.makeTempDir({ prefix: "carbon-ops-verify-bench-" });
  const log = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
  const mib = (kb: number) => (kb / 1024).toFixed(0);
  try {
    log(
      `cores ${defaultVerifyJobs()}, parallel verify --jobs ${jobs} (this thread + ${
        jobs - 1
      } workers), ${rounds} rounds`,
    );
    for (const size of sizes) {
      const dir = await ledgerOf(root, size);
      const bytes = (await Deno.stat(`${dir}/${LEDGER_JSONL}`)).size;
      log(`\n${size} records (${(bytes / 2 ** 20).toFixed(0)} MiB, half emissions)`);
      const ratios = { seq: [] as number[], par: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
        const f = await measure("floor", dir, 1);
        const s = await measure("verify", dir, 1);
        const p = await measure("verify", dir, jobs);
        if (s.status !== "valid" || p.status !== "valid" || p.entries !== size) {
          throw new Error(`unexpected verdicts: ${s.status} / ${p.status} (${p.entries})`);
        }
        ratios.seq.push(s.wallMs / f.wallMs);
        ratios.par.push(p.wallMs / f.wallMs);
        const row = (name: string, x: Sample) =>
          `  ${name}: ${(x.wallMs / 1000).toFixed(2)} s wall, ${
            (x.cpuMs / 1000).toFixed(2)
          } s CPU ` +
          `(${(x.cpuMs / x.wallMs * 100).toFixed(0)}%), peak RSS ${mib(x.peakRssKb)} MiB` +
          (name === "floor" ? "" : `, ${(x.wallMs / f.wallMs).toFixed(2)}x the floor`);
        log(`round ${r + 1} (load ${load})`);
        log(row("floor (1 core: Ed25519 + SHA-256 per line)", f));
        log(row("verify --jobs 1", s));
        log(row(`verify --jobs ${jobs}`, p));
      }
      log(
        `median ratio to the floor: --jobs 1 ${median(ratios.seq).toFixed(2)}x, --jobs ${jobs} ${
          median(ratios.par).toFixed(2)
        }x`,
      );
    }
  } finally {
    if (!keep) await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    await child(Deno.args[1], Deno.args[2], Number(Deno.args[3]));
  } else await report(Deno.args);
}
