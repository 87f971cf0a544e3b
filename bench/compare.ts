/**
 * Side-by-side ratios (issue 18, item 5): every measure of the table against its floor in
 * the same run, in interleaved rounds (floor, subject, floor, subject, ...), each run a separate
 * child process, printed as ratios (median and range over the rounds) with the load average at
 * the start and the end.
 *
 * Usage: deno task bench:compare [--rounds 3] [--sizes 10000,100000,1000000]
 *          [--report-sizes 10000,100000,1000000] [--quick]
 *
 * - `ledger append` in process (`LedgerWriter.append`) against a bare O_APPEND write + fdatasync
 *   of the same bytes, operation by operation in one child per round (sync calls: the floor;
 *   async calls: printed beside it).
 * - `ledger verify` (CLI, `--jobs 1` and the default, one job per core) against the one-core
 *   floor: frame the lines, one node:crypto Ed25519 verify and one SHA-256 per line.
 * - `ledger totals` and `ledger export --csv --out FILE` (CLI) against a bare read +
 *   `JSON.parse` + sum of `co2e_g` (float).
 * - `ledger report --html` (CLI, no --trust: aggregation and rendering) against the same floor;
 *   a crash is reported, not thrown; and `ledger report --html --trust` (verification beside the
 *   report's pass) against the verify floor.
 * - cold `--version`, `ledger append` and `estimate` (CLI) against an empty `deno run`.
 *
 * Every child (floors and subjects alike) runs with the V8 flags the program ships with
 * (`DENO_V8_FLAGS`, lib/cli/v8_flags.ts), as the installed command, the compiled binary, the
 * systemd unit and the images run it.
 *
 * Wall time is measured around the child by this process (Deno start-up included on both sides);
 * peak RSS and CPU come from `/usr/bin/time` (maximum resident set size of the child). Ledgers
 * (genesis plus alternating emission and note records) are built in a temporary directory that
 * is removed at the end. `--quick`: sizes 10000,100000, the report at 10,000 only, fewer appends
 * and cold starts per round (under 5 minutes on the project's 2 vCPUs). The machine is shared:
 * compare ratios, not absolute times.
 */

import { parseArgs } from "node:util";
import { loadAvg, median, print } from "./_measure.ts";
import { SHIPPED_V8_FLAGS } from "../lib/cli/v8_flags.ts";

/** One child run: wall time measured here, CPU and peak RSS from /usr/bin/time. */
interface Run {
  readonly ok: boolean;
  readonly code: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssKb: number;
  readonly stdout: string;
  readonly stderr: string;
}

const TIME = "/usr/bin/time";
const SELF = new URL(import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const DENO = Deno.execPath();

// ---------------------------------------------------------------------------------------------
// Children (run as `deno run -A bench/compare.ts --child MODE ...`); imports are dynamic so a
// floor child loads only what it uses.

/** Yields the lines of a file (without the newline), read in 1 MiB chunks. */
async function* lines(path: string): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path);
  let buf = new Uint8Array(1 << 20);
  let have = 0;
  for (;;) {
    if (have === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await file.read(buf.subarray(have));
    if (n === null) break;
    have += n;
    let from = 0;
    for (let nl = buf.indexOf(10, from); nl >= 0 && nl < have; nl = buf.indexOf(10, from)) {
      yield buf.subarray(from, nl);
      from = nl + 1;
    }
    buf.copyWithin(0, from, have);
    have -= from;
  }
  if (have > 0) yield buf.subarray(0, have);
}

/** The one-core verify floor: per line one SHA-256 and one Ed25519 verify (node:crypto). */
async function floorVerify(dir: string): Promise<string> {
  const { createHash, createPublicKey, verify } = await import("node:crypto");
  const { Buffer } = await import("node:buffer");
  const trust = JSON.parse(await Deno.readTextFile(`${dir}/trust.json`));
  const key = createPublicKey(trust.keys[0].public_key);
  let sig: Uint8Array | null = null;
  let entries = 0;
  let held = 0;
  for await (const line of lines(`${dir}/ledger.jsonl`)) {
    // Every line is checked against the first line's signature: an Ed25519 verification costs
    // the same whether it holds or not.
    sig ??= Buffer.from(JSON.parse(new TextDecoder().decode(line)).sig, "base64url");
    createHash("sha256").update(line).digest();
    if (verify(null, line, key, sig)) held++;
    entries++;
  }
  return `${entries} lines, ${held} held`;
}

/** The aggregate floor: read, `JSON.parse` every line, sum `co2e_g` of emissions as floats. */
async function floorSum(dir: string): Promise<string> {
  const decoder = new TextDecoder();
  let sum = 0;
  let records = 0;
  for await (const line of lines(`${dir}/ledger.jsonl`)) {
    const r = JSON.parse(decoder.decode(line));
    if (r.type === "emission") {
      sum += Number(r.body.result.co2e_g);
      records++;
    }
  }
  return `${records} emissions, ${sum.toFixed(4)} g`;
}

