/**
 * Ledger benchmarks.
 *
 * - `deno bench -A bench/ledger_bench.ts`: micro benchmarks (in-process append beside a bare
 *   O_APPEND write + fdatasync of the same bytes, canonicalisation, verification of 10k records).
 * - `deno run -A bench/ledger_bench.ts [--max 1000000]`: the full report for docs/benchmarks.md:
 *   append medians vs the bare baseline in the same run, cold CLI append median, verify rate and
 *   peak RSS at 10k / 100k / 1M records (each in a child process), checkpoint of the largest
 *   ledger from scratch, and incremental checkpoint cost after k appends.
 */

import { writeCheckpoint } from "../lib/ledger/checkpoint_writer.ts";
import { canonicalize } from "../lib/ledger/canonical_json.ts";
import { writeKeyPair } from "../lib/ledger/key_files.ts";
import { FRONTIER_FILE, LEDGER_JSONL } from "../lib/ledger/ledger_files.ts";
import { LedgerWriter } from "../lib/ledger/writer.ts";
import { buildLedger, sampleEmission } from "../tests/_kit/ledger_fixture.ts";

const NOTE = { text: "benchmark note", labels: { job: "bench" } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Interleaved: one ledger append, then the same bytes appended to another file with a bare
 * O_APPEND write + fdatasync, synchronous calls (the floor) and async calls (the usual Deno way).
 */
async function appendVsBare(
  dir: string,
  n: number,
): Promise<{ appendMs: number[]; syncMs: number[]; asyncMs: number[] }> {
  const l = await buildLedger(`${dir}/append`, { records: 0 });
  await using writer = await LedgerWriter.open(`${dir}/append`, { key: l.key });
  using bare = await Deno.open(`${dir}/bare.jsonl`, { append: true, create: true });
  using bare2 = await Deno.open(`${dir}/bare2.jsonl`, { append: true, create: true });
  const appendMs: number[] = [];
  const syncMs: number[] = [];
  const asyncMs: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const r = await writer.append("note", NOTE);
    appendMs.push(performance.now() - t);
    const bytes = new TextEncoder().encode(r.line + "\n");
    t = performance.now();
    bare.writeSync(bytes);
    bare.syncDataSync();
    syncMs.push(performance.now() - t);
    t = performance.now();
    await bare2.write(bytes);
    await bare2.syncData();
    asyncMs.push(performance.now() - t);
  }
  return { appendMs, syncMs, asyncMs };
}

async function coldCliAppends(dir: string, n: number): Promise<number[]> {
  const l = await buildLedger(`${dir}/cli`, { records: 0 });
  const { keyPath } = await writeKeyPair(`${dir}/keys`, l.key);
  const main = new URL("../main.ts", import.meta.url).pathname;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        main,
        "ledger",
        "append",
        `${dir}/cli`,
        "--key",
        keyPath,
        "--type",
        "note",
        "--body",
        "-",
      ],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(JSON.stringify(NOTE)));
    await w.close();
    const out = await child.output();
    times.push(performance.now() - t);
    if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  }
  return times;
}

