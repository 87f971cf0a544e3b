/**
 * Every Kubernetes manifest in deploy/kubernetes/ is checked offline: each YAML document parses,
 * validates against the kubernetes-models schema of its apiVersion and kind (an unknown kind
 * fails), and has no field the API does not know (the models' validators accept unknown fields,
 * so the documents are also type-checked against the models' TypeScript interfaces, whose excess
 * property check rejects them). Then what a schema cannot see: selectors match pod labels, mounts
 * name volumes, the governor's command line is one the CLI accepts, the embedded config
 * validates, ports agree, the node label is the documented one, and the container image's entry
 * point is the command the DaemonSet runs.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { DaemonSet } from "kubernetes-models/apps/v1";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import {
  PodMonitor,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import type { IDaemonSet } from "kubernetes-models/apps/v1";
import type { IContainer, IPodTemplateSpec } from "kubernetes-models/v1";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { MAIN_TS, REPO_ROOT, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

/** The models a manifest may use, by `apiVersion kind`, and the interface that types each. */
const MODELS: Record<string, { validate(data: unknown): void; typeImport: string }> = {
  "v1 Namespace": {
    validate: (d) => new Namespace(d as Namespace).validate(),
    typeImport: 'INamespace } from "kubernetes-models/v1"',
  },
  "v1 ConfigMap": {
    validate: (d) => new ConfigMap(d as ConfigMap).validate(),
    typeImport: 'IConfigMap } from "kubernetes-models/v1"',
  },
  "v1 Service": {
    validate: (d) => new Service(d as Service).validate(),
    typeImport: 'IService } from "kubernetes-models/v1"',
  },
  "apps/v1 DaemonSet": {
    validate: (d) => new DaemonSet(d as DaemonSet).validate(),
    typeImport: 'IDaemonSet } from "kubernetes-models/apps/v1"',
  },
  "monitoring.coreos.com/v1 ServiceMonitor": {
    validate: (d) => new ServiceMonitor(d as ServiceMonitor).validate(),
    typeImport:
      'IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"',
  },
  "monitoring.coreos.com/v1 PodMonitor": {
    validate: (d) => new PodMonitor(d as PodMonitor).validate(),
    typeImport:
      'IPodMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"',
  },
};

const K8S_DIR = `${REPO_ROOT}deploy/kubernetes`;
const CONTAINER_DIR = `${REPO_ROOT}deploy/container`;
/** The node label the DaemonSet requires, as docs/kubernetes.md tells operators to set it. */
const DOCS_PATH = `${REPO_ROOT}docs/kubernetes.md`;

interface Doc {
  /** `daemonset.yaml#2`: the file and the document's index in it. */
  readonly where: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Every non-empty YAML document of every deploy/kubernetes/*.yaml (globbed, sorted). */
async function loadDocs(dir = K8S_DIR): Promise<Doc[]> {
  const files = [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => e.name)
    .sort();
  assert.ok(files.includes("daemonset.yaml"), `${dir} holds daemonset.yaml`);
  const docs: Doc[] = [];
  for (const file of files) {
    const parsed = parseAllDocuments(await Deno.readTextFile(`${dir}/${file}`));
    assert.ok(!("empty" in parsed), `${file} holds YAML documents`);
    for (const [i, doc] of parsed.entries()) {
      const where = `${file}#${i}`;
      assert.deepEqual(doc.errors.map((e) => e.message), [], `${where} parses`);
      assert.deepEqual(doc.warnings.map((e) => e.message), [], `${where} parses cleanly`);
      const value = doc.toJS();
      if (value === null) continue; // a comment-only document
      assert.equal(typeof value, "object", `${where} is a mapping`);
      docs.push({ ...value, where });
    }
  }
  return docs;
}

function validateAll(docs: readonly Doc[]): void {
  for (const doc of docs) {
    const model = MODELS[`${doc.apiVersion} ${doc.kind}`];
    if (!model) {
      assert.fail(
        `${doc.where}: no schema for apiVersion ${doc.apiVersion} kind ${doc.kind} (known: ${
          Object.keys(MODELS).join(", ")
        }); add its model to this test`,
      );
    }
    const { where: _where, ...data } = doc;
    try {
      model.validate(data);
    } catch (e) {
      assert.fail(`${doc.where} (${doc.kind} ${doc.metadata?.name}): ${(e as Error).message}`);
    }
  }
}

/**
 * Type-checks every document as an object literal of its model's interface: TypeScript's excess
 * property check names any field the API does not have, at any depth. Returns the checker's
 * output (empty when clean).
 */
async function unknownFields(docs: readonly Doc[]): Promise<string> {
  await using dir = await tempDir("carbon-ops-k8s-types-");
  const lines: string[] = [];
  const names: string[] = [];
  for (const [i, doc] of docs.entries()) {
    const model = MODELS[`${doc.apiVersion} ${doc.kind}`];
    if (!model) continue; // validateAll reports it
    const iface = model.typeImport.split(" ")[0];
    const name = `${iface}_${i}`;
    lines.push(
      `import type { ${iface} as ${name}_t } from ${model.typeImport.split(" from ")[1]};`,
    );
    const { where, ...data } = doc;
    names.push(`// ${where}\nexport const doc_${i}: ${name}_t = ${JSON.stringify(data, null, 2)};`);
  }
  const file = dir.join("manifests.ts");
  await Deno.writeTextFile(file, [...lines, ...names].join("\n") + "\n");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "--config", `${REPO_ROOT}deno.json`, file],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (out.code === 0) return "";
  // name the manifest of each error: the generated file marks every document's start
  const source = (await Deno.readTextFile(file)).split("\n");
  return text.replace(/manifests\.ts:(\d+):(\d+)/g, (all, line) => {
    for (let l = Number(line) - 1; l >= 0; l--) {
      const mark = /^\/\/ (\S+)$/.exec(source[l]);
      if (mark) return `${all} (${mark[1]})`;
    }
    return all;
  });
}

