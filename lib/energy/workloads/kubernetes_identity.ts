/**
 * Kubernetes identity from a cgroup path alone (pure: no I/O, never the API server): pod UID, QoS
 * class, container ID and runtime, for both kubelet cgroup drivers and the runtimes' naming schemes.
 *
 * The kubelet builds a pod's cgroup name from `kubepods`, the QoS class (`burstable`,
 * `besteffort`; guaranteed pods sit directly under `kubepods`) and `pod<UID>`
 * (kubelet `pkg/kubelet/cm`: `pod_container_manager`, `qos_container_manager`); the two drivers
 * spell that name differently:
 *
 * - **systemd driver**: every component becomes a slice whose name repeats its ancestors joined with
 *   `-`, and the `-` inside the UID become `_` (a `-` in a unit name means nesting):
 *   `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c_..._9f.slice`. The
 *   runtime then adds one transient scope per container: containerd (CRI plugin,
 *   `SystemdCgroup = true`) `cri-containerd-<64 hex>.scope`, CRI-O `crio-<64 hex>.scope`,
 *   Docker/cri-dockerd `docker-<64 hex>.scope`.
 * - **cgroupfs driver**: plain directories, UID with its dashes:
 *   `kubepods/burstable/pod1b2c...-9f/<64 hex>`; containerd and Docker name the container
 *   directory by its bare ID (so the runtime cannot be told apart: `runtime` is null), CRI-O by
 *   `crio-<64 hex>`.
 * - **CRI-O's monitor** (`crio-conmon-<64 hex>.scope`, or `crio-conmon-<64 hex>` with cgroupfs,
 *   when `conmon_cgroup = "pod"`) is not a container: it gets the pod's UID and QoS, runtime
 *   `cri-o` and a null `containerId`, so its CPU time counts for the pod and no container.
 * - **Nesting**: the kubelet's `--cgroup-root` (kind's `/kubelet` → `kubelet.slice/kubelet-kubepods.slice/...`),
 *   k3s-in-docker and a node's own cgroup namespace put the whole tree under a prefix, so the
 *   `kubepods` component is looked for anywhere in the path.
 *
 * Cgroups below a container's (e.g. a container that makes its own sub-cgroups) keep that
 * container's identity; a QoS-level cgroup (`kubepods-burstable.slice`, `kubepods/besteffort`)
 * gets its QoS class and no pod; everything else gets nulls.
 *
 * @module
 */

import type { ContainerRuntime, QosClass, WorkloadIdentity } from "./workload.ts";

const HEX64 = /^[0-9a-f]{64}$/;
/** A pod UID as the kubelet writes it: a UUID, or 32 hex digits for static pods (config hash). */
const UID_CHARS = /^[0-9a-fA-F][0-9a-fA-F_-]*$/;

/** Container cgroup name (without `.scope`) to runtime and ID; `conmon` marks CRI-O's monitor. */
function parseContainerName(
  name: string,
  driver: "systemd" | "cgroupfs",
): { runtime: ContainerRuntime | null; containerId: string | null } | null {
  if (driver === "systemd") {
    if (!name.endsWith(".scope")) return null;
    name = name.slice(0, -".scope".length);
  } else if (HEX64.test(name)) {
    return { runtime: null, containerId: name };
  }
  const m = /^(cri-containerd|crio-conmon|crio|docker)-([0-9a-f]{64})$/.exec(name);
  if (!m) return null;
  switch (m[1]) {
    case "cri-containerd":
      return { runtime: "containerd", containerId: m[2] };
    case "crio":
      return { runtime: "cri-o", containerId: m[2] };
    case "crio-conmon":
      return { runtime: "cri-o", containerId: null };
    default:
      return { runtime: "docker", containerId: m[2] };
  }
}

function normaliseUid(raw: string): string | null {
  if (!UID_CHARS.test(raw)) return null;
  return raw.replaceAll("_", "-").toLowerCase();
}

