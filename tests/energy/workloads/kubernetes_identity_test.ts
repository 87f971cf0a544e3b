import assert from "node:assert/strict";
import fc from "fast-check";
import {
  kubernetesCgroupPath,
  type KubernetesCgroupSpec,
  parseKubernetesIdentity,
} from "../../../lib/energy/workloads/kubernetes_identity.ts";
import type { WorkloadIdentity } from "../../../lib/energy/workloads/workload.ts";

const C = "3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6"; // 64 hex
const UID = "8d2f5c1e-6a4b-4c3d-9e8f-0a1b2c3d4e5f";
const UID_ = UID.replaceAll("-", "_"); // systemd unit names: '-' means nesting, so '_'
const STATIC_UID = "6f2c2e3b2d1f4a8c9e0b7d6a5c4b3a29"; // static pods: 32 hex, the config hash

type Row = [
  scheme: string,
  path: string,
  expected: Omit<WorkloadIdentity, "cgroup">,
];
const none = { podUid: null, containerId: null, qos: null, runtime: null };

const ROWS: Row[] = [
  // kubelet systemd driver: each component a slice repeating its ancestors; containerd's CRI
  // plugin with SystemdCgroup=true names the container scope cri-containerd-<id>.scope
  [
    "systemd driver, containerd, burstable",
    `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${C}.scope`,
    { podUid: UID, containerId: C, qos: "burstable", runtime: "containerd" },
  ],
  // guaranteed pods sit directly under kubepods.slice; CRI-O's systemd cgroup manager: crio-<id>.scope
  [
    "systemd driver, CRI-O, guaranteed",
    `kubepods.slice/kubepods-pod${UID_}.slice/crio-${C}.scope`,
    { podUid: UID, containerId: C, qos: "guaranteed", runtime: "cri-o" },
  ],
  // Docker (dockershim / cri-dockerd) with the systemd driver: docker-<id>.scope
  [
    "systemd driver, Docker, besteffort",
    `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${C}.scope`,
    { podUid: UID, containerId: C, qos: "besteffort", runtime: "docker" },
  ],
  // CRI-O's conmon (conmon_cgroup = "pod"): the monitor, charged to the pod and no container
  [
    "systemd driver, CRI-O monitor",
    `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${C}.scope`,
    { podUid: UID, containerId: null, qos: "burstable", runtime: "cri-o" },
  ],
  [
    "systemd driver, pod slice itself",
    `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
    { podUid: UID, containerId: null, qos: "burstable", runtime: null },
  ],
  [
    "systemd driver, QoS slice",
    "kubepods.slice/kubepods-besteffort.slice",
    { ...none, qos: "besteffort" },
  ],
  ["systemd driver, kubepods root", "kubepods.slice", none],
  // kubelet cgroupfs driver: plain directories, UID with dashes; containerd and Docker name the
  // container directory by its bare ID (runtime unknown), CRI-O by crio-<id>
  [
    "cgroupfs driver, bare ID, burstable",
    `kubepods/burstable/pod${UID}/${C}`,
    { podUid: UID, containerId: C, qos: "burstable", runtime: null },
  ],
  [
    "cgroupfs driver, bare ID, guaranteed",
    `/kubepods/pod${UID}/${C}`,
    { podUid: UID, containerId: C, qos: "guaranteed", runtime: null },
  ],
  [
    "cgroupfs driver, CRI-O, besteffort",
    `kubepods/besteffort/pod${UID}/crio-${C}`,
    { podUid: UID, containerId: C, qos: "besteffort", runtime: "cri-o" },
  ],
  [
    "cgroupfs driver, CRI-O monitor",
    `kubepods/besteffort/pod${UID}/crio-conmon-${C}`,
    { podUid: UID, containerId: null, qos: "besteffort", runtime: "cri-o" },
  ],
  [
    "cgroupfs driver, static pod UID (config hash)",
    `kubepods/burstable/pod${STATIC_UID}/${C}`,
    { podUid: STATIC_UID, containerId: C, qos: "burstable", runtime: null },
  ],
  ["cgroupfs driver, QoS directory", "kubepods/burstable", { ...none, qos: "burstable" }],
  // kind: kubelet --cgroup-root=/kubelet with the systemd driver prefixes every slice name
  [
    "kind (cgroup root /kubelet), systemd driver",
    `kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${C}.scope`,
    { podUid: UID, containerId: C, qos: "besteffort", runtime: "containerd" },
  ],
  // a node that is itself a container (k3d, kind) seen from the host: the node's cgroup first
  [
    "k3s node in Docker seen from the host, cgroupfs driver",
    `system.slice/docker-${C}.scope/kubepods/burstable/pod${UID}/${"e".repeat(64)}`,
    { podUid: UID, containerId: "e".repeat(64), qos: "burstable", runtime: null },
  ],
  [
    "a cgroup inside a container keeps the container's identity",
    `kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${C}.scope/init.scope`,
    { podUid: UID, containerId: C, qos: "guaranteed", runtime: "containerd" },
  ],
  [
    "an unknown cgroup under a pod is the pod's, not a container",
    `kubepods/burstable/pod${UID}/sandbox-extra`,
    { podUid: UID, containerId: null, qos: "burstable", runtime: null },
  ],
  [
    "a short container ID is not a container",
    `kubepods/burstable/pod${UID}/${C.slice(0, 12)}`,
    { podUid: UID, containerId: null, qos: "burstable", runtime: null },
  ],
  [
    "a pod slice whose UID is not hex is no pod",
    "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podxyz.slice",
    { ...none, qos: "burstable" },
  ],
  // outside Kubernetes: nulls, even for containers (this parser names Kubernetes only)
  ["systemd service", "system.slice/cron.service", none],
  ["Docker without Kubernetes", `system.slice/docker-${C}.scope`, none],
  ["user slice", "user.slice/user-1000.slice/session-3.scope", none],
  ["a slice merely named like kubepods", "kubepods-extra.slice/pod1.slice", none],
  ["the root", "", none],
];

for (const [scheme, path, expected] of ROWS) {
  Deno.test(`parseKubernetesIdentity reads ${scheme}`, () => {
    const cgroup = path.replace(/^\/+/, "");
    assert.deepEqual(parseKubernetesIdentity(path), { cgroup, ...expected });
  });
}

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const outerSeg = fc.stringMatching(/^[a-z][a-z0-9@.]{0,10}$/).filter((s) =>
  !s.includes("kubepods")
);

Deno.test("parseKubernetesIdentity inverts kubernetesCgroupPath for any pod, container, driver and nesting", () => {
  fc.assert(fc.property(
    fc.record({
      driver: fc.constantFrom("systemd" as const, "cgroupfs" as const),
      podUid: fc.oneof(fc.uuid(), fc.stringMatching(/^[0-9a-f]{32}$/)),
      qos: fc.constantFrom("guaranteed" as const, "burstable" as const, "besteffort" as const),
      containerId: fc.option(hex64, { nil: undefined }),
      runtime: fc.constantFrom("containerd" as const, "cri-o" as const, "docker" as const),
      conmon: fc.boolean(),
      root: fc.constantFrom([], ["kubelet"], ["k3s"]),
      outer: fc.array(outerSeg, { maxLength: 2 }),
    }),
    ({ outer, ...spec }) => {
      const s: KubernetesCgroupSpec = {
        ...spec,
        conmon: spec.conmon && spec.containerId !== undefined,
      };
      const path = [...outer, kubernetesCgroupPath(s)].join("/");
      const w = parseKubernetesIdentity(path);
      const isContainer = s.containerId !== undefined;
      const runtime = !isContainer
        ? null
        : s.conmon
        ? "cri-o"
        : s.driver === "cgroupfs" && s.runtime !== "cri-o"
        ? null
        : s.runtime;
      assert.deepEqual(w, {
        cgroup: path,
        podUid: s.podUid.toLowerCase(),
        qos: s.qos,
        containerId: isContainer && !s.conmon ? s.containerId : null,
        runtime,
      });
    },
  ));
});
