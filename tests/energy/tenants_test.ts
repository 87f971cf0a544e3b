import assert from "node:assert/strict";
import fc from "fast-check";
import { groupTenants, type TenantGrouping } from "../../lib/energy/workloads/tenants.ts";
import { parseTenantMap, tenantMapLabel } from "../../lib/energy/workloads/tenant_map.ts";
import type { WorkloadIdentity, WorkloadTotals } from "../../lib/energy/workloads/workload.ts";
import {
  workloadPeriod,
  type WorkloadReportState,
} from "../../lib/energy/workloads/workload_period.ts";

const GROUPINGS: TenantGrouping[] = [
  { kind: "cgroup" },
  { kind: "pod" },
  { kind: "namespace" },
  { kind: "label", key: "team" },
];
const MAP = parseTenantMap(
  `{ "rules": [
    { "match": { "pod": "ns0/*" }, "labels": { "team": "a" } },
    { "match": { "cgroup": "c1*" }, "labels": { "team": "b" } },
    { "match": { "podUid": "u2" }, "labels": { "other": "x" } },
  ] }`,
  "map.jsonc",
);

const bucketArb = fc.record({
  name: fc.constantFrom("(idle)", "(system)", "(other)", "c0", "c1", "c1/x", "c2", "c3", "c4"),
  podUid: fc.option(fc.constantFrom("u0", "u1", "u2", "u3"), { nil: null }),
  uj: fc.bigInt({ min: 0n, max: 10n ** 15n }),
});

Deno.test("tenant energies sum exactly to the host per domain for random groupings", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(bucketArb, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(...GROUPINGS),
      (domains, grouping) => {
        const workloads: Record<string, WorkloadIdentity> = {};
        const pods = new Map([["u0", { namespace: "ns0", name: "p0" }], ["u1", {
          namespace: "ns1",
          name: "p1",
        }]]);
        for (const buckets of domains) {
          const energy: Record<string, bigint> = {};
          for (const b of buckets) {
            energy[b.name] = (energy[b.name] ?? 0n) + b.uj;
            if (!b.name.startsWith("(")) {
              workloads[b.name] = {
                cgroup: b.name,
                podUid: b.podUid,
                containerId: null,
                qos: null,
                runtime: null,
              };
            }
          }
          const host = Object.values(energy).reduce((s, x) => s + x, 0n);
          const tenants = groupTenants(energy, workloads, { grouping, pods, map: MAP });
          assert.equal(tenants.reduce((s, t) => s + t.energyUj, 0n), host);
          assert.equal(new Set(tenants.map((t) => t.tenant)).size, tenants.length);
          for (const named of ["(idle)", "(system)", "(other)"]) {
            if (named in energy) {
              assert.equal(tenants.find((t) => t.tenant === named)?.energyUj, energy[named]);
            }
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("per-workload periods sum exactly to the host, never negative, through drops and restarts", () => {
  const snapArb = fc.array(
    fc.record({
      restart: fc.boolean(),
      adds: fc.array(
        fc.tuple(fc.constantFrom("a", "b", "c", "(idle)"), fc.bigInt({ min: 0n, max: 10n ** 9n })),
      ),
      drop: fc.option(fc.constantFrom("a", "b", "c"), { nil: null }),
    }),
    { minLength: 1, maxLength: 8 },
  );
  fc.assert(
    fc.property(snapArb, (steps) => {
      let instance = 0;
      let buckets: Record<string, bigint> = {};
      let prev: WorkloadReportState | null = null;
      for (const s of steps) {
        if (s.restart) {
          instance++;
          buckets = {};
        }
        for (const [k, v] of s.adds) buckets[k] = (buckets[k] ?? 0n) + v;
        if (s.drop !== null && s.drop in buckets) {
          buckets["(other)"] = (buckets["(other)"] ?? 0n) + buckets[s.drop];
          delete buckets[s.drop];
        }
        const hostUj = Object.values(buckets).reduce((x, y) => x + y, 0n);
        const totals: WorkloadTotals = {
          instance: `i${instance}`,
          monoNs: 0n,
          timeMs: 0,
          policy: "idle",
          intervals: 1,
          domains: { psys: { hostUj, buckets: { ...buckets } } },
          workloads: {},
        };
        const p = workloadPeriod(prev, totals, ["psys"]);
        const sum = Object.values(p.bucketsUj).reduce((x, y) => x + y, 0n);
        assert.equal(sum, p.hostUj);
        for (const v of Object.values(p.bucketsUj)) assert.ok(v >= 0n);
        const expected: bigint = prev === null || prev.instance !== totals.instance
          ? hostUj
          : hostUj - BigInt(prev.domains.psys?.host_uj ?? "0");
        assert.equal(p.hostUj, expected);
        prev = p.state;
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("a tenant file pattern uses the cgroup pattern syntax and a bad one names file:line:col", () => {
  const map = parseTenantMap(
    `{ "rules": [ { "match": { "cgroup": "**/kubepods/pod?" }, "labels": { "team": "k" } } ] }`,
    "t.jsonc",
  );
  const bucket = (cgroup: string) => ({ cgroup, podUid: null, pod: null });
  assert.equal(tenantMapLabel(map, "team", bucket("kubelet/kubepods/pod1")), "k");
  assert.equal(tenantMapLabel(map, "team", bucket("kubepods/pod12")), null);
  assert.throws(
    () =>
      parseTenantMap(
        `{ "rules": [\n  { "match": { "cgroup": "a//b" }, "labels": { "team": "x" } } ] }`,
        "t.jsonc",
      ),
    /t\.jsonc:2:26: rules\[0\]\.match\.cgroup: .*empty segment/,
  );
});
