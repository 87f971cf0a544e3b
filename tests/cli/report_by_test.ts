import assert from "node:assert/strict";
import { createReportCommand } from "../../lib/cli/commands/report.ts";
import { LIBRARY_COMMANDS } from "../../lib/cli/registry.ts";
import { runCli } from "../../lib/cli/run_cli.ts";
import { bufferSink } from "../../lib/cli/sinks.ts";
import type { GovernorReading } from "../../lib/energy/wire.ts";
import type { WorkloadIdentity, WorkloadTotals } from "../../lib/energy/workloads/workload.ts";
import { initLedger } from "../../lib/ledger/init.ts";
import { generateSigningKey, privateKeyPem } from "../../lib/ledger/keys.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const UID_SHOP = "0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a";
const UID_DB = "11111111-2222-4333-8444-555555555555";
const UID_GONE = "99999999-2222-4333-8444-555555555555"; // no log directory: unknown namespace

const pod = (cgroup: string, podUid: string): WorkloadIdentity => ({
  cgroup,
  podUid,
  containerId: null,
  qos: "burstable",
  runtime: "containerd",
});
const WORKLOADS: Record<string, WorkloadIdentity> = {
  "kubepods/shop/web": pod("kubepods/shop/web", UID_SHOP),
  "kubepods/shop/sidecar": pod("kubepods/shop/sidecar", UID_SHOP),
  "kubepods/db/pg": pod("kubepods/db/pg", UID_DB),
  "kubepods/gone/x": pod("kubepods/gone/x", UID_GONE),
  "system.slice/cron.service": {
    cgroup: "system.slice/cron.service",
    podUid: null,
    containerId: null,
    qos: null,
    runtime: null,
  },
};

/** A governor as `report` sees it: host reading and workload totals, advanced by the test. */
class FakeGovernor {
  instance = "gov-1";
  timeMs = Date.parse("2026-01-01T00:00:00.000Z");
  intervals = 1;
  /** Host-total domains and one nested domain (core, inside package-0) that must not count. */
  domains: Record<string, Record<string, bigint>> = {
    "package-0": { "(idle)": 0n, "(system)": 0n },
    dram: { "(idle)": 0n },
    core: { "(idle)": 0n },
  };
  workloads: Record<string, WorkloadIdentity> = { ...WORKLOADS };

  /** Adds `uj` to each bucket of `domain` and moves time on by a minute. */
  add(domain: string, uj: Record<string, bigint>): void {
    const d = this.domains[domain];
    for (const [k, v] of Object.entries(uj)) d[k] = (d[k] ?? 0n) + v;
  }
  tick(): void {
    this.timeMs += 60_000;
    this.intervals += 60;
  }
  restart(): void {
    this.instance = `gov-${Number(this.instance.slice(4)) + 1}`;
    this.intervals = 1;
    for (const d of Object.values(this.domains)) for (const k of Object.keys(d)) d[k] = 0n;
  }
  hostOf(d: string): bigint {
    return Object.values(this.domains[d]).reduce((s, x) => s + x, 0n);
  }
  readHost = (): Promise<GovernorReading> => {
    const dom = (uj: bigint) => ({
      totalUj: uj,
      deltaUj: 0n,
      wraps: 0,
      resets: 0,
      discarded: 0,
      readErrors: 0,
      stalls: 0,
      stalled: false,
      coverage: 1,
    });
    return Promise.resolve({
      instance: this.instance,
      continues: null,
      source: "sim",
      monoNs: 0n,
      time: new Date(this.timeMs).toISOString(),
      domains: Object.fromEntries(Object.keys(this.domains).map((d) => [d, dom(this.hostOf(d))])),
      hostTotalUj: this.hostOf("package-0") + this.hostOf("dram"),
      hostTotalDomains: ["package-0", "dram"],
    });
  };
  readWorkloads = (): Promise<WorkloadTotals> =>
    Promise.resolve({
      instance: this.instance,
      monoNs: 0n,
      timeMs: this.timeMs,
      policy: "idle",
      intervals: this.intervals,
      domains: Object.fromEntries(
        Object.entries(this.domains).map((
          [d, b],
        ) => [d, { hostUj: this.hostOf(d), buckets: { ...b } }]),
      ),
      workloads: { ...this.workloads },
    });
}

