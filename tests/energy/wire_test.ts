import assert from "node:assert/strict";
import fc from "fast-check";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import {
  decodeBody,
  decodeRequestLine,
  decodeResponseLine,
  encodeBody,
  encodeErrorLine,
  encodeOkLine,
  encodeRequestLine,
  encodeResponseLine,
  ERROR_CODES,
  type GovernorReading,
  type Op,
  OPS,
  prepareBody,
  type ResponseValues,
} from "../../lib/energy/wire.ts";

// The exchanges documented in docs/governor-protocol.md, byte for byte.
const DOC_LINES: Record<Op, string> = {
  read:
    '{"v":1,"ok":true,"instance":"fa4bd558-b6a3-46cb-9e14-510609b8b0aa","continues":null,"source":"sim","mono_ns":"1795872200130962688","time":"2026-11-28T13:23:20.130Z","domains":{"package-0":{"total_uj":"936130490","delta_uj":"38742812","wraps":0,"resets":0,"discarded":0,"read_errors":0,"stalls":0,"stalled":false,"coverage":0.999884}},"host_total_uj":"936130490","host_total_domains":["package-0"]}',
  domains:
    '{"v":1,"ok":true,"id":1,"instance":"fa4bd558-b6a3-46cb-9e14-510609b8b0aa","source":"sim","domains":[{"name":"package-0","kind":"package","parent":null,"in_host_total":true,"wrap_modulus":"4294967296","uj_per_raw":{"num":"1","den":"1"},"origin":"sim: constant 390 W","note":"simulated: not a measurement"}]}',
  health:
    '{"v":1,"ok":true,"instance":"fa4bd558-b6a3-46cb-9e14-510609b8b0aa","source":"sim","status":"ok","problems":[],"simulated":true,"uptime_s":2.485286,"domains":{"package-0":{"ok":true,"last_error":null,"stalled":false,"coverage":0.999884}}}',
  stats:
    '{"v":1,"ok":true,"instance":"a2dc0572-0c62-47c1-bf34-a32818e57c5d","interval_ms":100,"ticks":32,"overruns":0,"missed_ticks":0,"tick_lateness_ms":{"p50":0.963328,"p99":1.564928,"max":1.564928,"window":32},"tick_duration_ms":{"p50":0.07296,"p99":0.79616,"max":0.79616,"window":32},"clients":{"active":1,"accepted":2,"rejected":0,"timed_out":0,"oversized":0,"bad_requests":0,"requests":1,"evicted":0,"request_timed_out":0},"rss_bytes":60280832,"uptime_s":3.182936,"workloads":{"interval_ms":1000,"runs":3,"intervals":2,"last_duration_ms":1.462428,"max_duration_ms":3.104888,"cgroups":5,"skipped":0,"workloads":5,"over_cap":0,"cgroup_resets":0,"domain_resets":0,"scan_failures":0}}',
  workloads:
    '{"v":1,"ok":true,"id":2,"instance":"a2dc0572-0c62-47c1-bf34-a32818e57c5d","mono_ns":"1796254133689178112","time_ms":1796254133689,"policy":"idle","intervals":2,"domains":{"package-0":{"host_uj":"819402355","buckets":{"(idle)":"614551767","kubepods.slice":"0","kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice":"0","kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice/cri-containerd-3f8a1c0e9b7d4e2f8a6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f.scope":"122910352","system.slice":"0","system.slice/cron.service":"40970118","(system)":"40970118"}}},"workloads":{"kubepods.slice":{"cgroup":"kubepods.slice","pod_uid":null,"container_id":null,"qos":null,"runtime":null},"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice":{"cgroup":"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice","pod_uid":"7c1f9a52-3b0e-4d4c-9a51-2f6d8e0b4a17","container_id":null,"qos":"burstable","runtime":null},"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice/cri-containerd-3f8a1c0e9b7d4e2f8a6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f.scope":{"cgroup":"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1f9a52_3b0e_4d4c_9a51_2f6d8e0b4a17.slice/cri-containerd-3f8a1c0e9b7d4e2f8a6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f.scope","pod_uid":"7c1f9a52-3b0e-4d4c-9a51-2f6d8e0b4a17","container_id":"3f8a1c0e9b7d4e2f8a6c5b4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f","qos":"burstable","runtime":"containerd"},"system.slice":{"cgroup":"system.slice","pod_uid":null,"container_id":null,"qos":null,"runtime":null},"system.slice/cron.service":{"cgroup":"system.slice/cron.service","pod_uid":null,"container_id":null,"qos":null,"runtime":null}}}',
};

