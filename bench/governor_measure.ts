/**
 * Governor measurements for docs/benchmarks.md ("## Governor"):
 *   deno run -A bench/governor_measure.ts [--seconds 60] [--json] [--daemon-v8-flags FLAGS]
 *     [--daemon-nice N]   (the systemd unit runs the daemon with Nice=-5)
 * 1. accuracy against the simulated counter (10 min of simulated time per scenario);
 * 2. tick cost per domain (sysfs read + accumulate) beside the bare reads of the same files;
 * 3. the real daemon (`main.ts governor`) on a fake 6-domain powercap tree at 10 Hz: CPU share
 *    of one core from /proc/<pid>/stat over --seconds, RSS, tick lateness from `stats`;
 * 4. `read` round trips with 50 concurrent clients (closed loop, and paced at 20 Hz each).
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ACCURACY_CASES, runAccuracyCase } from "../tests/_kit/governor_accuracy.ts";
import { Accumulator } from "../lib/energy/rapl/accumulator.ts";
import { openSysfsSource } from "../lib/energy/rapl/sysfs.ts";
import { GovernorClient } from "../lib/energy/governor_client.ts";
import { encodeBody } from "../lib/energy/wire.ts";
import { buildFakePowercap, intelTwoSocketZones } from "../tests/_kit/fake_powercap.ts";
import { startGovernorProcess } from "../tests/_kit/governor_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "60" },
    json: { type: "boolean" },
    "daemon-v8-flags": { type: "string" },
    "daemon-nice": { type: "string" },
  },
});
const seconds = Number(values.seconds);
const out: string[] = [];
const say = (line: string) => {
  out.push(line);
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};

// 1. accuracy
say("### Accuracy (10 min simulated, 10 Hz, 0-5 ms tick jitter)");
say("| scenario | wraps | true energy (uJ) | governor total (uJ) | error (uJ) | one tick (uJ) |");
say("|---|---|---|---|---|---|");
const accuracy = ACCURACY_CASES.map((c) => runAccuracyCase(c));
for (const r of accuracy) {
  say(
    `| ${r.label} | ${r.wraps} | ${r.trueUj} | ${r.totalUj} | ${r.errorUj} | ${r.tickEnergyUj} |`,
  );
}

// 2. tick cost per domain on a fake powercap tree
const base = await Deno.makeTempDir({ prefix: "carbon-ops-bench-" });
const tree = buildFakePowercap(base, intelTwoSocketZones());
const source = openSysfsSource({ root: tree.classRoot });
const nDomains = source.domains.length;
const acc = new Accumulator(source.domains, { instance: "bench", source: "sysfs" });
const paths = source.domains.map((d) => (d as { energyPath?: string }).energyPath ?? "");
const fds = paths.map((p) => fs.openSync(p, "r"));
const buf = new Uint8Array(32);
const N = 20_000;
const bare = () => {
  for (const fd of fds) fs.readSync(fd, buf, 0, buf.length, 0);
};
const tick = (k: number) =>
  acc.apply(source.read(), { monoNs: BigInt(k) * 100_000_000n, timeMs: 0 });
for (let k = 0; k < 2000; k++) (bare(), tick(k)); // warm-up
// alternate rounds of each and keep the median round, so drift and neighbours hit both alike
const bareRounds: number[] = [];
const tickRounds: number[] = [];
let tickNo = 2000;
for (let round = 0; round < 9; round++) {
  const t0 = performance.now();
  for (let k = 0; k < N / 10; k++) bare();
  const t1 = performance.now();
  for (let k = 0; k < N / 10; k++) tick(tickNo++);
  const t2 = performance.now();
  bareRounds.push(((t1 - t0) * 1000) / (N / 10) / nDomains);
  tickRounds.push(((t2 - t1) * 1000) / (N / 10) / nDomains);
}
const bareUs = pct(bareRounds, 0.5);
const tickUs = pct(tickRounds, 0.5);
say("");
say(
  `### Tick cost (${nDomains} sysfs domains, fake tree on tmpfs, median of 9 rounds of ${
    N / 10
  } ticks)`,
);
say(`- bare pread of the same energy_uj files: ${bareUs.toFixed(2)} us per domain`);
say(
  `- governor tick (read + parse + accumulate): ${tickUs.toFixed(2)} us per domain ` +
    `(${(tickUs / bareUs).toFixed(2)}x the bare reads)`,
);
for (const fd of fds) fs.closeSync(fd);
source.close();

// 3. the daemon process
const socketPath = `${base}/g.sock`;
const gov = await startGovernorProcess(socketPath, [
  "--powercap-root",
  tree.classRoot,
  "--group",
  "daemon",
  "--interval-ms",
  "100",
], {
  env: values["daemon-v8-flags"] ? { DENO_V8_FLAGS: values["daemon-v8-flags"] } : {},
  nice: values["daemon-nice"] === undefined ? undefined : Number(values["daemon-nice"]),
});
await new Promise((r) => setTimeout(r, 3000)); // warm-up
const hz = 100; // CLK_TCK on Linux
const c0 = await gov.cpuTicks();
const w0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const c1 = await gov.cpuTicks();
const wallS = (performance.now() - w0) / 1000;
const cpuPct = ((c1 - c0) / hz / wallS) * 100;
const rssIdle = await gov.rssBytes();
const probe = new GovernorClient({ socketPath });
const statsIdle = encodeBody("stats", await probe.request("stats"));
const domainsCount = ((await probe.request("domains")).domains as unknown[]).length;
probe.close();
say("");
const v8 = values["daemon-v8-flags"];
say(
  `### Daemon (deno run main.ts governor, ${domainsCount} sysfs domains, 10 Hz, ` +
    `${wallS.toFixed(0)} s${v8 ? `, DENO_V8_FLAGS=${v8}` : ""}` +
    `${values["daemon-nice"] ? `, nice ${values["daemon-nice"]}` : ""}; load average ` +
    `${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")})`,
);
say(
  `- CPU: ${cpuPct.toFixed(3)}% of one core (${c1 - c0} ticks of 10 ms in ${wallS.toFixed(1)} s)`,
);
say(`- RSS: ${(rssIdle / 2 ** 20).toFixed(1)} MiB (VmRSS)`);
const late = statsIdle.tick_lateness_ms;
say(
  `- tick lateness: p50 ${late.p50} ms, p99 ${late.p99} ms, max ${late.max} ms over ` +
    `${late.window} ticks; overruns ${statsIdle.overruns}`,
);

// 4. read round trips with 50 concurrent clients
type RttMode = "paced" | "paced-raw" | "closed";

/** A bare protocol client: one write, one read per request (the floor for GovernorClient). */
async function rawClient(): Promise<{ read(): Promise<void>; close(): void }> {
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  const req = new TextEncoder().encode('{"v":1,"op":"read"}\n');
  const buf = new Uint8Array(65_536);
  return {
    async read() {
      await conn.write(req);
      let n = 0;
      do n += (await conn.read(buf.subarray(n))) ?? 0; while (buf[n - 1] !== 10);
    },
    close: () => conn.close(),
  };
}

