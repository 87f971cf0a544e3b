import assert from "node:assert/strict";
import { metricFamilies, type MetricsInput, serveMetrics } from "../../governor/metrics.ts";
import {
  METRICS_CONTENT_TYPES,
  renderExposition,
  sampleName,
} from "../../governor/metrics_exposition.ts";
import { negotiateMetricsFormat } from "../../governor/metrics_negotiation.ts";
import { hasTool, type ParsedFamily, parseExposition } from "../_kit/exposition_parser.ts";
import { ACCEPT_OPENMETRICS, startMetricsGovernor } from "../_kit/metrics_governor.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const HAS_PROMTOOL = hasTool("promtool");

/** Labels Prometheus sets on targets (or reserves) and would rename to `exported_*`. */
const RESERVED_LABELS = [
  "job",
  "instance",
  "le",
  "quantile",
  "namespace",
  "pod",
  "service",
  "endpoint",
  "container",
  "node",
];

function domain(totalUj: bigint, extra: Partial<Record<string, number | boolean>> = {}) {
  return {
    kind: "package",
    totalUj,
    wraps: 2,
    resets: 1,
    discarded: 3,
    readErrors: 4,
    stalls: 5,
    stalled: false,
    coverage: 0.987654,
    ...extra,
  };
}

/** A snapshot with awkward label values and joules that need every decimal. */
const INPUT = {
  snapshot: {
    instance: "5f0c7a0e-0000-4000-8000-000000000001",
    continues: null,
    source: "sim",
    monoNs: 1n,
    timeMs: 0,
    frames: 10,
    domains: {
      "package-0": domain(123_456_789_012_345_678n),
      'odd "name"\\with\nnewline': domain(1n, { stalled: true, coverage: 0 }),
    },
    hostTotalUj: 123_456_789_012_345_679n,
    hostTotalDomains: ["package-0", 'odd "name"\\with\nnewline'],
  },
  health: { status: "degraded", problems: [] },
  scheduler: {
    intervalMs: 100,
    ticks: 42,
    overruns: 1,
    missedTicks: 0,
    lateness: { p50Ms: 0.5, p99Ms: 12.25, maxMs: 40, window: 10 },
    duration: { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 10 },
    lastTickMonoNs: 0n,
  },
  workloads: {
    instance: "5f0c7a0e-0000-4000-8000-000000000001",
    monoNs: 1n,
    timeMs: 0,
    policy: "idle",
    intervals: 3,
    domains: {
      "package-0": {
        hostUj: 123_456_789_012_345_678n,
        buckets: {
          "(idle)": 100_000_000_000_000_000n,
          "(system)": 1n,
          "(other)": 0n,
          "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f900.slice":
            23_456_789_012_345_677n,
        },
      },
    },
    workloads: {
      "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f900.slice":
        {
          cgroup:
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f900.slice",
          podUid: "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f900",
          containerId: null,
          qos: "burstable",
          runtime: null,
        },
    },
  },
} as unknown as MetricsInput;

Deno.test("negotiation picks the exposition by media range, parameters and quality", () => {
  const cases: [string | null, "openmetrics" | "classic"][] = [
    [null, "classic"],
    ["", "classic"],
    ["*/*", "classic"],
    ["text/plain", "classic"],
    ["text/plain;version=0.0.4", "classic"],
    ["text/*", "classic"],
    ["application/json", "classic"], // unsupported: the classic format anyway
    ["application/openmetrics-text", "openmetrics"],
    ["application/openmetrics-text; version=1.0.0", "openmetrics"],
    ["application/openmetrics-text; version=0.0.1", "openmetrics"],
    ['APPLICATION/OpenMetrics-Text; Version="1.0.0"; charset=utf-8', "openmetrics"],
    ["application/openmetrics-text; version=2.0.0", "classic"],
    ["application/*", "openmetrics"],
    [ACCEPT_OPENMETRICS, "openmetrics"],
    ["application/openmetrics-text;q=0.3, text/plain;q=0.7", "classic"],
    ["text/plain;q=0.2, application/openmetrics-text;q=0.9", "openmetrics"],
    ["text/plain, application/openmetrics-text", "openmetrics"], // equal q, both named
    ["application/openmetrics-text;q=0.5, */*", "classic"], // named OM below the wildcard
    ["application/openmetrics-text;q=0, */*", "classic"], // q=0: not acceptable
    ["text/plain;q=0, */*;q=0.1", "openmetrics"], // only the wildcard lets OM in
    ["text/plain;q=0, application/openmetrics-text;q=0", "classic"], // nothing: fallback
    ["application/openmetrics-text;q=1.5", "classic"], // malformed q: header ignored
    ["application/openmetrics-text;version", "classic"], // malformed parameter
    [
      "application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5",
      "openmetrics",
    ],
  ];
  for (const [accept, want] of cases) {
    assert.equal(negotiateMetricsFormat(accept), want, `Accept: ${accept}`);
  }
});

