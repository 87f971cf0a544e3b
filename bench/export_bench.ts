/**
 * Ledger export benchmarks, as ratios against a floor measured in the same run on the same file:
 * a bare streaming read of the ledger with `JSON.parse` of every line (what any export must at
 * least do once; the export reads the file twice and also checks each line's canonical form,
 * leaf hash and emission schema).
 *
 * - `deno bench -A bench/export_bench.ts`: 20,000 records (10,000 emission records), floor vs CSV
 *   and JSONL exports to a discarding sink.
 * - `deno run -A bench/export_bench.ts [--records 100000]`: the same as one report for
 *   docs/benchmarks.md: times, the ratio to the floor, and the process's peak RSS sampled during
 *   the export.
 */

import { exportLedger } from "../lib/ledger/export.ts";
import { LEDGER_JSONL } from "../lib/ledger/ledger_files.ts";
import { readLineBatches } from "../lib/ledger/line_stream.ts";
import { buildLedger, sampleEmission } from "../tests/_kit/ledger_fixture.ts";

const TEAMS = ["ml", "web", "data", "platform"];

async function makeLedger(records: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "carbon-ops-export-bench-" });
  await buildLedger(dir, {
    records,
    bodies: (seq) =>
      seq % 2 === 1
        ? {
          type: "emission",
          body: sampleEmission({
            co2eG: `${seq % 1000}.${String(seq % 997).padStart(3, "0")}`,
            month: `2026-${String(1 + (seq % 12)).padStart(2, "0")}`,
            team: TEAMS[seq % TEAMS.length],
          }),
        }
        : { type: "note", body: { text: `note ${seq}` } },
  });
  return dir;
}

/** The floor: stream the file once and JSON.parse every line. Returns the lines parsed. */
async function floor(dir: string): Promise<number> {
  const dec = new TextDecoder();
  let n = 0;
  for await (const batch of readLineBatches(`${dir}/${LEDGER_JSONL}`, { reuse: true })) {
    for (const line of batch) {
      if (JSON.parse(dec.decode(line.bytes)).seq >= 0) n++;
    }
  }
  return n;
}

async function exportTo(
  dir: string,
  format: "csv" | "jsonl",
  onRss?: (rss: number) => void,
): Promise<number> {
  let chars = 0;
  await exportLedger(dir, {
    format,
    write: (text) => void (chars += text.length),
    ...(onRss ? { onProgress: () => onRss(Deno.memoryUsage().rss) } : {}),
  });
  return chars;
}

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--records");
  const records = i >= 0 ? Number(Deno.args[i + 1]) : 100_000;
  const dir = await makeLedger(records);
  try {
    const size = (await Deno.stat(`${dir}/${LEDGER_JSONL}`)).size;
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    let peak = Deno.memoryUsage().rss;
    const sample = (rss: number) => void (peak = Math.max(peak, rss));
    // Warm up once, then interleave floor and exports so load on the machine hits both alike.
    await floor(dir);
    const floors: number[] = [], csvs: number[] = [], jsonls: number[] = [];
    for (let r = 0; r < 3; r++) {
      floors.push(await time(() => floor(dir)));
      csvs.push(await time(() => exportTo(dir, "csv", sample)));
      jsonls.push(await time(() => exportTo(dir, "jsonl", sample)));
    }
    const min = (xs: number[]) => Math.min(...xs);
    const f = min(floors);
    print(
      `ledger export, ${records.toLocaleString("en")} records ` +
        `(${(records / 2).toLocaleString("en")} emission), ${(size / 2 ** 20).toFixed(1)} MiB`,
    );
    print(`  floor (read + JSON.parse)  ${f.toFixed(0)} ms`);
    print(
      `  export --csv               ${min(csvs).toFixed(0)} ms  ${
        (min(csvs) / f).toFixed(1)
      }x floor`,
    );
    print(
      `  export --jsonl             ${min(jsonls).toFixed(0)} ms  ${
        (min(jsonls) / f).toFixed(1)
      }x floor`,
    );
    print(`  peak RSS during export     ${(peak / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
} else {
  const dir = await makeLedger(20_000);
  Deno.bench("floor: stream the ledger, JSON.parse every line", {
    group: "export",
    baseline: true,
  }, async () => {
    await floor(dir);
  });
  Deno.bench("ledger export --csv (two passes, strict decode, schema check)", {
    group: "export",
  }, async () => {
    await exportTo(dir, "csv");
  });
  Deno.bench("ledger export --jsonl", { group: "export" }, async () => {
    await exportTo(dir, "jsonl");
  });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
}