const latency = { p50Ms: 0.25, p99Ms: 1.5, maxMs: 7, window: 12 };

const VALUES: ResponseValues = {
  read: {
    instance: "i-1",
    continues: "i-0",
    source: "sysfs",
    monoNs: 2n ** 63n + 5n,
    time: "2026-01-01T00:00:00.100Z",
    domains: {
      "package-0": {
        totalUj: 9_007_199_254_740_993n,
        deltaUj: 12n,
        wraps: 1,
        resets: 2,
        discarded: 3,
        readErrors: 4,
        stalls: 5,
        stalled: true,
        coverage: 0.5,
      },
    },
    hostTotalUj: 9_007_199_254_740_993n,
    hostTotalDomains: ["package-0"],
  },
  domains: {
    instance: "i-1",
    source: "msr",
    domains: [{
      name: "package-0/core",
      kind: "core",
      parent: "package-0",
      inHostTotal: false,
      wrapModulus: 2n ** 32n,
      ujPerRaw: { num: 15625n, den: 256n },
      origin: "msr 0x639",
      note: null,
    }],
  },
  health: {
    instance: "i-1",
    source: "sim",
    status: "degraded",
    problems: ["dram-0: read error: EIO"],
    simulated: true,
    uptimeS: 12.5,
    domains: { "dram-0": { ok: false, lastError: "EIO", stalled: false, coverage: 0.25 } },
  },
  stats: {
    instance: "i-1",
    intervalMs: 100,
    ticks: 10,
    overruns: 1,
    missedTicks: 2,
    tickLatenessMs: latency,
    tickDurationMs: { ...latency, window: 10 },
    clients: {
      active: 1,
      accepted: 2,
      rejected: 3,
      timedOut: 4,
      oversized: 5,
      badRequests: 6,
      requests: 7,
      evicted: 8,
      requestTimedOut: 9,
    },
    rssBytes: 1 << 20,
    uptimeS: 3,
    workloads: {
      intervalMs: 1000,
      runs: 11,
      intervals: 10,
      lastDurationMs: 0.75,
      maxDurationMs: 2.5,
      cgroups: 40,
      skipped: 1,
      workloads: 39,
      overCap: 0,
      cgroupResets: 2,
      domainResets: 0,
      scanFailures: 3,
    },
  },
  workloads: {
    instance: "i-1",
    monoNs: 2n ** 63n + 7n,
    timeMs: 1_767_225_600_000,
    policy: "idle",
    intervals: 10,
    domains: {
      "package-0": {
        hostUj: 9_007_199_254_740_993n,
        buckets: {
          "(idle)": 9_007_199_254_740_000n,
          "(system)": 3n,
          "(other)": 0n,
          "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c.slice": 990n,
        },
      },
      "dram-0": { hostUj: 0n, buckets: {} },
    },
    workloads: {
      "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c.slice": {
        cgroup: "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c.slice",
        podUid: "1b2c",
        containerId: null,
        qos: "besteffort",
        runtime: null,
      },
      "system.slice/docker-0123.scope": {
        cgroup: "system.slice/docker-0123.scope",
        podUid: null,
        containerId: "0123",
        qos: null,
        runtime: "docker",
      },
    },
  },
};