interface Rec {
  seq: number;
  type: string;
  body: {
    labels: Record<string, string>;
    activity: { energy_kwh: string };
    activity_period: { start: string; end: string };
    allocation: { rule: string; ratio?: string };
    assumptions: string[];
  };
}

/** Emission records parsed from the signed bytes of ledger.jsonl. */
async function signedRecords(ledger: string): Promise<Rec[]> {
  const text = await Deno.readTextFile(`${ledger}/ledger.jsonl`);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l) as Rec).filter((r) =>
    r.type === "emission"
  );
}

/** Per report_id: the host record and the tenant records. */
function periods(recs: Rec[]): Map<string, { host: Rec; tenants: Rec[] }> {
  const out = new Map<string, { host: Rec; tenants: Rec[] }>();
  for (const r of recs) {
    const id = r.body.labels.report_id;
    const p = out.get(id) ?? { host: undefined as unknown as Rec, tenants: [] };
    if (r.body.labels.report_part === "host") p.host = r;
    else p.tenants.push(r);
    out.set(id, p);
  }
  return out;
}

async function setup(base: string, gov: FakeGovernor) {
  const key = generateSigningKey();
  const dir = `${base}/ledger`;
  await initLedger(dir, {
    origin: "carbon-ops.test/node-01",
    key,
    trustPath: `${base}/trust.json`,
  });
  const keyPath = `${base}/ledger.key`;
  await Deno.writeTextFile(keyPath, privateKeyPem(key), { mode: 0o600 });
  const podsDir = `${base}/pods`;
  await Deno.mkdir(podsDir);
  for (const d of [`shop_web-0_${UID_SHOP}`, `db_pg-0_${UID_DB}`, "not-a-pod-dir"]) {
    await Deno.mkdir(`${podsDir}/${d}`);
  }
  const state = `${base}/state.json`;
  const report = createReportCommand({ readHost: gov.readHost, readWorkloads: gov.readWorkloads });
  const commands = [...LIBRARY_COMMANDS.filter((c) => c.name !== "report"), report];
  const cli = async (argv: string[]) => {
    const stdout = bufferSink(), stderr = bufferSink();
    const code = await runCli(argv, { commands, stdout, stderr, env: { CARBON_OPS_CONFIG: "" } });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
  const run = (extra: string[] = ["--by", "namespace", "--pods-dir", podsDir]) =>
    cli([
      "report",
      "--ledger",
      dir,
      "--key",
      keyPath,
      "--state",
      state,
      "--region",
      "DE",
      "--min-period",
      "0",
      "--json",
      ...extra,
    ]);
  return { dir, state, podsDir, run, cli };
}

/** One minute of work spread over the fake pods, cron, idle and system. */
function work(gov: FakeGovernor, k: bigint): void {
  gov.add("package-0", {
    "kubepods/shop/web": 1_000_003n * k,
    "kubepods/shop/sidecar": 7n * k,
    "kubepods/db/pg": 2_500_000n * k,
    "kubepods/gone/x": 11n * k,
    "system.slice/cron.service": 13n * k,
    "(idle)": 900_000n * k,
    "(system)": 17n * k,
  });
  gov.add("dram", { "kubepods/db/pg": 333_333n * k, "(idle)": 1n * k });
  gov.add("core", { "kubepods/shop/web": 999_999_999n * k }); // nested: never in the host energy
  gov.tick();
}

Deno.test("report --by namespace: tenant records sum exactly to the host record, read from the signed bytes", async () => {
  await using tmp = await tempDir();
  const gov = new FakeGovernor();
  const { dir, run, cli } = await setup(tmp.path, gov);
  work(gov, 1n);
  const base = await run();
  assert.equal(base.code, 0, base.stderr);
  assert.equal(JSON.parse(base.stdout).outcome, "baseline");
  const expected: bigint[] = [];
  for (const k of [2n, 5n]) {
    const before = gov.hostOf("package-0") + gov.hostOf("dram");
    work(gov, k);
    expected.push(gov.hostOf("package-0") + gov.hostOf("dram") - before);
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.outcome, "appended");
    assert.equal(out.records[0].part, "host");
    assert.equal(out.records.length, 1 + 6);
  }
  const byId = periods(await signedRecords(dir));
  assert.equal(byId.size, 2);
  let i = 0;
  for (const { host, tenants } of byId.values()) {
    const hostUj = BigInt(host.body.labels.period_energy_uj);
    assert.equal(hostUj, expected[i++], "host energy: package-0 + dram, not the nested core");
    const sum = tenants.reduce((s, t) => s + BigInt(t.body.labels.period_energy_uj), 0n);
    assert.equal(sum, hostUj, "tenants sum exactly to the host");
    assert.deepEqual(
      tenants.map((t) => t.body.labels.tenant).sort(),
      ["(idle)", "(system)", "(unknown-namespace)", "db", "shop", "system.slice/cron.service"],
    );
    for (const t of tenants) {
      const [num, den] = t.body.labels.share.split("/").map(BigInt);
      assert.equal(num * hostUj, BigInt(t.body.labels.period_energy_uj) * den, "exact share");
      assert.equal(t.body.labels.allocation_method, "cpu_time_share; idle policy idle");
      assert.equal(t.body.allocation.rule, "cpu_time_share");
      assert.equal(t.body.labels.tenant_by, "namespace");
      assert.deepEqual(t.body.activity_period, host.body.activity_period);
    }
    const shop = tenants.find((t) => t.body.labels.tenant === "shop")!;
    const k = i === 1 ? 2n : 5n;
    assert.equal(BigInt(shop.body.labels.period_energy_uj), 1_000_010n * k, "web + sidecar");
  }
  const verify = await cli(["ledger", "verify", dir, "--trust", `${tmp.path}/trust.json`]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const totals = await cli(["ledger", "totals", dir, "--by", "label:report_part", "--json"]);
  assert.equal(totals.code, 0, totals.stderr);
  const rows = JSON.parse(totals.stdout).rows as { group: string; records: number }[];
  const row = (g: string) => rows.find((r) => r.group === g) as unknown as Record<string, string>;
  assert.equal(row("host").records, 2 as unknown as string);
  assert.equal(row("tenant").records, 12 as unknown as string);
  assert.equal(row("tenant").energy_kwh, row("host").energy_kwh, "ledger totals agree exactly");
});

Deno.test("report --by records a governor restart and a workload that left, never negative energy", async () => {
  await using tmp = await tempDir();
  const gov = new FakeGovernor();
  const { dir, run } = await setup(tmp.path, gov);
  work(gov, 3n);
  assert.equal((await run()).code, 0);
  // the cron service's cgroup goes; the attributor folds its total into (other)
  work(gov, 1n);
  const cron = gov.domains["package-0"]["system.slice/cron.service"];
  delete gov.domains["package-0"]["system.slice/cron.service"];
  gov.domains["package-0"]["(other)"] = cron;
  delete gov.workloads["system.slice/cron.service"];
  const left = await run();
  assert.equal(left.code, 0, left.stderr);
  assert.match(left.stderr, /1 workload\(s\) left the attribution/);
  gov.restart();
  work(gov, 1n);
  const r = await run();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /governor restarted \(gov-1 -> gov-2\)/);
  const byId = [...periods(await signedRecords(dir)).values()];
  assert.equal(byId.length, 2);
  for (const { host, tenants } of byId) {
    const sum = tenants.reduce((s, t) => s + BigInt(t.body.labels.period_energy_uj), 0n);
    assert.equal(sum, BigInt(host.body.labels.period_energy_uj));
    for (const t of tenants) assert.ok(BigInt(t.body.labels.period_energy_uj) > 0n);
  }
  const other = byId[0].tenants.find((t) => t.body.labels.tenant === "(other)");
  assert.equal(
    other?.body.labels.period_energy_uj,
    "13",
    "(other) keeps cron's last minute; what cron had already reported was taken back",
  );
  const [last] = byId.slice(-1);
  assert.equal(
    BigInt(last.host.body.labels.period_energy_uj),
    gov.hostOf("package-0") + gov.hostOf("dram"),
    "after a restart: the new instance's totals only",
  );
  assert.ok(last.host.body.assumptions.some((a) => a.includes("governor restarted")));
});

