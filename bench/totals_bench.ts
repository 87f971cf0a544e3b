/**
 * `ledger totals` and `ledger export` against their floor, measured in the same run on the same
 * file (issue 18 item 3): the floor is a bare streaming read of the ledger, `JSON.parse` of every
 * line and a float sum of `result.co2e_g` over the emission records. Rounds are interleaved (floor,
 * totals, export, floor, ...) so load on the machine hits all alike; the minimum of each is kept
 * and printed with the ratio to the floor and the load average.
 *
 * `deno run -A bench/totals_bench.ts [--records 20000] [--rounds 7]`
 */

import { exportLedger } from "../lib/ledger/export.ts";
import { LEDGER_JSONL } from "../lib/ledger/ledger_files.ts";
import { readLineBatches } from "../lib/ledger/line_stream.ts";
import { ledgerTotals } from "../lib/ledger/query.ts";
import { buildLedger, sampleEmission } from "../tests/_kit/ledger_fixture.ts";

const TEAMS = ["ml", "web", "data", "platform"];

async function makeLedger(records: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "carbon-ops-totals-bench-" });
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

/** The floor: stream the file, JSON.parse every line, float-sum co2e_g of emission records. */
async function floor(dir: string): Promise<number> {
  const dec = new TextDecoder();
  let sumG = 0;
  for await (const batch of readLineBatches(`${dir}/${LEDGER_JSONL}`, { reuse: true })) {
    for (const line of batch) {
      const r = JSON.parse(dec.decode(line.bytes));
      if (r.type === "emission") sumG += Number(r.body.result.co2e_g);
    }
  }
  return sumG;
}

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

if (import.meta.main) {
  const records = arg("--records", 20_000);
  const rounds = arg("--rounds", 7);
  const dir = await makeLedger(records);
  try {
    const size = (await Deno.stat(`${dir}/${LEDGER_JSONL}`)).size;
    const runs: Record<string, () => Promise<unknown>> = {
      floor: () => floor(dir),
      "totals --by month": () => ledgerTotals(dir, { by: "month" }),
      "export --csv": () => exportLedger(dir, { write: () => {} }),
      "export --jsonl": () => exportLedger(dir, { format: "jsonl", write: () => {} }),
    };
    const best: Record<string, number> = {};
    for (const f of Object.values(runs)) await f(); // warm up
    for (let r = 0; r < rounds; r++) {
      for (const [name, f] of Object.entries(runs)) {
        const t = performance.now();
        await f();
        best[name] = Math.min(best[name] ?? Infinity, performance.now() - t);
      }
    }
    const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
    print(
      `ledger totals/export, ${records.toLocaleString("en")} records ` +
        `(${(records / 2).toLocaleString("en")} emission), ${(size / 2 ** 20).toFixed(1)} MiB, ` +
        `best of ${rounds} interleaved rounds, load average ${load}`,
    );
    for (const [name, ms] of Object.entries(best)) {
      print(
        `  ${name.padEnd(20)} ${ms.toFixed(0).padStart(6)} ms  ${
          (ms / best.floor).toFixed(2)
        }x floor`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