/** Interleaved in one process: ledger append, bare write + fdatasync (sync, then async). */
async function appendChild(dir: string, n: number): Promise<string> {
  const { buildLedger } = await import("../tests/_kit/ledger_fixture.ts");
  const { LedgerWriter } = await import("../lib/ledger/writer.ts");
  const note = { text: "benchmark note", labels: { job: "bench" } };
  const l = await buildLedger(`${dir}/ledger`, { records: 0 });
  await using writer = await LedgerWriter.open(`${dir}/ledger`, { key: l.key });
  using bare = await Deno.open(`${dir}/bare.jsonl`, { append: true, create: true });
  using bare2 = await Deno.open(`${dir}/bare2.jsonl`, { append: true, create: true });
  const appendMs: number[] = [];
  const syncMs: number[] = [];
  const asyncMs: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const r = await writer.append("note", note);
    appendMs.push(performance.now() - t);
    const bytes = encoder.encode(r.line + "\n");
    t = performance.now();
    bare.writeSync(bytes);
    bare.syncDataSync();
    syncMs.push(performance.now() - t);
    t = performance.now();
    await bare2.write(bytes);
    await bare2.syncData();
    asyncMs.push(performance.now() - t);
  }
  return JSON.stringify({
    appendMs: median(appendMs),
    syncMs: median(syncMs),
    asyncMs: median(asyncMs),
  });
}

async function child(mode: string, args: string[]): Promise<void> {
  let out: string;
  if (mode === "floor-verify") out = await floorVerify(args[0]);
  else if (mode === "floor-sum") out = await floorSum(args[0]);
  else if (mode === "append") out = await appendChild(args[0], Number(args[1]));
  else throw new RangeError(`unknown child mode '${mode}': use floor-verify, floor-sum or append`);
  print(out);
}

// ---------------------------------------------------------------------------------------------
// The parent.

