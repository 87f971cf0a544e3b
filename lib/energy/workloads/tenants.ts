/**
 * Tenants (pure, plus one small directory reader): group workload buckets into the tenants that
 * `carbon-ops report --by cgroup|pod|namespace|label=KEY` writes one record for. Grouping only
 * adds exact bucket energies, so the tenants of a domain always sum to the host's energy; the
 * named buckets `(idle)`, `(system)` and `(other)` stay their own tenants in every mode.
 *
 * Pod namespaces are resolved node-locally, without the API server and without credentials,
 * from the kubelet's pod log directories `/var/log/pods/<namespace>_<pod-name>_<pod-uid>/`.
 *
 * @module
 */

import type { WorkloadIdentity } from "./workload.ts";
import { IDLE_BUCKET, OTHER_BUCKET, SYSTEM_BUCKET } from "./workload.ts";
import { type TenantMap, tenantMapLabel } from "./tenant_map.ts";

/**
 * How buckets are grouped into tenants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TenantGrouping } from "./tenants.ts";
 * const g: TenantGrouping = { kind: "label", key: "tenant" };
 * assert.equal(g.kind, "label");
 * ```
 */
export type TenantGrouping =
  | { readonly kind: "cgroup" }
  | { readonly kind: "pod" }
  | { readonly kind: "namespace" }
  | { readonly kind: "label"; readonly key: string };

/** Tenant of pods whose log directory was not found. */
export const UNKNOWN_NAMESPACE = "(unknown-namespace)";

/** Tenant of buckets that no rule of the mapping file maps. */
export const UNMAPPED = "(unmapped)";

/**
 * Parses the value of `--by`: `cgroup`, `pod`, `namespace` or `label=KEY` (a label name).
 *
 * @throws {RangeError} naming what is accepted.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTenantGrouping } from "./tenants.ts";
 * assert.deepEqual(parseTenantGrouping("label=team"), { kind: "label", key: "team" });
 * assert.deepEqual(parseTenantGrouping("namespace"), { kind: "namespace" });
 * assert.throws(() => parseTenantGrouping("node"), /cgroup, pod, namespace or label=KEY/);
 * ```
 */
export function parseTenantGrouping(text: string): TenantGrouping {
  if (text === "cgroup" || text === "pod" || text === "namespace") return { kind: text };
  const m = /^label=([A-Za-z_][A-Za-z0-9_]{0,63})$/.exec(text);
  if (m) return { kind: "label", key: m[1] };
  throw new RangeError(
    `--by must be cgroup, pod, namespace or label=KEY (KEY a label name), got '${text}'`,
  );
}

/**
 * A pod as its kubelet log directory names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PodName } from "./tenants.ts";
 * const p: PodName = { namespace: "shop", name: "web-0" };
 * assert.equal(`${p.namespace}/${p.name}`, "shop/web-0");
 * ```
 */
export interface PodName {
  /** Kubernetes namespace. */
  readonly namespace: string;
  /** Pod name. */
  readonly name: string;
}

const POD_DIR =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)_([a-z0-9]([-.a-z0-9]*[a-z0-9])?)_([0-9a-f-]{36})$/;

/**
 * Parses a kubelet pod log directory name `<namespace>_<pod-name>_<pod-uid>` (namespaces and pod
 * names cannot contain `_`, so the split is unambiguous); null for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePodLogDir } from "./tenants.ts";
 * assert.deepEqual(parsePodLogDir("shop_web-0_0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a"), {
 *   uid: "0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a",
 *   namespace: "shop",
 *   name: "web-0",
 * });
 * assert.equal(parsePodLogDir("not-a-pod"), null);
 * ```
 */
export function parsePodLogDir(name: string): (PodName & { readonly uid: string }) | null {
  const m = POD_DIR.exec(name);
  return m ? { uid: m[5], namespace: m[1], name: m[3] } : null;
}

/**
 * Reads the kubelet's pod log directories (default `/var/log/pods`) into a map from pod UID to
 * its namespace and name. A missing directory gives an empty map (every pod is then in
 * {@link UNKNOWN_NAMESPACE}); entries that are not pod directories are ignored.
 *
 * @param dir The directory (`--pods-dir`).
 * @throws {Error} when the directory exists but cannot be read (with the reason as `cause`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPodLogDirs } from "./tenants.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/shop_web-0_0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a`);
 * const pods = await readPodLogDirs(dir);
 * assert.equal(pods.get("0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a")?.namespace, "shop");
 * assert.equal((await readPodLogDirs(`${dir}/none`)).size, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPodLogDirs(dir = "/var/log/pods"): Promise<Map<string, PodName>> {
  const pods = new Map<string, PodName>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isDirectory) continue;
      const p = parsePodLogDir(e.name);
      if (p) pods.set(p.uid, { namespace: p.namespace, name: p.name });
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return pods;
    throw new Error(
      `cannot read the pod log directories in ${dir}; give --pods-dir or check permissions`,
      { cause: err },
    );
  }
  return pods;
}

/**
 * What grouping needs beside the buckets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TenantContext } from "./tenants.ts";
 * const ctx: TenantContext = { grouping: { kind: "namespace" }, pods: new Map() };
 * assert.equal(ctx.pods?.size, 0);
 * ```
 */
