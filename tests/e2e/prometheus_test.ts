/**
 * A real Prometheus scrapes a real governor (simulated source) on loopback: the page parses, the
 * labels arrive as written (no `exported_*` renames) and the energy counter increases.
 */
import assert from "node:assert/strict";
import { hasTool } from "../_kit/exposition_parser.ts";
import { startMetricsGovernor } from "../_kit/metrics_governor.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const HAS_PROMETHEUS = hasTool("prometheus");
const DEADLINE_MS = 90_000;

interface VectorSample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

Deno.test("prometheus scrapes the governor and sees its labels and a rising energy counter", {
  ignore: !HAS_PROMETHEUS,
}, async () => {
  await using dir = await tempDir();
  await using g = await startMetricsGovernor(dir.join("g.sock"));
  const target = `127.0.0.1:${g.port}`;
  await Deno.writeTextFile(
    dir.join("prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: carbon-ops-governor",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const webPort = freePort();
  const api = `http://127.0.0.1:${webPort}`;
  const prometheus = new Deno.Command("prometheus", {
    args: [
      `--config.file=${dir.join("prometheus.yml")}`,
      `--storage.tsdb.path=${dir.join("tsdb")}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    cwd: dir.path,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const reading = (async () => {
    const dec = new TextDecoder();
    for await (const chunk of prometheus.stderr) log += dec.decode(chunk, { stream: true });
  })();
  let exited = false;
  const status = prometheus.status.then((s) => (exited = true, s));
  const deadline = Date.now() + DEADLINE_MS;
  /** Polls `probe` until it returns a value, Prometheus exits, or the deadline passes. */
  const poll = async <T>(what: string, probe: () => Promise<T | null>): Promise<T> => {
    for (;;) {
      if (exited) throw new Error(`prometheus exited while waiting for ${what}:\n${log}`);
      const got = await probe().catch(() => null);
      if (got !== null) return got;
      if (Date.now() > deadline) {
        throw new Error(`no ${what} within ${DEADLINE_MS} ms; prometheus log:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const query = async (promql: string): Promise<VectorSample[]> => {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = await res.json();
    if (body.status !== "success") throw new Error(JSON.stringify(body));
    return body.data.result as VectorSample[];
  };
  try {
    const host = await poll("carbon_ops_host_energy_joules_total sample", async () => {
      const r = await query("carbon_ops_host_energy_joules_total");
      return r.length > 0 ? r : null;
    });
    assert.equal(host.length, 1);
    assert.equal(host[0].metric.job, "carbon-ops-governor");
    assert.equal(host[0].metric.instance, target);
    assert.equal(host[0].metric.basis, "package-0");

    const energy = await query("carbon_ops_energy_joules_total");
    assert.deepEqual(
      energy.map((s) => s.metric).map(({ domain, job, instance }) => ({ domain, job, instance })),
      [{ domain: "package-0", job: "carbon-ops-governor", instance: target }],
    );

    const info = await query("carbon_ops_governor_info");
    assert.equal(info.length, 1, JSON.stringify(info));
    const labels = info[0].metric;
    assert.match(labels.governor_instance ?? "", /^[0-9a-f-]{36}$/, JSON.stringify(labels));
    assert.equal(labels.instance, target);
    assert.equal(labels.source, "sim");
    assert.equal(labels.exported_instance, undefined);
    const all = await query('{__name__=~"carbon_ops_.+"}');
    for (const s of all) {
      const renamed = Object.keys(s.metric).filter((k) => k.startsWith("exported_"));
      assert.deepEqual(renamed, [], JSON.stringify(s.metric));
    }

    // scrapes a second apart: never decreasing, and rising (two scrapes can share one page, as
    // the page is rebuilt at most once a second)
    const rising = await poll("two scrapes with a rising total", async () => {
      const r = await query("carbon_ops_host_energy_joules_total[30s]");
      const values = r[0]?.values ?? [];
      return values.length >= 2 && Number(values.at(-1)![1]) > Number(values[0][1]) ? values : null;
    });
    for (let i = 1; i < rising.length; i++) {
      assert(rising[i][0] > rising[i - 1][0], JSON.stringify(rising));
      assert(Number(rising[i][1]) >= Number(rising[i - 1][1]), JSON.stringify(rising));
    }

    // the target is healthy: the page parsed with nothing dropped
    const targets = await (await fetch(`${api}/api/v1/targets`)).json();
    const active = targets.data.activeTargets as { health: string; lastError: string }[];
    assert.equal(active.length, 1);
    assert.equal(active[0].lastError, "");
    assert.equal(active[0].health, "up");
  } finally {
    if (!exited) prometheus.kill("SIGTERM");
    const s = await status;
    await reading;
    assert(s.success || s.signal === "SIGTERM" || s.code === 0, `prometheus: ${s.code}\n${log}`);
  }
  assert.equal(await g.gov.stop(), 0);
});