function isQos(s: string): s is "burstable" | "besteffort" {
  return s === "burstable" || s === "besteffort";
}

/** Pod and container found from segment `i` on; null when the segments there are not a pod tree. */
interface K8sMatch {
  qos: QosClass | null;
  podUid: string | null;
  runtime: ContainerRuntime | null;
  containerId: string | null;
}

function matchSystemd(segs: readonly string[], i: number): K8sMatch | null {
  // segs[i] is `<prefix>kubepods.slice`
  const base = segs[i].slice(0, -".slice".length); // e.g. "kubepods" or "kubelet-kubepods"
  const out: K8sMatch = { qos: null, podUid: null, runtime: null, containerId: null };
  let j = i + 1;
  let podPrefix = `${base}-pod`;
  const qosSeg = segs[j] === undefined ? null : new RegExp(`^${escapeRe(base)}-([a-z]+)\\.slice$`)
    .exec(segs[j]);
  if (qosSeg && isQos(qosSeg[1])) {
    out.qos = qosSeg[1];
    podPrefix = `${base}-${qosSeg[1]}-pod`;
    j++;
  }
  const pod = segs[j];
  if (pod === undefined || !pod.startsWith(podPrefix) || !pod.endsWith(".slice")) return out;
  const uid = normaliseUid(pod.slice(podPrefix.length, -".slice".length));
  if (uid === null) return out;
  out.podUid = uid;
  out.qos ??= "guaranteed";
  const c = segs[j + 1] === undefined ? null : parseContainerName(segs[j + 1], "systemd");
  if (c) Object.assign(out, c);
  return out;
}

function matchCgroupfs(segs: readonly string[], i: number): K8sMatch | null {
  // segs[i] is `kubepods`
  const out: K8sMatch = { qos: null, podUid: null, runtime: null, containerId: null };
  let j = i + 1;
  if (segs[j] !== undefined && isQos(segs[j])) {
    out.qos = segs[j] as QosClass;
    j++;
  }
  const pod = segs[j];
  if (pod === undefined || !pod.startsWith("pod")) return out;
  const uid = normaliseUid(pod.slice(3));
  if (uid === null) return out;
  out.podUid = uid;
  out.qos ??= "guaranteed";
  const c = segs[j + 1] === undefined ? null : parseContainerName(segs[j + 1], "cgroupfs");
  if (c) Object.assign(out, c);
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Parses a cgroup path (relative to the cgroup root; a leading `/` is ignored) into a
 * {@link WorkloadIdentity}. Paths outside a Kubernetes pod tree give null Kubernetes fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKubernetesIdentity } from "./kubernetes_identity.ts";
 * const id = "a".repeat(64);
 * const w = parseKubernetesIdentity(
 *   "kubepods.slice/kubepods-burstable.slice/" +
 *     `kubepods-burstable-pod1b2c3d4e_0000_4000_8000_00000000abcd.slice/cri-containerd-${id}.scope`,
 * );
 * assert.equal(w.podUid, "1b2c3d4e-0000-4000-8000-00000000abcd");
 * assert.equal(w.qos, "burstable");
 * assert.equal(w.containerId, id);
 * assert.equal(w.runtime, "containerd");
 * assert.deepEqual(parseKubernetesIdentity("/system.slice/cron.service"), {
 *   cgroup: "system.slice/cron.service",
 *   podUid: null,
 *   containerId: null,
 *   qos: null,
 *   runtime: null,
 * });
 * ```
 */
export function parseKubernetesIdentity(cgroupPath: string): WorkloadIdentity {
  const cgroup = cgroupPath.replace(/^\/+/, "").replace(/\/+$/, "");
  const segs = cgroup === "" ? [] : cgroup.split("/");
  let found: K8sMatch | null = null;
  for (let i = 0; i < segs.length && found === null; i++) {
    const s = segs[i];
    if (s === "kubepods") found = matchCgroupfs(segs, i);
    else if (s === "kubepods.slice" || s.endsWith("-kubepods.slice")) found = matchSystemd(segs, i);
  }
  return {
    cgroup,
    podUid: found?.podUid ?? null,
    containerId: found?.containerId ?? null,
    qos: found?.qos ?? null,
    runtime: found?.runtime ?? null,
  };
}

/**
 * What {@link kubernetesCgroupPath} lays out: a pod (and optionally one of its containers or
 * CRI-O's monitor) under a kubelet cgroup driver.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { KubernetesCgroupSpec } from "./kubernetes_identity.ts";
 * const s: KubernetesCgroupSpec = { driver: "cgroupfs", podUid: "u-1", qos: "besteffort" };
 * assert.equal(s.driver, "cgroupfs");
 * ```
 */