/** Fields added to a body after v1 shipped: their absence reads as null (older governors). */
const ADDED_LATER: Partial<Record<Op, string[]>> = { stats: ["workloads"] };

/** Objects keyed by a name (domains, buckets, workloads) rather than fixed fields. */
function isMapPath(op: Op, path: string): boolean {
  if (op === "read" || op === "health") return path === "domains";
  if (op === "workloads") {
    return path === "domains" || path === "workloads" || /^domains\.[^.]+\.buckets$/.test(path);
  }
  return false;
}

Deno.test("every response kind survives encode then decode unchanged, with and without an id", () => {
  for (const op of OPS) {
    const line = encodeResponseLine(op, VALUES[op]);
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), op);
    assert.deepEqual(decodeResponseLine(op, line.slice(0, -1)), { ok: true, value: VALUES[op] });
    const withId = encodeResponseLine(op, VALUES[op], "req-7");
    assert.deepEqual(decodeResponseLine(op, withId.slice(0, -1)), {
      ok: true,
      id: "req-7",
      value: VALUES[op],
    });
  }
});

Deno.test("the documented response lines decode and re-encode to the same bytes", () => {
  for (const op of OPS) {
    const decoded = decodeResponseLine(op, DOC_LINES[op]);
    assert.ok(decoded.ok, op);
    assert.equal(encodeResponseLine(op, decoded.value, decoded.id).slice(0, -1), DOC_LINES[op]);
  }
});

Deno.test("docs/governor-protocol.md shows exactly these exchanges, one per op", async () => {
  const doc = await Deno.readTextFile(`${REPO_ROOT}docs/governor-protocol.md`);
  const shown = new Map<string, string>();
  for (const m of doc.matchAll(/^> (\{.*\})\n< (\{.*\})$/gm)) {
    const op = JSON.parse(m[1]).op;
    if (JSON.parse(m[2]).ok === true) shown.set(op, m[2]);
  }
  assert.deepEqual([...shown.keys()].sort(), [...OPS].sort());
  for (const op of OPS) assert.equal(shown.get(op), DOC_LINES[op], `the ${op} exchange`);
});

Deno.test("a workloads answer whose buckets do not sum to host_uj is refused both ways", () => {
  const wire = encodeBody("workloads", VALUES.workloads);
  const pkg = wire.domains["package-0"];
  const off = { ...pkg, buckets: { ...pkg.buckets, "(system)": "4" } };
  const line = JSON.stringify({ v: 1, ok: true, ...wire, domains: { "package-0": off } });
  assert.throws(
    () => decodeResponseLine("workloads", line),
    /workloads response: field domains\.package-0\.buckets must be buckets that sum to host_uj exactly, got "a sum of 9007199254740994, host_uj 9007199254740993"/,
  );
  const typed = VALUES.workloads.domains["package-0"];
  assert.throws(
    () =>
      encodeBody("workloads", {
        ...VALUES.workloads,
        domains: { p: { ...typed, hostUj: typed.hostUj + 1n } },
      }),
    (e: unknown) =>
      e instanceof RangeError && e.message.startsWith("cannot encode domains.p.buckets:"),
  );
  const qos = structuredClone(wire) as { workloads: Record<string, { qos: unknown }> };
  Object.values(qos.workloads)[0].qos = "premium";
  assert.throws(
    () => decodeResponseLine("workloads", JSON.stringify({ v: 1, ok: true, ...qos })),
    /field workloads\..*\.qos must be one of guaranteed, burstable, besteffort, got "premium"/,
  );
});

Deno.test("a stats answer from a governor before attribution decodes with workloads null", () => {
  const old = encodeBody("stats", VALUES.stats) as unknown as Record<string, unknown>;
  delete old.workloads;
  const decoded = decodeResponseLine("stats", JSON.stringify({ v: 1, ok: true, ...old }));
  assert.deepEqual(decoded, { ok: true, value: { ...VALUES.stats, workloads: null } });
  assert.deepEqual(
    decodeResponseLine("stats", encodeResponseLine("stats", { ...VALUES.stats, workloads: null })),
    { ok: true, value: { ...VALUES.stats, workloads: null } },
  );
});

