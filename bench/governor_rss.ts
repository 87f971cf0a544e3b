/**
 * Governor memory for the Kubernetes DaemonSet limit (docs/benchmarks.md, "Governor memory for
 * the DaemonSet limit"):
 *
 *   deno run -A bench/governor_rss.ts [--seconds 60] [--scrape-every-s 5] [--json]
 *
 * Starts two real governors (`main.ts governor`) side by side, as the DaemonSet runs it: sysfs
 * mode on a fake two-socket powercap tree (6 domains, `--powercap-root`), the Unix socket, the
 * metrics listener on loopback, 10 Hz. One runs with `DENO_V8_FLAGS=--max-semi-space-size=1`
 * (what the systemd unit and the DaemonSet set), one without. For `--seconds` each gets an
 * OpenMetrics scrape every `--scrape-every-s` and a socket `read` every second; VmRSS is
 * sampled every second and the peak is `VmHWM` from /proc/PID/status at the end.
 */
import { parseArgs } from "node:util";
import { GovernorClient } from "../lib/energy/governor_client.ts";
import { buildFakePowercap, intelTwoSocketZones } from "../tests/_kit/fake_powercap.ts";
import { type GovernorProcess, startGovernorProcess } from "../tests/_kit/governor_process.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "60" },
    "scrape-every-s": { type: "string", default: "5" },
    json: { type: "boolean" },
  },
});
const seconds = Number(values.seconds);
const scrapeEveryS = Number(values["scrape-every-s"]);
if (!(seconds >= 1) || !(scrapeEveryS >= 1)) {
  throw new RangeError("--seconds and --scrape-every-s must be numbers >= 1");
}

const MIB = 2 ** 20;
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const V8_FLAGS = "--max-semi-space-size=1";

/** A /proc/PID/status field in bytes (VmRSS, VmHWM, ...). */
async function statusBytes(pid: number, field: string): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(text)?.[1];
  if (kb === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) * 1024;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

interface Variant {
  readonly label: string;
  readonly v8Flags: string | null;
  readonly gov: GovernorProcess;
  readonly port: number;
  readonly client: GovernorClient;
  readonly rssSamples: number[];
  scrapes: number;
  reads: number;
}

const base = await Deno.makeTempDir({ prefix: "carbon-ops-rss-" });
const tree = buildFakePowercap(base, intelTwoSocketZones());
const variants: Variant[] = [];
try {
  for (const v8Flags of [V8_FLAGS, null]) {
    const port = freePort();
    const socketPath = `${base}/g${variants.length}.sock`;
    const gov = await startGovernorProcess(socketPath, [
      "--powercap-root",
      tree.classRoot,
      "--group",
      String(Deno.gid() ?? 0),
      "--interval-ms",
      "100",
      "--metrics-listen",
      `127.0.0.1:${port}`,
    ], { env: v8Flags === null ? {} : { DENO_V8_FLAGS: v8Flags } });
    variants.push({
      label: v8Flags === null ? "no V8 flags" : `DENO_V8_FLAGS=${v8Flags}`,
      v8Flags,
      gov,
      port,
      client: new GovernorClient({ socketPath, timeoutMs: 5000 }),
      rssSamples: [],
      scrapes: 0,
      reads: 0,
    });
  }
  const startMs = Date.now();
  for (let s = 0; s < seconds; s++) {
    for (const v of variants) {
      if (s % scrapeEveryS === 0) {
        const res = await fetch(`http://127.0.0.1:${v.port}/metrics`);
        const body = await res.text();
        if (!res.ok || !body.includes("# EOF")) throw new Error(`scrape failed: ${res.status}`);
        v.scrapes++;
      }
      await v.client.read();
      v.reads++;
      v.rssSamples.push(await statusBytes(v.gov.pid, "VmRSS"));
    }
    const next = startMs + (s + 1) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  const results = [];
  for (const v of variants) {
    const hwm = await statusBytes(v.gov.pid, "VmHWM");
    const rss = v.rssSamples;
    results.push({
      variant: v.label,
      seconds,
      scrapes: v.scrapes,
      socketReads: v.reads,
      rssFirstMiB: +(rss[0] / MIB).toFixed(1),
      rssLastMiB: +(rss[rss.length - 1] / MIB).toFixed(1),
      rssMaxSampledMiB: +(Math.max(...rss) / MIB).toFixed(1),
      peakVmHwmMiB: +(hwm / MIB).toFixed(1),
    });
  }
  if (values.json) {
    say(JSON.stringify({ deno: Deno.version.deno, results }, null, 2));
  } else {
    say(
      `governor RSS over ${seconds} s (sysfs, 6 fake domains, 10 Hz, socket read every 1 s, ` +
        `scrape every ${scrapeEveryS} s; Deno ${Deno.version.deno})`,
    );
    say("| variant | RSS after start | RSS at end | max sampled RSS | peak (VmHWM) |");
    say("|---|---|---|---|---|");
    for (const r of results) {
      say(
        `| ${r.variant} | ${r.rssFirstMiB} MiB | ${r.rssLastMiB} MiB | ${r.rssMaxSampledMiB} MiB ` +
          `| ${r.peakVmHwmMiB} MiB |`,
      );
    }
  }
} finally {
  for (const v of variants) {
    v.client.close();
    await v.gov.stop();
  }
  await Deno.remove(base, { recursive: true });
}