async function roundTrips(mode: RttMode): Promise<number[]> {
  const clients: { read(): Promise<unknown>; close(): void }[] = mode === "paced-raw"
    ? await Promise.all(Array.from({ length: 50 }, () => rawClient()))
    : Array.from({ length: 50 }, () => new GovernorClient({ socketPath, timeoutMs: 5000 }));
  // connect and warm up (JIT) before measuring
  await Promise.all(clients.map(async (c) => {
    for (let k = 0; k < 100; k++) await c.read();
  }));
  const lat: number[] = [];
  const t0 = performance.now() + 20;
  await Promise.all(clients.map(async (c, i) => {
    for (let k = 0; k < 200; k++) {
      if (mode !== "closed") {
        // client i reads at t0 + 50k + i ms: 50 clients spread evenly over each 50 ms period
        const due = t0 + 50 * k + i;
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      }
      const s = performance.now();
      await c.read();
      lat.push(performance.now() - s);
    }
  }));
  for (const c of clients) c.close();
  return lat;
}
say("");
say("### read round trip, 50 concurrent clients x 200 reads after 100 warm-up reads each");
const rttLabels: Record<RttMode, string> = {
  "paced": "GovernorClient, paced (each client every 50 ms, phases spread, 1000 req/s in total)",
  "paced-raw": "bare socket client (write + read, no parsing), paced the same way",
  "closed": "GovernorClient, closed loop (50 requests always in flight: measures queueing)",
};
for (const mode of ["paced", "paced-raw", "closed"] as const) {
  const lat = await roundTrips(mode);
  say(
    `- ${rttLabels[mode]}: p50 ${pct(lat, 0.5).toFixed(3)} ms, p99 ${pct(lat, 0.99).toFixed(3)} ` +
      `ms, max ${Math.max(...lat).toFixed(3)} ms`,
  );
}
const probe2 = new GovernorClient({ socketPath });
const statsAfter = encodeBody("stats", await probe2.request("stats"));
probe2.close();
const late2 = statsAfter.tick_lateness_ms;
const rssAfter = await gov.rssBytes();
say(
  `- after the load: RSS ${
    (rssAfter / 2 ** 20).toFixed(1)
  } MiB; tick lateness p99 ${late2.p99} ms, ` +
    `max ${late2.max} ms; overruns ${statsAfter.overruns}`,
);
await gov.stop();
await Deno.remove(base, { recursive: true });
if (values.json) {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ lines: out }) + "\n"));
}