function daemonSets(docs: readonly Doc[]): (Doc & IDaemonSet)[] {
  return docs.filter((d) => d.kind === "DaemonSet") as unknown as (Doc & IDaemonSet)[];
}

function governorContainer(ds: IDaemonSet): IContainer {
  const containers = ds.spec?.template.spec?.containers ?? [];
  const c = containers.find((c) => c.args?.[0] === "governor");
  assert.ok(c, `${ds.metadata?.name} has a container running \`carbon-ops governor\``);
  return c;
}

function podTemplates(docs: readonly Doc[]): { where: string; template: IPodTemplateSpec }[] {
  return daemonSets(docs).map((d) => ({ where: d.where, template: d.spec!.template }));
}

/** `--flag` and `--flag=value` words of an argument list, as `--flag`. */
function flagsOf(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]);
}

/** The value after `--flag` (or in `--flag=value`). */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(flag.length + 1) : args[i + 1];
}

/** The ConfigMap key a config path points at, through the pod's volumes and mounts. */
function configText(docs: readonly Doc[], ds: IDaemonSet, configPath: string): string {
  const c = governorContainer(ds);
  const mount = (c.volumeMounts ?? []).find((m) => configPath.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `--config ${configPath} lies in a mounted volume`);
  const volume = ds.spec!.template.spec!.volumes?.find((v) => v.name === mount.name);
  const cmName = volume?.configMap?.name;
  assert.ok(cmName, `volume ${mount.name} (holding --config) is a ConfigMap`);
  const cm = docs.find((d) =>
    d.kind === "ConfigMap" && d.metadata?.name === cmName &&
    d.metadata?.namespace === ds.metadata?.namespace
  ) as (Doc & { data?: Record<string, string> }) | undefined;
  assert.ok(cm, `ConfigMap ${cmName} is defined next to the DaemonSet, in its namespace`);
  const key = configPath.slice(mount.mountPath.length + 1);
  const text = cm.data?.[key];
  assert.ok(typeof text === "string", `ConfigMap ${cmName} has the key ${key}`);
  return text;
}

/** Bytes of a Kubernetes memory quantity (`64Mi`, `1Gi`, `100M`, `1048576`). */
function quantityBytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  assert.ok(m, `memory quantity ${q} is one this test reads`);
  const unit: Record<string, number> = {
    "": 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(m[1]) * unit[m[2] ?? ""];
}

/** The documented node label: the `kubectl label node NODE KEY=VALUE` in docs/kubernetes.md. */
async function documentedLabel(): Promise<[string, string]> {
  const docs = await Deno.readTextFile(DOCS_PATH);
  const m = /kubectl label nodes? \S+ ([a-z0-9.\-/]+)=(\S+)/.exec(docs);
  assert.ok(m, "docs/kubernetes.md shows the kubectl label command");
  return [m[1], m[2]];
}