Deno.test("bodies use snake_case keys and carry bigints as decimal strings", () => {
  const wire = encodeBody("read", VALUES.read);
  assert.equal(wire.mono_ns, "9223372036854775813");
  assert.equal(wire.host_total_uj, "9007199254740993");
  assert.equal(wire.domains["package-0"].read_errors, 4);
  assert.deepEqual(encodeBody("domains", VALUES.domains).domains[0].uj_per_raw, {
    num: "15625",
    den: "256",
  });
  assert.equal(encodeBody("stats", VALUES.stats).clients.timed_out, 4);
  assert.equal(encodeBody("health", VALUES.health).domains["dram-0"].last_error, "EIO");
});

Deno.test("random bigint totals survive the wire exactly (property)", () => {
  const uj = fc.bigInt({ min: 0n, max: 10n ** 40n - 1n });
  fc.assert(
    fc.property(uj, uj, uj, fc.bigInt({ min: 0n, max: 2n ** 64n }), (total, delta, host, mono) => {
      const reading: GovernorReading = {
        ...VALUES.read,
        monoNs: mono,
        domains: {
          "package-0": { ...VALUES.read.domains["package-0"], totalUj: total, deltaUj: delta },
        },
        hostTotalUj: host,
      };
      const decoded = decodeResponseLine("read", encodeResponseLine("read", reading).trimEnd());
      assert.ok(decoded.ok);
      assert.equal(decoded.value.domains["package-0"].totalUj, total);
      assert.equal(decoded.value.domains["package-0"].deltaUj, delta);
      assert.equal(decoded.value.hostTotalUj, host);
      assert.equal(decoded.value.monoNs, mono);
    }),
    { numRuns: 300 },
  );
});

/** A value of another JSON type than `json`. */
function mistyped(json: unknown): unknown {
  if (typeof json === "string") return 12;
  if (typeof json === "number") return "12";
  if (typeof json === "boolean") return 1;
  if (json === null) return 12;
  if (Array.isArray(json)) return {};
  return [];
}

/** Every (path, mutate) pair over a wire body: structs lose or mistype fields, maps mistype entries. */
function mutations(op: Op): { path: string; kind: string; body: unknown }[] {
  const out: { path: string; kind: string; body: unknown }[] = [];
  const walk = (node: unknown, path: string, edit: (f: (n: unknown) => unknown) => unknown) => {
    if (typeof node !== "object" || node === null) return;
    const isMap = isMapPath(op, path);
    const entries: [string | number, unknown][] = Array.isArray(node)
      ? node.map((v, i) => [i, v])
      : Object.entries(node);
    for (const [key, child] of entries) {
      const childPath = typeof key === "number"
        ? `${path}[${key}]`
        : path === ""
        ? key
        : `${path}.${key}`;
      const set = (f: (n: unknown) => unknown) =>
        edit((n) => {
          if (Array.isArray(n)) return n.map((v, i) => i === key ? f(v) : v);
          const copy = { ...(n as Record<string, unknown>) };
          const next = f(copy[key]);
          if (next === undefined) delete copy[key];
          else copy[key] = next;
          return copy;
        });
      if (!isMap && !Array.isArray(node) && !ADDED_LATER[op]?.includes(childPath)) {
        out.push({ path: childPath, kind: "missing", body: set(() => undefined) });
      }
      out.push({ path: childPath, kind: "mistyped", body: set(mistyped) });
      walk(child, childPath, set);
    }
  };
  const wire = encodeBody(op, VALUES[op]);
  walk(wire, "", (f) => f(wire));
  return out;
}