Deno.test("report --by after a crash mid-period appends only the missing records of that period", async () => {
  await using tmp = await tempDir();
  const gov = new FakeGovernor();
  const { dir, state, run, cli } = await setup(tmp.path, gov);
  work(gov, 1n);
  assert.equal((await run()).code, 0);
  const prev = JSON.parse(await Deno.readTextFile(state));
  work(gov, 2n);
  assert.equal((await run()).code, 0);
  const next = JSON.parse(await Deno.readTextFile(state));
  const recs = await signedRecords(dir);
  // as if the run died after its fifth append: drop the last two lines, restore the pending state
  const lines = (await Deno.readTextFile(`${dir}/ledger.jsonl`)).trimEnd().split("\n");
  await Deno.writeTextFile(`${dir}/ledger.jsonl`, lines.slice(0, -2).join("\n") + "\n");
  const plan = {
    start: recs[0].body.activity_period.start,
    end: recs[0].body.activity_period.end,
    source: "sim",
    assumptions: [],
    records: recs.map((r) => ({
      part: r.body.labels.report_part,
      ...(r.body.labels.tenant ? { tenant: r.body.labels.tenant } : {}),
      kwh_units: (BigInt(r.body.activity.energy_kwh.replace(".", "").replace(/^0+/, "")) *
        10n ** BigInt(12 - (r.body.activity.energy_kwh.split(".")[1] ?? "").length)).toString(),
      allocation: r.body.allocation,
      labels: r.body.labels,
    })),
  };
  const id = recs[0].body.labels.report_id;
  await Deno.writeTextFile(
    state,
    JSON.stringify({ ...prev, pending: { id, state: next, records: plan } }),
  );
  const r = await run();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /repaired an unfinished period .*appended 2 missing record/);
  const after = await signedRecords(dir);
  const ofPeriod = after.filter((x) => x.body.labels.report_id === id);
  assert.equal(ofPeriod.length, recs.length, "each record of the period exactly once");
  assert.deepEqual(
    ofPeriod.map((x) => x.body.labels.tenant ?? "(host)").sort(),
    recs.map((x) => x.body.labels.tenant ?? "(host)").sort(),
  );
  assert.equal(after.length, recs.length, "the rerun's own period was too short to append");
  const verify = await cli(["ledger", "verify", dir, "--trust", `${tmp.path}/trust.json`]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

Deno.test("report --by label=KEY maps buckets by the tenant file; mapping errors name file:line:col", async () => {
  await using tmp = await tempDir();
  const gov = new FakeGovernor();
  const { dir, podsDir, run } = await setup(tmp.path, gov);
  const map = `${tmp.path}/tenants.jsonc`;
  await Deno.writeTextFile(
    map,
    `{
  // shop pods by name, everything under system.slice to the platform team
  "rules": [
    { "match": { "pod": "shop/*" }, "labels": { "team": "shop-team" } },
    { "match": { "podUid": "${UID_DB}" }, "labels": { "team": "data" } },
    { "match": { "cgroup": "system.slice/**" }, "labels": { "team": "platform" } },
  ],
}`,
  );
  const by = ["--by", "label=team", "--tenants", map, "--pods-dir", podsDir];
  work(gov, 1n);
  assert.equal((await run(by)).code, 0);
  work(gov, 1n);
  const r = await run(by);
  assert.equal(r.code, 0, r.stderr);
  const [{ tenants }] = periods(await signedRecords(dir)).values();
  assert.deepEqual(
    tenants.map((t) => t.body.labels.tenant).sort(),
    ["(idle)", "(system)", "(unmapped)", "data", "platform", "shop-team"],
  );
  await Deno.writeTextFile(
    map,
    `{\n  "rules": [\n    { "match": { "pods": "x" }, "labels": {} }\n  ]\n}`,
  );
  const bad = await run(by);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /tenants\.jsonc:3:18: rules\[0\]\.match: unknown field "pods" \(did you mean "pod"\?\)/,
  );
  await Deno.writeTextFile(
    map,
    `{ "rules": [ { "match": { "pod": "x" }, "labels": { "a": 1 } } ] }`,
  );
  assert.match(
    (await run(by)).stderr,
    /tenants\.jsonc:1:58: rules\[0\]\.labels\.a: expected a non-empty string/,
  );
  await Deno.writeTextFile(map, `{ "rules": [ `);
  assert.match((await run(by)).stderr, /tenants\.jsonc:1:\d+: invalid JSONC/);
  const noMap = await run(["--by", "label=team"]);
  assert.equal(noMap.code, 2);
  assert.match(noMap.stderr, /--by label=KEY needs --tenants FILE/);
});