Deno.test("kubernetes manifests: every document validates against its model, with no unknown kind or field", async () => {
  const docs = await loadDocs();
  assert.ok(docs.length >= 3, "Namespace, ConfigMap, DaemonSet at least");
  validateAll(docs);
  assert.equal(await unknownFields(docs), "", "no field the Kubernetes API does not know");
});

Deno.test("kubernetes manifest checks fail on an unknown kind, a schema error and an unknown field", async () => {
  await using dir = await tempDir("carbon-ops-k8s-bad-");
  const good = await Deno.readTextFile(`${K8S_DIR}/daemonset.yaml`);
  const variants: [string, string, RegExp][] = [
    ["unknown kind", good.replace("kind: Namespace", "kind: Namespaces"), /no schema for/],
    [
      "schema error",
      good.replace(/containerPort: \d+/, "containerPort: metrics"),
      /containerPort must be integer/,
    ],
    [
      "unknown field",
      good.replace("readinessProbe:", "readinesProbe:"),
      /'"readinesProbe"' does not exist in type 'IContainer'.*\(daemonset\.yaml#2\)/s,
    ],
  ];
  for (const [what, text, expected] of variants) {
    assert.notEqual(text, good, `${what}: the mutation applies`);
    await Deno.writeTextFile(dir.join("daemonset.yaml"), text);
    const docs = await loadDocs(dir.path);
    let failure = "";
    try {
      validateAll(docs);
      failure = await unknownFields(docs);
    } catch (e) {
      failure = (e as Error).message;
    }
    assert.match(failure, expected, what);
  }
});

Deno.test("kubernetes DaemonSet: selector matches the pod labels and every mount names a volume", async () => {
  const docs = await loadDocs();
  const all = daemonSets(docs);
  assert.ok(all.length >= 1);
  for (const ds of all) {
    const spec = ds.spec!;
    const labels = spec.template.metadata?.labels ?? {};
    const wanted = spec.selector.matchLabels ?? {};
    assert.ok(Object.keys(wanted).length > 0, `${ds.where}: selector has labels`);
    for (const [k, v] of Object.entries(wanted)) {
      assert.equal(labels[k], v, `${ds.where}: template label ${k} matches the selector`);
    }
    const volumes = new Set((spec.template.spec?.volumes ?? []).map((v) => v.name));
    const pod = spec.template.spec!;
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const m of c.volumeMounts ?? []) {
        assert.ok(volumes.has(m.name), `${ds.where}: mount ${m.name} names a volume`);
      }
    }
  }
});

Deno.test("kubernetes Services and monitors select pods and ports that the manifests define", async () => {
  const docs = await loadDocs();
  const pods = podTemplates(docs);
  const portNames = new Set(
    pods.flatMap((p) => p.template.spec!.containers.flatMap((c) => c.ports ?? []))
      .map((p) => p.name),
  );
  const selects = (selector: Record<string, string>) =>
    pods.some((p) =>
      Object.entries(selector).every(([k, v]) => p.template.metadata?.labels?.[k] === v)
    );
  for (const doc of docs) {
    if (doc.kind === "Service") {
      const spec = (doc as unknown as Service).spec!;
      assert.ok(selects(spec.selector ?? {}), `${doc.where}: the selector matches a pod template`);
      for (const p of spec.ports ?? []) {
        if (typeof p.targetPort === "string") {
          assert.ok(portNames.has(p.targetPort), `${doc.where}: targetPort ${p.targetPort}`);
        }
      }
    }
    if (doc.kind === "PodMonitor") {
      const spec = (doc as unknown as PodMonitor).spec;
      assert.ok(selects(spec.selector.matchLabels ?? {}), `${doc.where}: selects a pod template`);
      for (const e of spec.podMetricsEndpoints ?? []) {
        if (e.port) assert.ok(portNames.has(e.port), `${doc.where}: port ${e.port} exists`);
      }
    }
  }
});

Deno.test("kubernetes DaemonSet runs the governor only on the documented RAPL label, waiting where there is none", async () => {
  const docs = await loadDocs();
  const [key, value] = await documentedLabel();
  for (const ds of daemonSets(docs)) {
    const terms = ds.spec!.template.spec!.affinity?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    assert.ok(terms.length > 0, `${ds.where}: a required node affinity`);
    for (const term of terms) {
      const exprs = term.matchExpressions ?? [];
      assert.ok(
        exprs.some((e) => e.key === key && e.operator === "In" && e.values?.includes(value)),
        `${ds.where}: every node selector term requires ${key}=${value} (docs/kubernetes.md)`,
      );
    }
    const c = governorContainer(ds);
    assert.equal(
      flagValue(c.args ?? [], "--when-no-rapl"),
      "wait",
      "a NotReady pod, no crash loop",
    );
    assert.equal(c.livenessProbe, undefined, "no liveness probe to kill a waiting governor");
    assert.equal(c.readinessProbe?.httpGet?.path, "/metrics");
  }
});