/** Runs `deno ARGS` under /usr/bin/time; never throws on a non-zero exit (a crash is a result). */
async function run(
  args: string[],
  options: { stdin?: string; timeFile: string },
): Promise<Run> {
  const t0 = performance.now();
  const child = new Deno.Command(TIME, {
    args: ["-f", "%e %U %S %M", "-o", options.timeFile, DENO, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    env: { DENO_V8_FLAGS: SHIPPED_V8_FLAGS },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const wallMs = performance.now() - t0;
  const timeLine = (await Deno.readTextFile(options.timeFile)).trim().split("\n").at(-1) ?? "";
  const [, user, sys, rss] = timeLine.split(" ").map(Number);
  return {
    ok: out.success,
    code: out.code,
    wallMs,
    cpuMs: ((user || 0) + (sys || 0)) * 1000,
    peakRssKb: rss || 0,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

function must(r: Run, what: string): Run {
  if (!r.ok) {
    throw new Error(
      `${what} failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`,
    );
  }
  return r;
}

const fmtRatio = (xs: readonly number[]) =>
  `${median(xs).toFixed(2)}x (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
const fmtS = (ms: number) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
const fmtMiB = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const cpuPct = (r: readonly Run[]) =>
  `${median(r.map((x) => x.cpuMs / x.wallMs * 100)).toFixed(0)}%`;

/**
 * Prints one row: subject against floor, the ratios of wall and of CPU time per round (median
 * and range), median times, the subject's CPU use and both peak RSS.
 */
function row(name: string, subject: readonly Run[], floor: readonly Run[], floorName: string) {
  const wall = subject.map((s, i) => s.wallMs / floor[i].wallMs);
  const cpu = subject.map((s, i) => s.cpuMs / floor[i].cpuMs);
  const med = (rs: readonly Run[], f: (r: Run) => number) => median(rs.map(f));
  print(
    `  ${name.padEnd(34)} wall ${fmtRatio(wall).padEnd(20)} CPU ${fmtRatio(cpu).padEnd(20)} ` +
      `${fmtS(med(subject, (r) => r.wallMs))} vs ${floorName} ${
        fmtS(med(floor, (r) => r.wallMs))
      }; CPU ${cpuPct(subject)}; peak RSS ${
        fmtMiB(med(subject, (r) => r.peakRssKb))
      } (${floorName} ${fmtMiB(med(floor, (r) => r.peakRssKb))})`,
  );
}

async function buildMixedLedger(dir: string, size: number): Promise<void> {
  const { buildLedger, sampleEmission } = await import("../tests/_kit/ledger_fixture.ts");
  const l = await buildLedger(dir, {
    records: size - 1,
    bodies: (seq) =>
      seq % 2
        ? { type: "emission", body: sampleEmission() }
        : { type: "note", body: { text: `note ${seq}` } },
  });
  await Deno.writeTextFile(`${dir}/trust.json`, l.trustText);
}

async function compare(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "3" },
      sizes: { type: "string" },
      "report-sizes": { type: "string" },
      quick: { type: "boolean", default: false },
    },
  });
  const quick = values.quick;
  const rounds = Number(values.rounds);
  const sizes = (values.sizes ?? (quick ? "10000,100000" : "10000,100000,1000000"))
    .split(",").map(Number);
  const reportSizes = (values["report-sizes"] ?? (quick ? "10000" : sizes.join(",")))
    .split(",").map(Number);
  if (!(rounds >= 1) || sizes.some((s) => !(s >= 2)) || reportSizes.some((s) => !(s >= 2))) {
    throw new RangeError("--rounds must be >= 1 and --sizes/--report-sizes numbers >= 2");
  }
  const appendOps = quick ? 150 : 400;
  const coldReps = quick ? 3 : 5;
  const jobs = navigator.hardwareConcurrency;
  await Deno.stat(TIME).catch((err) => {
    throw new Error(`${TIME} is needed for peak RSS and CPU time: install GNU time`, {
      cause: err,
    });
  });
  const root = await Deno.makeTempDir({ prefix: "carbon-ops-compare-" });
  const timeFile = `${root}/time.txt`;
  const t0 = performance.now();
  try {
    print(
      `bench:compare: ${rounds} rounds, sizes ${sizes.join(",")} (report ${
        reportSizes.join(",")
      }), cores ${jobs}, Deno ${Deno.version.deno}, ${new Date().toISOString().slice(0, 16)}Z`,
    );
    print(`every child runs with DENO_V8_FLAGS=${SHIPPED_V8_FLAGS} (as shipped)`);
    print(`load average at start: ${await loadAvg()}`);
    print(
      "ratios: subject / floor of the same round (wall time, CPU time), median (min-max) over " +
        "the rounds; times are medians; each run a child process",
    );

    // --- ledger append in process
    {
      const ratios: number[] = [];
      const asyncRatios: number[] = [];
      const meds: { appendMs: number; syncMs: number; asyncMs: number }[] = [];
      for (let r = 0; r < rounds; r++) {
        const dir = `${root}/append-${r}`;
        await Deno.mkdir(dir);
        const out = must(
          await run(["run", "-A", "--quiet", SELF, "--child", "append", dir, String(appendOps)], {
            timeFile,
          }),
          "append child",
        );
        const m = JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "{}");
        meds.push(m);
        ratios.push(m.appendMs / m.syncMs);
        asyncRatios.push(m.appendMs / m.asyncMs);
      }
      print(
        `\nledger append in process (note; per round the median of ${appendOps} appends, each ` +
          "followed by the bare O_APPEND write + fdatasync of the same bytes)",
      );
      print(
        `  vs sync write + fdatasync          time ${fmtRatio(ratios).padEnd(20)} ${
          median(meds.map((m) => m.appendMs)).toFixed(3)
        } ms vs ${median(meds.map((m) => m.syncMs)).toFixed(3)} ms`,
      );
      print(
        `  vs async write + syncData          time ${fmtRatio(asyncRatios).padEnd(20)} ${
          median(meds.map((m) => m.appendMs)).toFixed(3)
        } ms vs ${median(meds.map((m) => m.asyncMs)).toFixed(3)} ms`,
      );
    }

    // --- cold starts
    {
      const empty = `${root}/empty.ts`;
      await Deno.writeTextFile(empty, "");
      const ledger = `${root}/cold-ledger`;
      const { buildLedger } = await import("../tests/_kit/ledger_fixture.ts");
      const { writeKeyPair } = await import("../lib/ledger/key_files.ts");
      const l = await buildLedger(ledger, { records: 0 });
      const { keyPath } = await writeKeyPair(`${root}/keys`, l.key);
      const note = JSON.stringify({ text: "cold append" });
      const subjects: { name: string; args: string[]; stdin?: string }[] = [
        { name: "--version", args: ["--version"] },
        {
          name: "ledger append",
          args: ["ledger", "append", ledger, "--key", keyPath, "--type", "note", "--body", "-"],
          stdin: note,
        },
        { name: "estimate", args: ["estimate", "--energy-wh", "100", "--region", "DE"] },
      ];
      const floor: Run[] = [];
      const runs = new Map<string, Run[]>(subjects.map((s) => [s.name, []]));
      for (let r = 0; r < rounds * coldReps; r++) {
        floor.push(must(await run(["run", "-A", empty], { timeFile }), "empty deno run"));
        for (const s of subjects) {
          runs.get(s.name)!.push(
            must(
              await run(["run", "-A", MAIN, ...s.args], { timeFile, stdin: s.stdin }),
              `carbon-ops ${s.args.join(" ")}`,
            ),
          );
        }
      }
      print(
        `\ncold start (deno run -A main.ts ...; ${rounds * coldReps} runs each, interleaved ` +
          "with an empty deno run)",
      );
      for (const s of subjects) row(`cold ${s.name}`, runs.get(s.name)!, floor, "empty");
    }

    // --- per ledger size: verify, totals, report
    for (const size of sizes) {
      const dir = `${root}/ledger-${size}`;
      const b0 = performance.now();
      await buildMixedLedger(dir, size);
      const mib = (await Deno.stat(`${dir}/ledger.jsonl`)).size / 2 ** 20;
      print(
        `\n${size} records (${mib.toFixed(0)} MiB, half emissions; built in ${
          fmtS(performance.now() - b0)
        }; load ${await loadAvg()})`,
      );
      const verifyArgs = [
        "run",
        "-A",
        MAIN,
        "ledger",
        "verify",
        dir,
        "--trust",
        `${dir}/trust.json`,
      ];
      const vFloor: Run[] = [];
      const v1: Run[] = [];
      const vN: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        vFloor.push(
          must(
            await run(["run", "-A", SELF, "--child", "floor-verify", dir], { timeFile }),
            "verify floor",
          ),
        );
        // The subject run right after the floor alternates between rounds.
        const order = r % 2 ? ["N", "1"] : ["1", "N"];
        for (const which of order) {
          if (which === "1") {
            v1.push(
              must(await run([...verifyArgs, "--jobs", "1"], { timeFile }), "verify --jobs 1"),
            );
          } else vN.push(must(await run(verifyArgs, { timeFile }), "verify (default jobs)"));
        }
      }
      row("ledger verify --jobs 1", v1, vFloor, "floor");
      row(`ledger verify (default, ${jobs} jobs)`, vN, vFloor, "floor");
      print(`    floor: 1 core, Ed25519 + SHA-256 per line, CPU ${cpuPct(vFloor)}`);

      const sFloor: Run[] = [];
      const totals: Run[] = [];
      const exported: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        sFloor.push(
          must(
            await run(["run", "-A", SELF, "--child", "floor-sum", dir], { timeFile }),
            "sum floor",
          ),
        );
        totals.push(
          must(await run(["run", "-A", MAIN, "ledger", "totals", dir], { timeFile }), "totals"),
        );
        exported.push(
          must(
            await run(
              ["run", "-A", MAIN, "ledger", "export", dir, "--csv", "--out", `${root}/out.csv`],
              { timeFile },
            ),
            "export",
          ),
        );
      }
      row("ledger totals", totals, sFloor, "floor");
      row("ledger export --csv --out FILE", exported, sFloor, "floor");
      print("    floor: read + JSON.parse + sum of co2e_g");

      if (reportSizes.includes(size)) {
        const rFloor: Run[] = [];
        const report: Run[] = [];
        const trusted: Run[] = [];
        const reportArgs = ["run", "-A", MAIN, "ledger", "report", dir, "--html"];
        for (let r = 0; r < rounds; r++) {
          rFloor.push(
            must(
              await run(["run", "-A", SELF, "--child", "floor-sum", dir], { timeFile }),
              "sum floor",
            ),
          );
          report.push(await run([...reportArgs, `${root}/report.html`], { timeFile }));
          trusted.push(
            must(
              await run([...reportArgs, `${root}/trusted.html`, "--trust", `${dir}/trust.json`], {
                timeFile,
              }),
              "report --trust",
            ),
          );
        }
        const crashed = report.filter((x) => !x.ok);
        // With --trust: verification (default jobs) beside the report's own pass; against the
        // verify floor of this size (one core, Ed25519 + SHA-256 per line).
        row("ledger report --html --trust", trusted, vFloor, "verify floor");
        if (crashed.length === 0) row("ledger report --html", report, rFloor, "floor");
        else {
          const last = crashed[0];
          print(
            `  ledger report --html               CRASHED in ${crashed.length} of ${rounds} ` +
              `rounds (exit ${last.code} after ${fmtS(last.wallMs)}, peak RSS ${
                fmtMiB(last.peakRssKb)
              }): ${last.stderr.trim().split("\n").slice(-2).join(" | ").slice(0, 300)}`,
          );
        }
      }
      await Deno.remove(dir, { recursive: true });
    }
    print(`\nload average at end: ${await loadAvg()}; whole run ${fmtS(performance.now() - t0)}`);
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") await child(Deno.args[1], Deno.args.slice(2));
  else await compare(Deno.args);
}
