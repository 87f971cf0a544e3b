import assert from "node:assert/strict";
import { metricFamilies, type MetricsInput } from "../../governor/metrics.ts";
import { sampleName } from "../../governor/metrics_exposition.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";

const DOC = `${REPO_ROOT}docs/monitoring.md`;

/** An input with one domain and one workload, so every family has a sample to show its labels. */
const INPUT = {
  snapshot: {
    instance: "i",
    continues: null,
    source: "sim",
    monoNs: 0n,
    timeMs: 0,
    frames: 1,
    domains: {
      "package-0": {
        kind: "package",
        totalUj: 1n,
        wraps: 0,
        resets: 0,
        discarded: 0,
        readErrors: 0,
        stalls: 0,
        stalled: false,
        coverage: 1,
      },
    },
    hostTotalUj: 1n,
    hostTotalDomains: ["package-0"],
  },
  health: { status: "ok", problems: [] },
  scheduler: {
    intervalMs: 100,
    ticks: 1,
    overruns: 0,
    missedTicks: 0,
    lateness: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
    duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 1 },
    lastTickMonoNs: 0n,
  },
  workloads: {
    instance: "i",
    monoNs: 0n,
    timeMs: 0,
    policy: "idle",
    intervals: 1,
    domains: { "package-0": { hostUj: 3n, buckets: { "(idle)": 1n, "a.slice": 2n } } },
    workloads: {
      "a.slice": { cgroup: "a.slice", podUid: null, containerId: null, qos: null, runtime: null },
    },
  },
} as unknown as MetricsInput;

interface DocRow {
  type: string;
  unit: string;
  labels: string[];
}

/** The rows of the table between `<!-- metrics:start -->` and `<!-- metrics:end -->`. */
function documented(markdown: string): Map<string, DocRow> {
  const m = /<!-- metrics:start -->\n([\s\S]*?)<!-- metrics:end -->/.exec(markdown);
  assert(m, "docs/monitoring.md has no metrics:start/end table");
  const rows = new Map<string, DocRow>();
  for (const line of m[1].split("\n").filter((l) => l.startsWith("| `"))) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const name = /^`([a-z_]+)`$/.exec(cells[0])?.[1];
    assert(name, `a metric cell is not one \`name\`: ${line}`);
    assert(!rows.has(name), `${name} is documented twice`);
    const labels = [...cells[3].matchAll(/`([a-z_]+)`/g)].map((l) => l[1]).sort();
    rows.set(name, { type: cells[1], unit: cells[2], labels });
  }
  return rows;
}

Deno.test("docs/monitoring.md lists every exported metric with its type, unit and labels, and no other", async () => {
  const rows = documented(await Deno.readTextFile(DOC));
  const exported = new Map<string, DocRow>();
  for (const f of metricFamilies(INPUT)) {
    const labels = new Set(f.samples.flatMap((s) => Object.keys(s.labels ?? {})));
    exported.set(sampleName(f), { type: f.type, unit: f.unit ?? "", labels: [...labels].sort() });
  }
  for (const [name, want] of exported) {
    assert.deepEqual(rows.get(name), want, `docs/monitoring.md row for ${name}`);
  }
  for (const name of rows.keys()) {
    assert(exported.has(name), `docs/monitoring.md documents ${name}, which is not exported`);
  }
});