Deno.test("kubernetes DaemonSet: the embedded config validates and its metrics port is the probed container port", async () => {
  const docs = await loadDocs();
  for (const ds of daemonSets(docs)) {
    const c = governorContainer(ds);
    const configPath = flagValue(c.args ?? [], "--config");
    assert.ok(configPath, `${ds.where}: the governor is given --config`);
    const text = configText(docs, ds, configPath);
    const config = resolveConfig({ fileText: text, filePath: `${ds.where}:${configPath}` });
    const listen = config.governor.metricsListen;
    assert.ok(listen, "the config turns the metrics endpoint on (the readiness probe needs it)");
    const port = Number(listen.slice(listen.lastIndexOf(":") + 1));
    const containerPort = (c.ports ?? []).find((p) => p.containerPort === port);
    assert.ok(containerPort, `containerPort ${port} (from metricsListen ${listen}) is declared`);
    const probePort = c.readinessProbe?.httpGet?.port;
    assert.ok(
      probePort === port || (probePort !== undefined && probePort === containerPort.name),
      `the readiness probe's port ${probePort} is the metrics port ${port}`,
    );
    const annotations = ds.spec!.template.metadata?.annotations ?? {};
    if ("prometheus.io/port" in annotations) {
      assert.equal(annotations["prometheus.io/port"], String(port));
    }
    // the socket lives in a hostPath directory that workload pods mount
    const socketDir = config.governor.socketPath.slice(
      0,
      config.governor.socketPath.lastIndexOf("/"),
    );
    const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === socketDir);
    assert.ok(mount, `the socket directory ${socketDir} is a mounted volume`);
    const volume = ds.spec!.template.spec!.volumes!.find((v) => v.name === mount.name);
    assert.equal(volume?.hostPath?.path, socketDir, "a hostPath, shared with workload pods");
    const powercap = (c.volumeMounts ?? []).find((m) =>
      m.mountPath === config.governor.powercapRoot
    );
    assert.equal(powercap?.readOnly, true, "the host's powercap tree, read-only");
    // workload attribution reads the host's cgroup tree and /proc/stat, not the container's
    const hostMount = (mountPath: string | null | undefined, hostPath: string) => {
      const m = (c.volumeMounts ?? []).find((v) => v.mountPath === mountPath);
      assert.ok(m, `${mountPath} (for the host's ${hostPath}) is a mounted volume`);
      const v = ds.spec!.template.spec!.volumes!.find((x) => x.name === m.name);
      assert.equal(v?.hostPath?.path, hostPath, `${mountPath} is the host's ${hostPath}`);
      assert.equal(m.readOnly, true, `${hostPath} is mounted read-only`);
    };
    hostMount(config.governor.cgroupRoot, "/sys/fs/cgroup");
    hostMount(config.energy.procRoot, "/proc");
    // every host path is read-only except where the governor writes: the socket and state dirs
    const statePath = config.governor.statePath;
    const writable = [socketDir, statePath?.slice(0, statePath.lastIndexOf("/"))];
    for (const m of c.volumeMounts ?? []) {
      const volume = ds.spec!.template.spec!.volumes!.find((v) => v.name === m.name);
      if (!volume?.hostPath || writable.includes(m.mountPath)) continue;
      assert.equal(m.readOnly, true, `host path ${volume.hostPath.path} is mounted read-only`);
    }
  }
});

Deno.test("kubernetes DaemonSet: V8 flags as the systemd unit, memory limit at least twice the request", async () => {
  const docs = await loadDocs();
  const unit = await Deno.readTextFile(`${REPO_ROOT}deploy/carbon-ops-governor.service`);
  const unitFlags = /^Environment=DENO_V8_FLAGS=(.+)$/m.exec(unit)?.[1];
  assert.ok(unitFlags, "the systemd unit sets DENO_V8_FLAGS");
  for (const ds of daemonSets(docs)) {
    const c = governorContainer(ds);
    const env = (c.env ?? []).find((e) => e.name === "DENO_V8_FLAGS");
    assert.equal(env?.value, unitFlags.replace(/^"|"$/g, ""));
    const request = quantityBytes(c.resources?.requests?.memory ?? "0");
    const limit = quantityBytes(c.resources?.limits?.memory ?? "0");
    assert.ok(request > 0 && limit >= 2 * request, `limit ${limit} >= 2 x request ${request}`);
  }
});