function valuesOf(families: Map<string, ParsedFamily>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of families.values()) {
    for (const s of f.samples) out.set(`${s.name}${JSON.stringify(s.labels)}`, s.value);
  }
  return out;
}

Deno.test("both expositions parse back strictly with the same samples and values", () => {
  const families = metricFamilies(INPUT);
  const om = parseExposition(renderExposition(families, "openmetrics"), "openmetrics");
  const classic = parseExposition(renderExposition(families, "classic"), "classic");
  assert.deepEqual(valuesOf(om), valuesOf(classic));
  assert.equal(om.size, families.length);
  assert.equal(classic.size, families.length);
  const values = valuesOf(om);
  // exact decimal joules, never rounded through a float
  assert.equal(
    values.get('carbon_ops_energy_joules_total{"domain":"package-0"}'),
    "123456789012.345678",
  );
  assert.equal(
    values.get(
      'carbon_ops_host_energy_joules_total{"basis":"package-0+odd \\"name\\"\\\\with\\nnewline"}',
    ),
    "123456789012.345679",
  );
  assert.equal(
    values.get('carbon_ops_energy_joules_total{"domain":"odd \\"name\\"\\\\with\\nnewline"}'),
    "0.000001",
  );
  assert.equal(values.get('carbon_ops_tick_lateness_seconds{"stat":"p99"}'), "0.01225");
  // per-workload joules are exact too; named buckets carry empty Kubernetes labels
  assert.equal(
    values.get(
      'carbon_ops_workload_energy_joules_total{"domain":"package-0","cgroup":"(idle)","pod_uid":"","container_id":"","qos":""}',
    ),
    "100000000000",
  );
  assert.equal(
    values.get(
      `carbon_ops_workload_energy_joules_total${
        JSON.stringify({
          domain: "package-0",
          cgroup:
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f900.slice",
          pod_uid: "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f900",
          container_id: "",
          qos: "burstable",
        })
      }`,
    ),
    "23456789012.345677",
  );
  assert.equal(values.get('carbon_ops_health{"carbon_ops_health":"degraded"}'), "1");
  assert.equal(values.get("carbon_ops_ticks_total{}"), "42");
  assert.equal(
    values.get(`carbon_ops_governor_info${
      JSON.stringify({
        governor_instance: "5f0c7a0e-0000-4000-8000-000000000001",
        source: "sim",
      })
    }`),
    "1",
  );
  for (const f of families) {
    const o = om.get(f.name)!;
    assert.equal(o.type, f.type);
    assert.equal(o.unit, f.unit ?? null);
    assert.equal(o.help, f.help);
    // classic: counters under their _total name, info and stateset as gauges, no unit
    const c = classic.get(sampleName(f))!;
    assert.equal(c.type, f.type === "counter" ? "counter" : "gauge", f.name);
    assert.equal(c.help, f.help);
    assert.equal(c.unit, null);
  }
});

Deno.test("no governor metric carries a label Prometheus reserves for the target", () => {
  for (const family of metricFamilies(INPUT)) {
    for (const sample of family.samples) {
      for (const name of Object.keys(sample.labels ?? {})) {
        assert(!RESERVED_LABELS.includes(name), `${family.name} has the label '${name}'`);
        assert(!name.startsWith("__"), `${family.name} has the label '${name}'`);
      }
    }
  }
});