export interface TenantContext {
  /** The grouping. */
  readonly grouping: TenantGrouping;
  /** Pod UID to namespace and name (for `namespace`, and `pod` matches of a mapping file). */
  readonly pods?: ReadonlyMap<string, PodName>;
  /** The mapping file (required for `label=KEY`). */
  readonly map?: TenantMap;
}

const NAMED = new Set([IDLE_BUCKET, SYSTEM_BUCKET, OTHER_BUCKET]);

/**
 * The tenant a bucket belongs to. Named buckets and buckets without an identity are their own
 * tenant. `pod`: the pod UID (buckets outside pods: their cgroup). `namespace`: the pod's
 * namespace, {@link UNKNOWN_NAMESPACE} when its log directory is not there (buckets outside
 * pods: their cgroup). `label=KEY`: the value of KEY in the first mapping rule that matches the
 * bucket and sets KEY, else {@link UNMAPPED}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tenantOf } from "./tenants.ts";
 * const id = {
 *   cgroup: "kubepods.slice/kubepods-pod0b9f4c1e_7a6d_4d3e_9c1a_2f3e4d5c6b7a.slice",
 *   podUid: "0b9f4c1e-7a6d-4d3e-9c1a-2f3e4d5c6b7a",
 *   containerId: null,
 *   qos: "guaranteed" as const,
 *   runtime: null,
 * };
 * const pods = new Map([[id.podUid, { namespace: "shop", name: "web-0" }]]);
 * assert.equal(tenantOf(id.cgroup, id, { grouping: { kind: "namespace" }, pods }), "shop");
 * assert.equal(tenantOf(id.cgroup, id, { grouping: { kind: "namespace" } }), "(unknown-namespace)");
 * assert.equal(tenantOf("(idle)", undefined, { grouping: { kind: "namespace" } }), "(idle)");
 * ```
 */
export function tenantOf(
  bucket: string,
  identity: WorkloadIdentity | undefined,
  ctx: TenantContext,
): string {
  if (NAMED.has(bucket) || identity === undefined) return bucket;
  const g = ctx.grouping;
  switch (g.kind) {
    case "cgroup":
      return bucket;
    case "pod":
      return identity.podUid ?? bucket;
    case "namespace":
      if (identity.podUid === null) return bucket;
      return ctx.pods?.get(identity.podUid)?.namespace ?? UNKNOWN_NAMESPACE;
    case "label": {
      if (!ctx.map) throw new RangeError("--by label=KEY needs a tenant mapping file (--tenants)");
      const pod = identity.podUid === null ? undefined : ctx.pods?.get(identity.podUid);
      return tenantMapLabel(ctx.map, g.key, {
        cgroup: bucket,
        podUid: identity.podUid,
        pod: pod ? `${pod.namespace}/${pod.name}` : null,
      }) ?? UNMAPPED;
    }
  }
}

/**
 * Sums bucket energies into tenants (exact: only additions, so the tenants sum to the buckets).
 * Returns tenants in a stable order (by name) with the buckets each holds.
 *
 * @param energyUj Bucket key to exact microjoules.
 * @param workloads Identity of each workload bucket (named buckets have none).
 * @param ctx Grouping and lookups.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupTenants } from "./tenants.ts";
 * const id = (cgroup: string, podUid: string | null) =>
 *   ({ cgroup, podUid, containerId: null, qos: null, runtime: null });
 * const tenants = groupTenants(
 *   { "(idle)": 5n, "p/a": 2n, "p/b": 3n, "s.service": 1n },
 *   { "p/a": id("p/a", "u1"), "p/b": id("p/b", "u1"), "s.service": id("s.service", null) },
 *   { grouping: { kind: "pod" } },
 * );
 * assert.deepEqual(
 *   tenants.map((t) => [t.tenant, t.energyUj]),
 *   [["(idle)", 5n], ["s.service", 1n], ["u1", 5n]],
 * );
 * ```
 */
export function groupTenants(
  energyUj: Readonly<Record<string, bigint>>,
  workloads: Readonly<Record<string, WorkloadIdentity>>,
  ctx: TenantContext,
): { tenant: string; energyUj: bigint; buckets: string[] }[] {
  const out = new Map<string, { tenant: string; energyUj: bigint; buckets: string[] }>();
  for (const [bucket, uj] of Object.entries(energyUj)) {
    const tenant = tenantOf(bucket, workloads[bucket], ctx);
    const t = out.get(tenant) ?? { tenant, energyUj: 0n, buckets: [] };
    t.energyUj += uj;
    t.buckets.push(bucket);
    out.set(tenant, t);
  }
  return [...out.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}
