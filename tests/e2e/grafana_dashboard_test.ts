/**
 * deploy/grafana/carbon-ops-governor.json queries only what a real governor exports: the metric
 * names come from the page a running sim governor serves (attributing energy to a fake cgroup
 * tree, so the per-workload family has samples), not from a list kept by hand. The one exception
 * is kube-state-metrics' `kube_pod_info`, which the per-namespace and per-pod panels join on the
 * pod UID (docs/monitoring.md): the governor never names pods itself.
 */
import assert from "node:assert/strict";
import {
  hasTool,
  type ParsedFamily,
  parseExposition,
  sampleNames,
} from "../_kit/exposition_parser.ts";
import { ACCEPT_OPENMETRICS } from "../_kit/metrics_governor.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { buildFakeCgroups, fakeProcStat } from "../_kit/fake_cgroups.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

/** Metrics the dashboard may read that the governor does not export: exactly these. */
const EXTERNAL_METRICS = new Set(["kube_pod_info"]);

const DASHBOARD = `${REPO_ROOT}deploy/grafana/carbon-ops-governor.json`;

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  current?: { value?: string };
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD)) as Dashboard;

/** What a running sim governor exports: every sample name, and the names of counter samples. */
async function exported(): Promise<{ names: Set<string>; counters: Set<string> }> {
  await using dir = await tempDir();
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: { "system.slice/a.service": 0 },
  });
  await Deno.mkdir(dir.join("proc"));
  fakeProcStat(dir.join("proc/stat"), 0, 0);
  await using gov = await startGovernorProcess(dir.join("g.sock"), [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--metrics-listen",
    "127.0.0.1:0",
    "--cgroup-root",
    fake.root,
    "--attribution-interval-ms",
    "100",
  ], { env: { CARBON_OPS_ENERGY_PROC_ROOT: dir.join("proc") } });
  const port = /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(gov.stderr())?.[1];
  assert(port, gov.stderr());
  // the page is rebuilt at most once a second: wait until it shows an attributed interval
  let page = new Map<string, ParsedFamily>();
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { accept: ACCEPT_OPENMETRICS },
    });
    page = parseExposition(await res.text(), "openmetrics");
    if ((page.get("carbon_ops_workload_energy_joules")?.samples.length ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await gov.stop(), 0);
  const counters = new Set<string>();
  for (const f of page.values()) {
    if (f.type === "counter") { for (const s of f.samples) counters.add(s.name); }
  }
  return { names: new Set(sampleNames(page)), counters };
}

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
 * range selectors, grouping clauses, numbers, Grafana variables, function and aggregation calls
 * and operators are taken out.
 */