Deno.test("kubernetes DaemonSet's governor arguments are accepted by the real CLI", async () => {
  const docs = await loadDocs();
  const help = (await runCli(["governor", "--help"])).stdout + (await runCli(["--help"])).stdout;
  for (const ds of daemonSets(docs)) {
    const c = governorContainer(ds);
    const args = c.args ?? [];
    for (const flag of flagsOf(args)) {
      assert.ok(help.includes(flag), `${flag} is an option of carbon-ops governor (its --help)`);
    }
    // Run those arguments for real: the config from the ConfigMap in a temporary file, and an
    // empty powercap tree so the governor finds no RAPL and (with --when-no-rapl wait) waits.
    await using dir = await tempDir("carbon-ops-k8s-args-");
    const configPath = flagValue(args, "--config")!;
    await Deno.writeTextFile(dir.join("config.jsonc"), configText(docs, ds, configPath));
    await Deno.mkdir(dir.join("powercap"));
    const runArgs = args.map((a) => a === configPath ? dir.join("config.jsonc") : a);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        MAIN_TS,
        ...runArgs,
        "--powercap-root",
        dir.join("powercap"),
      ],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1" },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let exited = false;
    const status = child.status.finally(() => exited = true);
    let stderr = "";
    let sawReason = () => {};
    const reasonSeen = new Promise<void>((resolve) => sawReason = resolve);
    const reading = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderr += chunk;
        if (/no RAPL on this machine.*\n/.test(stderr)) sawReason();
      }
      sawReason(); // the process ended: the assertions say how
    })();
    try {
      await reasonSeen; // readiness: the reason line, never a fixed sleep
      assert.ok(!exited, `still running (waiting), not exited; stderr:\n${stderr}`);
      assert.match(stderr, /waiting without serving anything/);
      child.kill("SIGTERM");
      assert.equal((await status).code, 0, stderr);
    } finally {
      if (!exited) child.kill("SIGKILL");
      await status;
      await reading;
    }
  }
});

Deno.test("container image: COPY sources are files our tasks produce and ENTRYPOINT is the DaemonSet's command", async () => {
  const docs = await loadDocs();
  const commands = daemonSets(docs).map((ds) => governorContainer(ds).command ?? []);
  const denoJson = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  const compile = String(denoJson.tasks.compile).split(/\s+/);
  const compiled = compile[compile.indexOf("--output") + 1];
  const files = [...Deno.readDirSync(CONTAINER_DIR)].filter((e) => /^Containerfile/.test(e.name));
  assert.ok(files.some((f) => f.name === "Containerfile"), "deploy/container/Containerfile");
  for (const { name } of files) {
    const text = await Deno.readTextFile(`${CONTAINER_DIR}/${name}`);
    const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim());
    let copies = 0;
    for (const line of lines.filter((l) => /^COPY\s/i.test(l))) {
      const words = line.split(/\s+/).slice(1);
      if (words.some((w) => w.startsWith("--from="))) continue; // from an earlier stage
      const paths = words.filter((w) => !w.startsWith("--"));
      for (const src of paths.slice(0, -1)) {
        copies++;
        const produced = src === compiled; // written by `deno task compile`
        const tracked = await Deno.stat(`${REPO_ROOT}${src}`).then(() => true, () => false);
        assert.ok(produced || tracked, `${name}: COPY ${src} is in the repository or built`);
      }
    }
    assert.ok(copies > 0, `${name} copies something`);
    if (name === "Containerfile") {
      assert.match(text, new RegExp(`^COPY\\s.*\\s${compiled}\\s`, "m"), "the compiled binary");
    }
    const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(text);
    assert.ok(entry, `${name} has an exec-form ENTRYPOINT`);
    const entrypoint: string[] = JSON.parse(entry[1]);
    for (const command of commands) {
      assert.deepEqual(entrypoint, command, `${name}: ENTRYPOINT is the DaemonSet's command`);
    }
    assert.match(text, /^ENV DENO_V8_FLAGS=--max-semi-space-size=1$/m);
  }
  for (const command of commands) {
    assert.ok(command.length > 0, "the DaemonSet names the command (not the image default)");
  }
});
