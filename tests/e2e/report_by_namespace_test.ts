/**
 * The whole per-tenant path, as cron runs it on a Kubernetes node: a simulated governor attributes
 * energy to a fake cgroup v2 tree of pods (systemd driver, containerd), `carbon-ops report --by
 * namespace` (a real subprocess) signs one record per namespace per period, and the signed bytes,
 * `ledger verify` and `ledger totals` all agree that the tenants sum exactly to the host.
 */
import assert from "node:assert/strict";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { initLedger } from "../../lib/ledger/init.ts";
import { generateSigningKey, privateKeyPem } from "../../lib/ledger/keys.ts";
import {
  buildFakeCgroups,
  containerIdOf,
  fakeProcStat,
  kubernetesPodPaths,
  podUidOf,
} from "../_kit/fake_cgroups.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

interface Emission {
  readonly body: {
    readonly labels: Record<string, string>;
    readonly activity: { readonly energy_kwh: string };
  };
}

/** An exact decimal string (at most 12 fraction digits) as an integer count of 1e-12. */
function picos(decimal: string): bigint {
  const [whole, frac = ""] = decimal.split(".");
  assert.ok(frac.length <= 12, `more than 12 fraction digits: ${decimal}`);
  return BigInt(whole) * 10n ** 12n + BigInt(frac.padEnd(12, "0"));
}

const pod = (n: number) =>
  kubernetesPodPaths({
    driver: "systemd",
    qos: "burstable",
    podUid: podUidOf(n),
    runtime: "containerd",
  }, [containerIdOf(n)]);