function metricNames(expr: string): string[] {
  const rest = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ")
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, " ");
  const names: string[] = [];
  for (const m of rest.matchAll(/[a-zA-Z_:][\w:]*(?!\w)(\s*\()?/g)) {
    if (m[1] !== undefined) continue; // a function or aggregation call
    if (["and", "or", "unless", "bool", "offset"].includes(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

function exprs(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of dashboard.panels) {
    for (const t of p.targets ?? []) {
      out.push({ where: `panel '${p.title}' ${t.refId}`, expr: t.expr ?? "" });
    }
  }
  for (const v of dashboard.templating.list) {
    if (v.type === "query") {
      const q = typeof v.query === "string" ? v.query : v.query?.query ?? "";
      // label_values(metric, label): the metric part
      out.push({
        where: `variable '${v.name}'`,
        expr: q.replace(/^label_values\(([^,]+),.*\)$/, "$1"),
      });
    }
  }
  return out;
}

Deno.test("grafana dashboard parses and every panel queries the chosen prometheus data source", () => {
  assert(
    dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41,
    `${dashboard.schemaVersion}`,
  );
  assert.equal(dashboard.uid, "carbon-ops-governor");
  const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.get("datasource")?.type, "datasource");
  assert.equal(vars.get("datasource")?.query, "prometheus");
  assert.equal(vars.get("instance")?.type, "query");
  assert(["textbox", "constant"].includes(vars.get("intensity_g_per_kwh")?.type ?? ""));
  assert.match(vars.get("intensity_g_per_kwh")?.current?.value ?? "", /^\d+(\.\d+)?$/);
  assert(dashboard.panels.length >= 5);
  const ids = new Set<number>();
  for (const p of dashboard.panels) {
    assert(!ids.has(p.id), `panel id ${p.id} twice`);
    ids.add(p.id);
    assert(p.targets && p.targets.length > 0, `panel '${p.title}' has no target`);
    assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, p.title);
    for (const t of p.targets) {
      assert.match(t.expr ?? "", /\S/, `panel '${p.title}' has an empty query`);
      assert.deepEqual(t.datasource, p.datasource, p.title);
    }
  }
  const all = exprs().map((e) => e.expr).join("\n");
  for (
    const needed of [
      "rate(carbon_ops_host_energy_joules_total",
      "carbon_ops_energy_joules_total",
      "carbon_ops_domain_wraps_total",
      "carbon_ops_domain_resets_total",
      "carbon_ops_tick_lateness_seconds",
      "$intensity_g_per_kwh",
      "rate(carbon_ops_workload_energy_joules_total",
      "label_replace(",
      "kube_pod_info",
      "$workload_domains",
    ]
  ) {
    assert(all.includes(needed), `no panel uses ${needed}`);
  }
  // PromQL metric names are found, and only them
  assert.deepEqual(
    metricNames('sum by (instance) (rate(a_total{x="y{"}[5m])) * $v / 1e3 + on(i) b and c_1'),
    ["a_total", "b", "c_1"],
  );
});

Deno.test("grafana dashboard queries only metrics a running governor exports, rates only of counters", async () => {
  const { names, counters } = await exported();
  assert(counters.has("carbon_ops_host_energy_joules_total"), [...counters].join(" "));
  assert(counters.has("carbon_ops_workload_energy_joules_total"), [...counters].join(" "));
  const external = new Set<string>();
  for (const { where, expr } of exprs()) {
    const used = metricNames(expr);
    assert(used.length > 0, `${where}: no metric in '${expr}'`);
    for (const name of used) {
      if (EXTERNAL_METRICS.has(name)) {
        assert(!names.has(name), `the governor exports ${name}: drop it from EXTERNAL_METRICS`);
        external.add(name);
        continue;
      }
      assert(names.has(name), `${where}: '${name}' is not exported (${[...names].join(", ")})`);
    }
    for (const m of expr.matchAll(/\b(rate|irate|increase)\s*\(\s*([a-zA-Z_:][\w:]*)/g)) {
      assert(counters.has(m[2]), `${where}: ${m[1]}() of '${m[2]}', which is not a counter`);
    }
    // a rate or increase needs a range selector right after its metric
    for (const m of expr.matchAll(/\b(?:rate|irate|increase)\s*\(([^()]*)\)/g)) {
      assert.match(m[1], /\[[^\]]+\]\s*$/, `${where}: '${m[0]}' has no range`);
    }
  }
  // every allowed external metric is used (else the exception is stale)
  assert.deepEqual([...external].sort(), [...EXTERNAL_METRICS].sort());
});

Deno.test("grafana dashboard queries are valid PromQL for promtool", {
  ignore: !hasTool("promtool"),
}, async () => {
  await using dir = await tempDir();
  const rules = exprs().map(({ expr }, i) => {
    const promql = expr
      .replaceAll("$__rate_interval", "1m")
      .replaceAll("$__range", "1h")
      .replaceAll("$instance", ".+")
      .replaceAll("$intensity_g_per_kwh", "400")
      .replaceAll("$workload_domains", "package-[0-9]+|dram-[0-9]+");
    // "$1" in label_replace is a regex group reference, not a Grafana variable
    assert(!/\$(?!\d)/.test(promql), `a Grafana variable the test does not know: ${promql}`);
    return `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(promql)}\n`;
  });
  const file = dir.join("rules.yml");
  await Deno.writeTextFile(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join("")}`);
  const out = await new Deno.Command("promtool", { args: ["check", "rules", file] }).output();
  const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, said);
  assert.match(said, new RegExp(`SUCCESS: ${rules.length} rules found`), said);
});