Deno.test("the renderer refuses values and names the expositions cannot carry", () => {
  const family = (over: object) =>
    [{ name: "x_seconds", type: "gauge", help: "h", samples: [], ...over }] as never;
  assert.throws(
    () => renderExposition(family({ samples: [{ value: "1e3" }] }), "classic"),
    /metric family 'x_seconds': value '1e3' is not a plain decimal number/,
  );
  assert.throws(
    () => renderExposition(family({ unit: "joules" }), "classic"),
    /must end with its unit/,
  );
  assert.throws(
    () => renderExposition(family({ samples: [{ labels: { "a-b": "1" }, value: 1 }] }), "classic"),
    /'a-b' is not a valid label name/,
  );
  assert.throws(
    () =>
      renderExposition([
        { name: "x", type: "counter", help: "h", samples: [] },
        { name: "x_total", type: "gauge", help: "h", samples: [] },
      ], "openmetrics"),
    /the name 'x_total' is used twice/,
  );
  assert.equal(
    renderExposition(family({ samples: [{ value: NaN }, { value: -Infinity }] }), "classic")
      .split("\n").slice(2).join("|"),
    "x_seconds NaN|x_seconds -Inf|",
  );
});

Deno.test("metrics endpoint answers each Accept header in its format and content type", async () => {
  const seen: string[] = [];
  const m = serveMetrics("127.0.0.1:0", (request) => {
    seen.push(request.format);
    return metricFamilies(INPUT);
  }, { minPeriodMs: 60_000 });
  try {
    for (
      const [accept, format] of [
        [ACCEPT_OPENMETRICS, "openmetrics"],
        ["text/plain;version=0.0.4", "classic"],
        ["*/*", "classic"],
        [ACCEPT_OPENMETRICS, "openmetrics"], // cached: not rendered again
      ] as const
    ) {
      const res = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`, { headers: { accept } });
      assert.equal(res.headers.get("content-type"), METRICS_CONTENT_TYPES[format], accept);
      assert.equal(res.headers.get("vary"), "accept");
      assert.equal(await res.text(), renderExposition(metricFamilies(INPUT), format));
    }
    assert.deepEqual(seen, ["openmetrics", "classic", "classic"]);
  } finally {
    await m.close();
  }
  // a renderer that returns a finished page gets it served as OpenMetrics, whatever was asked
  const page = serveMetrics("127.0.0.1:0", () => "# EOF\n");
  try {
    const res = await fetch(`http://127.0.0.1:${page.addr.port}/metrics`);
    assert.equal(res.headers.get("content-type"), METRICS_CONTENT_TYPES.openmetrics);
    assert.equal(await res.text(), "# EOF\n");
  } finally {
    await page.close();
  }
});

Deno.test("a running sim governor's classic page passes promtool check metrics with no lint", {
  ignore: !HAS_PROMTOOL,
}, async () => {
  await using dir = await tempDir();
  await using g = await startMetricsGovernor(dir.join("g.sock"));
  for (const accept of [undefined, "*/*", "text/plain"]) {
    const page = await g.fetchPage(accept);
    assert.equal(page.contentType, METRICS_CONTENT_TYPES.classic, `Accept: ${accept}`);
    assert(!page.text.includes("# EOF") && !page.text.includes("# UNIT"), page.text);
    parseExposition(page.text, "classic");
    const child = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(page.text));
    await writer.close();
    const out = await child.output();
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, said);
    assert.equal(said, "", `promtool found problems:\n${said}`);
  }
  assert.equal(await g.gov.stop(), 0);
});

Deno.test("a running sim governor's OpenMetrics page parses strictly and matches its classic page", async () => {
  await using dir = await tempDir();
  await using g = await startMetricsGovernor(dir.join("g.sock"));
  const om = await g.fetchPage(ACCEPT_OPENMETRICS);
  assert.equal(om.contentType, METRICS_CONTENT_TYPES.openmetrics);
  assert(om.text.endsWith("\n# EOF\n"), om.text.slice(-80));
  const omFamilies = parseExposition(om.text, "openmetrics");
  const classic = parseExposition((await g.fetchPage("text/plain")).text, "classic");
  // the same samples (values move between the two fetches unless both hit the 1 s cache)
  assert.deepEqual([...valuesOf(omFamilies).keys()].sort(), [...valuesOf(classic).keys()].sort());
  assert.equal(omFamilies.get("carbon_ops_governor")?.type, "info");
  assert.equal(omFamilies.get("carbon_ops_health")?.type, "stateset");
  assert.equal(omFamilies.get("carbon_ops_energy_joules")?.unit, "joules");
  const info = omFamilies.get("carbon_ops_governor")!.samples[0];
  assert.deepEqual(Object.keys(info.labels), ["governor_instance", "source"]);
  assert.equal(await g.gov.stop(), 0);
});