Deno.test("report --by namespace against a sim governor on a fake pod tree signs namespace records that sum exactly to the host, as ledger verify and ledger totals confirm", async () => {
  await using dir = await tempDir();
  // shop: two pods (web 30 ms and api 15 ms per step); db: one pod (15 ms); a host service 5 ms
  const web = pod(1), api = pod(2), pg = pod(3);
  const SERVICE = "system.slice/node-exporter.service";
  const fake = buildFakeCgroups(dir.path, {
    layout: "v2",
    cgroups: {
      [web.containers[0]]: 0,
      [api.containers[0]]: 0,
      [pg.containers[0]]: 0,
      [SERVICE]: 0,
    },
  });
  const podsDir = dir.join("pods");
  for (const [ns, name, n] of [["shop", "web-0", 1], ["shop", "api-0", 2], ["db", "pg-0", 3]]) {
    await Deno.mkdir(`${podsDir}/${ns}_${name}_${podUidOf(n as number)}`, { recursive: true });
  }
  await Deno.mkdir(dir.join("proc"));
  let busyUsec = 0, totalUsec = 0;
  fakeProcStat(dir.join("proc/stat"), busyUsec, totalUsec);
  const step = async () => {
    fake.advance(web.containers[0], 30_000);
    fake.advance(api.containers[0], 15_000);
    fake.advance(pg.containers[0], 15_000);
    fake.advance(SERVICE, 5_000);
    busyUsec += 70_000; // 65 ms in tracked cgroups, 5 ms elsewhere
    totalUsec += 200_000;
    fakeProcStat(dir.join("proc/stat.new"), busyUsec, totalUsec);
    await Deno.rename(dir.join("proc/stat.new"), dir.join("proc/stat"));
  };

  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(socketPath, [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--cgroup-root",
    fake.root,
    "--attribution-interval-ms",
    "100",
  ], { env: { CARBON_OPS_ENERGY_PROC_ROOT: dir.join("proc") } });
  const client = new GovernorClient({ socketPath, timeoutMs: 5_000 });

  const key = generateSigningKey();
  const ledger = dir.join("ledger");
  const trust = dir.join("trust.json");
  await initLedger(ledger, { origin: "carbon-ops.test/node-01", key, trustPath: trust });
  const keyPath = dir.join("ledger.key");
  await Deno.writeTextFile(keyPath, privateKeyPem(key), { mode: 0o600 });
  const report = () =>
    runCli([
      "report",
      "--ledger",
      ledger,
      "--key",
      keyPath,
      "--socket",
      socketPath,
      "--region",
      "DE",
      "--min-period",
      "0",
      "--by",
      "namespace",
      "--pods-dir",
      podsDir,
      "--json",
    ]);
  /** Runs steps until the governor has attributed `n` more intervals (a readiness signal, no sleep). */
  const work = async (n: number) => {
    const start = (await client.workloads()).intervals;
    while ((await client.workloads()).intervals < start + n) {
      await step();
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  try {
    await work(2);
    const baseline = await report();
    assert.equal(baseline.code, 0, baseline.stderr);
    assert.equal(JSON.parse(baseline.stdout).outcome, "baseline");
    for (let period = 0; period < 2; period++) {
      await work(10);
      const r = await report();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).outcome, "appended");
    }
  } finally {
    client.close();
  }
  assert.equal(await gov.stop(), 0);

  // From the signed bytes: per period, the tenants sum exactly to the host record.
  const emissions = (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trimEnd().split("\n")
    .map((l) => JSON.parse(l)).filter((r) => r.type === "emission") as Emission[];
  const byPeriod = Map.groupBy(emissions, (e) => e.body.labels.report_id);
  assert.equal(byPeriod.size, 2);
  let shopUj = 0n, dbUj = 0n;
  for (const records of byPeriod.values()) {
    const host = records.filter((r) => r.body.labels.report_part === "host");
    const tenants = records.filter((r) => r.body.labels.report_part === "tenant");
    assert.equal(host.length, 1);
    const hostUj = BigInt(host[0].body.labels.period_energy_uj);
    assert.ok(hostUj > 0n, "the period has energy");
    const sumUj = tenants.reduce((s, t) => s + BigInt(t.body.labels.period_energy_uj), 0n);
    assert.equal(sumUj, hostUj, "tenant microjoules sum to the host's");
    const sumKwh = tenants.reduce((s, t) => s + picos(t.body.activity.energy_kwh), 0n);
    assert.equal(sumKwh, picos(host[0].body.activity.energy_kwh), "and so do the signed kWh");
    const names = new Set(tenants.map((t) => t.body.labels.tenant));
    for (const ns of ["shop", "db", "(idle)"]) assert.ok(names.has(ns), `no record for ${ns}`);
    for (const t of tenants) assert.equal(t.body.labels.tenant_by, "namespace");
    const uj = (ns: string) =>
      BigInt(tenants.find((t) => t.body.labels.tenant === ns)!.body.labels.period_energy_uj);
    shopUj += uj("shop");
    dbUj += uj("db");
  }
  // shop's pods used 45 ms per step, db's 15 ms: three times the energy (the files change while
  // the governor scans, so a scan may catch one cgroup a step ahead of another)
  const ratio = Number(shopUj) / Number(dbUj);
  assert.ok(ratio > 2.4 && ratio < 3.75, `shop/db energy ratio ${ratio}`);

  const verify = await runCli(["ledger", "verify", ledger, "--trust", trust]);
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const totals = await runCli(["ledger", "totals", ledger, "--by", "label:report_part", "--json"]);
  assert.equal(totals.code, 0, totals.stderr);
  const rows = JSON.parse(totals.stdout).rows as { group: string; energy_kwh: string }[];
  const row = (g: string) => rows.find((r) => r.group === g);
  assert.ok(row("host") && row("tenant"), totals.stdout);
  assert.equal(row("tenant")!.energy_kwh, row("host")!.energy_kwh, "ledger totals agree exactly");
  const byTenant = await runCli(["ledger", "totals", ledger, "--by", "label:tenant", "--json"]);
  assert.equal(byTenant.code, 0, byTenant.stderr);
  const tenantRows = JSON.parse(byTenant.stdout).rows as { group: string; energy_kwh: string }[];
  const tenantKwh = tenantRows.filter((r) => r.group !== "" && r.group !== "(none)")
    .reduce((s, r) => s + picos(r.energy_kwh), 0n);
  assert.equal(tenantKwh, picos(row("host")!.energy_kwh), "per-namespace totals sum to the host");
});