Deno.test("decoding names each missing or mistyped field of every response kind", () => {
  let checked = 0;
  for (const op of OPS) {
    for (const { path, kind, body } of mutations(op)) {
      const line = JSON.stringify({ v: 1, ok: true, ...(body as object) });
      assert.throws(
        () => decodeResponseLine(op, line),
        (e: unknown) =>
          e instanceof TypeError && e.message.startsWith(`${op} response: field ${path} must be `),
        `${op} ${kind} ${path}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 100, `only ${checked} mutations`);
});

Deno.test("decoding refuses out-of-range values that have the right JSON type", () => {
  const wire = encodeBody("read", VALUES.read);
  const domain = wire.domains["package-0"];
  const table: [string, unknown][] = [
    ["domains.package-0.total_uj", { ...domain, total_uj: "-1" }],
    ["domains.package-0.total_uj", { ...domain, total_uj: "1e3" }],
    ["domains.package-0.total_uj", { ...domain, total_uj: "1".repeat(41) }],
    ["domains.package-0.wraps", { ...domain, wraps: -1 }],
    ["domains.package-0.wraps", { ...domain, wraps: 1.5 }],
    ["domains.package-0.coverage", { ...domain, coverage: 1.5 }],
  ];
  for (const [path, d] of table) {
    const line = JSON.stringify({ v: 1, ok: true, ...wire, domains: { "package-0": d } });
    assert.throws(() => decodeResponseLine("read", line), new RegExp(`field ${path} must be`));
  }
  const health = { v: 1, ok: true, ...encodeBody("health", VALUES.health), status: "great" };
  assert.throws(
    () => decodeResponseLine("health", JSON.stringify(health)),
    /field status must be one of ok, degraded, failing, got "great"/,
  );
  const badTime = { v: 1, ok: true, ...wire, time: "yesterday" };
  assert.throws(() => decodeResponseLine("read", JSON.stringify(badTime)), /field time must be/);
  const list = encodeBody("domains", VALUES.domains);
  const gpu = { v: 1, ok: true, ...list, domains: [{ ...list.domains[0], kind: "gpu" }] };
  assert.throws(
    () => decodeResponseLine("domains", JSON.stringify(gpu)),
    /field domains\[0\]\.kind must be one of package, core, uncore, dram, psys, got "gpu"/,
  );
});

Deno.test("decoding refuses a wrong version, a bad head and non-JSON text", () => {
  const body = DOC_LINES.read.slice('{"v":1,'.length);
  for (const v of ['"v":2,', '"v":"1",', '"v":null,', ""]) {
    assert.throws(
      () => decodeResponseLine("read", `{${v}${body}`),
      /read response has unsupported protocol version/,
      v,
    );
  }
  assert.throws(() => decodeResponseLine("read", "{nope"), /read response is not JSON/);
  assert.throws(() => decodeResponseLine("read", "[1]"), /must be a JSON object/);
  assert.throws(
    () => decodeResponseLine("read", DOC_LINES.read.replace('"ok":true', '"ok":"yes"')),
    /field ok must be true or false/,
  );
  assert.throws(
    () => decodeResponseLine("read", DOC_LINES.read.replace('"ok":true', '"ok":true,"id":{}')),
    /field id must be a string of at most 128 characters or a number/,
  );
});

Deno.test("error lines round trip and an unknown error code is refused", () => {
  for (const code of ERROR_CODES) {
    const line = encodeErrorLine(code, `it failed: ${code}`, 9);
    assert.deepEqual(decodeResponseLine("stats", line.trimEnd()), {
      ok: false,
      id: 9,
      error: { code, message: `it failed: ${code}` },
    });
  }
  assert.throws(
    () => decodeResponseLine("read", '{"v":1,"ok":false,"error":{"code":"teapot","message":"x"}}'),
    /read error response: field error.code must be one of/,
  );
  assert.throws(
    () => decodeResponseLine("read", '{"v":1,"ok":false}'),
    /field error must be an object, got nothing/,
  );
});

Deno.test("unknown extra fields are ignored so the daemon can add optional fields", () => {
  const line = DOC_LINES.domains.replace('"source":"sim"', '"source":"sim","future":[1]');
  const decoded = decodeResponseLine("domains", line);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.domains[0].wrapModulus, 4_294_967_296n);
});

Deno.test("encoding refuses values the decoder would refuse, so no bad line is written", () => {
  const domain = VALUES.read.domains["package-0"];
  const bad: [string, GovernorReading][] = [
    ["domains.package-0.total_uj", { ...VALUES.read, domains: { p: { ...domain, totalUj: -1n } } }],
    ["domains.package-0.wraps", { ...VALUES.read, domains: { p: { ...domain, wraps: 0.5 } } }],
    ["host_total_uj", { ...VALUES.read, hostTotalUj: 10n ** 40n }],
    ["time", { ...VALUES.read, time: "soon" }],
  ];
  for (const [path, reading] of bad) {
    const shown = path.replace("package-0", "p");
    assert.throws(
      () => encodeBody("read", reading),
      (e: unknown) => e instanceof RangeError && e.message.startsWith(`cannot encode ${shown}:`),
      path,
    );
  }
  assert.throws(() => encodeErrorLine("internal", "x", "i".repeat(129)), RangeError);
});

Deno.test("coverage, seconds and latencies are rounded to 6 decimals on the wire", () => {
  const reading = {
    ...VALUES.read,
    domains: { d: { ...VALUES.read.domains["package-0"], coverage: 0.123456789 } },
  };
  assert.equal(encodeBody("read", reading).domains.d.coverage, 0.123457);
  const stats = encodeBody("stats", {
    ...VALUES.stats,
    uptimeS: 1.00000049,
    tickLatenessMs: { ...latency, p99Ms: 2 / 3 },
  });
  assert.equal(stats.uptime_s, 1);
  assert.equal(stats.tick_lateness_ms.p99, 0.666667);
});

Deno.test("a prepared body answers many requests with each request's id", () => {
  const body = prepareBody("health", VALUES.health);
  const a = decodeResponseLine("health", encodeOkLine(body, 1).trimEnd());
  const b = decodeResponseLine("health", encodeOkLine(body, "two").trimEnd());
  assert.deepEqual([a.id, b.id], [1, "two"]);
  assert.deepEqual(a, { ok: true, id: 1, value: VALUES.health });
  assert.deepEqual(decodeBody("health", JSON.parse(body.json)), VALUES.health);
});

Deno.test("request lines round trip and malformed requests get the documented error codes", () => {
  for (const op of OPS) {
    assert.deepEqual(decodeRequestLine(encodeRequestLine({ op }).trimEnd()), {
      ok: true,
      request: { op },
    });
    assert.deepEqual(decodeRequestLine(encodeRequestLine({ op, id: "x" }).trimEnd()), {
      ok: true,
      request: { op, id: "x" },
    });
  }
  const table: [string, string, number | undefined][] = [
    ["{not json", "bad_json", undefined],
    ["[1,2]", "bad_request", undefined],
    ["null", "bad_request", undefined],
    ['{"v":1,"op":"read","id":{}}', "bad_request", undefined],
    ['{"op":"read","id":3}', "unsupported_version", 3],
    ['{"v":2,"op":"read"}', "unsupported_version", undefined],
    ['{"v":1,"id":4}', "unknown_op", 4],
    ['{"v":1,"op":"write"}', "unknown_op", undefined],
  ];
  for (const [line, code, id] of table) {
    const r = decodeRequestLine(line);
    assert.equal(r.ok, false, line);
    if (r.ok) continue;
    assert.equal(r.error.code, code, line);
    assert.equal(r.id, id, line);
    assert.ok(r.error.message.length > 10, line);
  }
  assert.throws(() => encodeRequestLine({ op: "write" as Op }), /cannot encode op/);
});