async function verifyChild(
  dir: string,
  trustPath: string,
): Promise<{ entries: number; wallMs: number; cpuMs: number; peakRssKb: number; status: string }> {
  const child = new URL("./ledger_verify_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", child, dir, trustPath],
    stdout: "piped",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const mixed = (seq: number) =>
  seq % 2
    ? { type: "emission", body: sampleEmission() }
    : { type: "note", body: { text: `note ${seq}` } };

async function report(maxRecords: number): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "carbon-ops-ledger-bench-" });
  const out: string[] = [];
  const log = (line: string) => {
    out.push(line);
    Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
  };
  try {
    const { appendMs, syncMs, asyncMs } = await appendVsBare(root, 400);
    const a = median(appendMs);
    const b = median(syncMs);
    const c = median(asyncMs);
    log(
      `append in process (note, median of 400): ${
        a.toFixed(3)
      } ms; bare O_APPEND write + fdatasync of the same bytes: ` +
        `${b.toFixed(3)} ms with sync calls (ratio ${(a / b).toFixed(2)}x), ${
          c.toFixed(3)
        } ms with async calls (ratio ${(a / c).toFixed(2)}x)`,
    );
    const cli = await coldCliAppends(root, 15);
    log(
      `cold CLI 'ledger append' (deno run main.ts, median of 15): ${
        median(cli).toFixed(0)
      } ms (min ${Math.min(...cli).toFixed(0)}, max ${Math.max(...cli).toFixed(0)})`,
    );
    for (const size of [10_000, 100_000, 1_000_000].filter((s) => s <= maxRecords)) {
      const dir = `${root}/l${size}`;
      const t0 = performance.now();
      const l = await buildLedger(dir, { records: size - 1, bodies: mixed });
      const bytes = (await Deno.stat(`${dir}/${LEDGER_JSONL}`)).size;
      const buildS = (performance.now() - t0) / 1000;
      await Deno.writeTextFile(`${dir}/trust.json`, l.trustText);
      const v = await verifyChild(dir, `${dir}/trust.json`);
      log(
        `verify ${size} records (${
          (bytes / 2 ** 20).toFixed(0)
        } MiB, half emissions): ${v.status}, ${(v.wallMs / 1000).toFixed(2)} s wall, ` +
          `${(v.cpuMs / 1000).toFixed(2)} s CPU -> ${
            (v.entries / v.wallMs * 1000).toFixed(0)
          } records/s wall, ` +
          `${(v.entries / v.cpuMs * 1000).toFixed(0)} records/s per CPU-second; peak RSS ${
            (v.peakRssKb / 1024).toFixed(0)
          } MiB (built in ${buildS.toFixed(0)} s)`,
      );
      if (size === Math.min(maxRecords, 1_000_000) || size === maxRecords) {
        await Deno.remove(`${dir}/${FRONTIER_FILE}`).catch(() => {});
        await Deno.remove(`${dir}/checkpoint`).catch(() => {});
        let t = performance.now();
        const full = await writeCheckpoint(dir, l.key);
        log(
          `checkpoint of ${full.size} records from scratch: ${
            ((performance.now() - t) / 1000).toFixed(2)
          } s`,
        );
        await using writer = await LedgerWriter.open(dir, { key: l.key });
        for (const k of [10, 100, 1000]) {
          for (let i = 0; i < k; i++) await writer.append("note", NOTE);
          t = performance.now();
          const inc = await writeCheckpoint(dir, l.key);
          log(
            `incremental checkpoint after k=${k} appends to ${inc.size - k} records: ${
              (performance.now() - t).toFixed(1)
            } ms, ${inc.linesRead} lines hashed`,
          );
        }
      }
      if (size >= 1_000_000) await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--max");
  await report(at >= 0 ? Number(Deno.args[at + 1]) : 1_000_000);
} else {
  const root = await Deno.makeTempDir({ prefix: "carbon-ops-ledger-bench-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  const l = await buildLedger(`${root}/a`, { records: 0 });
  const writer = await LedgerWriter.open(`${root}/a`, { key: l.key });
  const bare = await Deno.open(`${root}/bare.jsonl`, { append: true, create: true });
  const line = new TextEncoder().encode((await writer.append("note", NOTE)).line + "\n");
  Deno.bench({
    name: "ledger append (lock, sign, O_APPEND write, fdatasync)",
    group: "append",
    baseline: false,
  }, async () => {
    await writer.append("note", NOTE);
  });
  Deno.bench({
    name: "bare O_APPEND write + fdatasync of the same bytes (sync calls)",
    group: "append",
    baseline: true,
  }, () => {
    bare.writeSync(line);
    bare.syncDataSync();
  });
  const body = sampleEmission();
  Deno.bench({ name: "canonicalize an emission body", group: "canonical" }, () => {
    canonicalize(body);
  });
  const v = await buildLedger(`${root}/v`, { records: 9_999, bodies: mixed });
  const { verifyLedger } = await import("../lib/ledger/verify.ts");
  Deno.bench(
    { name: "verify 10,000 records (half emissions)", group: "verify", n: 5, warmup: 1 },
    async () => {
      await verifyLedger(`${root}/v`, { trust: v.trust, useLedgerCheckpoint: false });
    },
  );
}