export interface KubernetesCgroupSpec {
  /** Kubelet cgroup driver. */
  readonly driver: "systemd" | "cgroupfs";
  /** Pod UID with dashes. */
  readonly podUid: string;
  /** QoS class. */
  readonly qos: QosClass;
  /** Container ID (64 hex); omit for the pod's own cgroup. */
  readonly containerId?: string;
  /** Runtime naming the container cgroup (default `containerd`). */
  readonly runtime?: ContainerRuntime;
  /** CRI-O's monitor scope for `containerId` instead of the container (runtime `cri-o`). */
  readonly conmon?: boolean;
  /**
   * Kubelet `--cgroup-root` components (default none): `["kubelet"]` gives kind's
   * `kubelet.slice/kubelet-kubepods.slice/...` (systemd) or `kubelet/kubepods/...` (cgroupfs).
   */
  readonly root?: readonly string[];
}

/**
 * The cgroup path (relative to the cgroup root) the kubelet and runtime would create for a pod or
 * container: the inverse of {@link parseKubernetesIdentity} (with cgroupfs, containerd and Docker
 * containers are both a bare ID, so their runtime does not survive the round trip).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kubernetesCgroupPath, parseKubernetesIdentity } from "./kubernetes_identity.ts";
 * const id = "b".repeat(64);
 * const path = kubernetesCgroupPath({
 *   driver: "systemd", podUid: "0a-1b", qos: "guaranteed", containerId: id, runtime: "cri-o",
 * });
 * assert.equal(path, `kubepods.slice/kubepods-pod0a_1b.slice/crio-${id}.scope`);
 * assert.equal(parseKubernetesIdentity(path).podUid, "0a-1b");
 * assert.equal(
 *   kubernetesCgroupPath({ driver: "cgroupfs", podUid: "0a-1b", qos: "burstable", containerId: id }),
 *   `kubepods/burstable/pod0a-1b/${id}`,
 * );
 * ```
 */
export function kubernetesCgroupPath(spec: KubernetesCgroupSpec): string {
  const runtime = spec.conmon ? "cri-o" : spec.runtime ?? "containerd";
  const prefix = spec.conmon
    ? "crio-conmon"
    : runtime === "containerd"
    ? "cri-containerd"
    : runtime === "cri-o"
    ? "crio"
    : "docker";
  const names = [...(spec.root ?? []), "kubepods"];
  if (spec.qos !== "guaranteed") names.push(spec.qos);
  if (spec.driver === "systemd") {
    names.push(`pod${spec.podUid.replaceAll("-", "_")}`);
    const segs = names.map((_, i) => `${names.slice(0, i + 1).join("-")}.slice`);
    if (spec.containerId !== undefined) segs.push(`${prefix}-${spec.containerId}.scope`);
    return segs.join("/");
  }
  names.push(`pod${spec.podUid}`);
  if (spec.containerId !== undefined) {
    names.push(
      runtime === "cri-o" ? `${prefix}-${spec.containerId}` : spec.containerId,
    );
  }
  return names.join("/");
}
