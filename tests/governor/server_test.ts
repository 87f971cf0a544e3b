import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { loadConfig } from "../../lib/config/load.ts";
import type { ConfigOverrides } from "../../lib/config/schema.ts";
import { runGovernor } from "../../governor/daemon.ts";
import { GovernorClient, GovernorUnavailableError } from "../../lib/energy/governor_client.ts";
import { encodeResponseLine, type Op, type ResponseValues } from "../../lib/energy/wire.ts";
import { fakeDomain, FakeSource } from "../_kit/fake_source.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const GROUP = "daemon"; // exists here (gid 1); tests run as root
const GID = 1;

/** Starts an in-process governor on a FakeSource; returns once it accepts connections. */
async function startGovernor(
  governor: NonNullable<ConfigOverrides["governor"]>,
  options: { instance?: string } = {},
) {
  const config = await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: { governor: { socketGroup: GROUP, intervalMs: 20, ...governor } },
  });
  const domains = [fakeDomain("package-0"), fakeDomain("dram-0", { kind: "dram" })];
  const source = new FakeSource(domains, {}, {
    next: (name, tick) => BigInt(tick) * (name === "dram-0" ? 100n : 1000n),
  });
  const log: string[] = [];
  const stop = new AbortController();
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => resolveReady = r);
  let metricsPort: number | null = null;
  const done = runGovernor({
    config,
    openSource: () => ({ source }),
    log: { write: (t) => void log.push(t) },
    handleSignals: false,
    signal: stop.signal,
    randomUUID: options.instance ? () => options.instance as string : undefined,
    onReady: (info) => {
      metricsPort = info.metricsPort;
      resolveReady();
    },
  });
  const first = await Promise.race([ready.then(() => null), done]);
  return {
    code: first,
    done,
    log,
    source,
    metricsPort: () => metricsPort,
    stop: async () => {
      stop.abort();
      return await done;
    },
  };
}

Deno.test("governor socket has its mode and group on disk and serves the client", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const g = await startGovernor({ socketPath });
  assertEquals(g.code, null, g.log.join(""));
  const st = await Deno.lstat(socketPath);
  assert(st.isSocket);
  assertEquals(st.mode! & 0o777, 0o660);
  assertEquals(st.gid, GID);
  // the temporary private directory used while binding is gone
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["g.sock"]);
  const client = new GovernorClient({ socketPath, timeoutMs: 2000 });
  const a = await client.read();
  await new Promise((r) => setTimeout(r, 100));
  const b = await client.read();
  assert(b.domains["package-0"].totalUj > a.domains["package-0"].totalUj);
  assertEquals(b.hostTotalUj, b.domains["package-0"].totalUj + b.domains["dram-0"].totalUj);
  assertEquals(b.source, "sim");
  const stats = await client.stats();
  assertEquals(stats.intervalMs, 20);
  assertEquals(stats.clients.active, 1);
  const domains = await client.domains();
  assertEquals(domains.map((d) => [d.name, d.kind, d.inHostTotal]), [
    ["package-0", "package", true],
    ["dram-0", "dram", true],
  ]);
  assertEquals(domains[0].wrapModulus, 2n ** 32n);
  assertEquals(domains[0].ujPerRaw, { num: 1n, den: 1n });
  const health = await client.health();
  assertEquals(health.status, "ok");
  assertEquals(health.simulated, true);
  assertEquals(health.problems, []);
  client.close();
  assertEquals(await g.stop(), 0);
  await assertGone(socketPath);
  assert(g.source.closed);
  const log = g.log.join("");
  assert(log.includes("source: sim (SIMULATED"), log);
  assert(log.includes(`mode 0660 group ${GROUP} (gid ${GID})`), log);
  assert(log.includes("host total domains: package-0 + dram-0"), log);
});

async function assertGone(path: string) {
  try {
    await Deno.lstat(path);
    assert(false, `${path} still exists`);
  } catch (e) {
    assert(e instanceof Deno.errors.NotFound);
  }
}

Deno.test("governor refuses to start when a regular file sits at the socket path", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  await Deno.writeTextFile(socketPath, "precious");
  const g = await startGovernor({ socketPath });
  assertEquals(g.code, 1);
  assert(g.log.join("").includes("not a socket; refusing to remove it"), g.log.join(""));
  assertEquals(await Deno.readTextFile(socketPath), "precious");
  assert(g.source.closed);
});

Deno.test("governor replaces a stale socket left by a dead process", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  // a socket file nobody listens on (as after SIGKILL): Deno unlinks a listener's own path on
  // close, so keep a second name for it
  const stale = Deno.listen({ transport: "unix", path: dir.join("x.sock") });
  await Deno.link(dir.join("x.sock"), socketPath);
  stale.close();
  assert((await Deno.lstat(socketPath)).isSocket);
  const g = await startGovernor({ socketPath });
  assertEquals(g.code, null, g.log.join(""));
  assert(g.log.join("").includes("replaced a stale socket"));
  const r = await new GovernorClient({ socketPath }).read();
  assert(r.instance.length > 0);
  assertEquals(await g.stop(), 0);
});

Deno.test("governor exits 1 when another governor is live on the socket", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const first = await startGovernor({ socketPath });
  assertEquals(first.code, null);
  const second = await startGovernor({ socketPath });
  assertEquals(second.code, 1);
  assert(second.log.join("").includes("already listening"), second.log.join(""));
  // the first is untouched and still answers
  const client = new GovernorClient({ socketPath });
  assertEquals((await client.read()).instance, (await client.read()).instance);
  client.close();
  assertEquals(await first.stop(), 0);
});

Deno.test("governor exits 1 with a next step when the socket group does not exist", async () => {
  await using dir = await tempDir();
  const g = await startGovernor({
    socketPath: dir.join("g.sock"),
    socketGroup: "no-such-group-xyz",
  });
  assertEquals(g.code, 1);
  assert(g.log.join("").includes("groupadd"), g.log.join(""));
});

Deno.test("governor persists totals and a restart continues them under a new instance", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const statePath = dir.join("state.json");
  const a = await startGovernor({ socketPath, statePath }, {
    instance: "aaaaaaaa-0000-4000-8000-000000000000",
  });
  await new Promise((r) => setTimeout(r, 100));
  const before = await new GovernorClient({ socketPath }).read();
  assertEquals(await a.stop(), 0);
  const saved = JSON.parse(await Deno.readTextFile(statePath));
  assertEquals(saved.instance, "aaaaaaaa-0000-4000-8000-000000000000");
  assert(BigInt(saved.domains["package-0"].totalUj) >= before.domains["package-0"].totalUj);
  const b = await startGovernor({ socketPath, statePath }, {
    instance: "bbbbbbbb-0000-4000-8000-000000000000",
  });
  const after = await new GovernorClient({ socketPath }).read();
  assertEquals(after.instance, "bbbbbbbb-0000-4000-8000-000000000000");
  assertEquals(after.continues, "aaaaaaaa-0000-4000-8000-000000000000");
  assert(after.domains["package-0"].totalUj >= BigInt(saved.domains["package-0"].totalUj));
  assertEquals(await b.stop(), 0);
  assert(b.log.join("").includes("continuing totals of instance aaaaaaaa"));
});

Deno.test("governor keeps a corrupt state file aside and starts from zero", async () => {
  await using dir = await tempDir();
  const statePath = dir.join("state.json");
  await Deno.writeTextFile(statePath, "{ torn");
  const g = await startGovernor({ socketPath: dir.join("g.sock"), statePath });
  assert(g.log.join("").includes("is corrupt"), g.log.join(""));
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert(names.some((n) => n.startsWith("state.json.corrupt-")), names.join(","));
  assertEquals(
    (await new GovernorClient({ socketPath: dir.join("g.sock") }).read()).continues,
    null,
  );
  assertEquals(await g.stop(), 0);
});

Deno.test("GovernorClient reports not_running for a missing socket and rejects non-v1 peers", async () => {
  await using dir = await tempDir();
  const missing = new GovernorClient({ socketPath: dir.join("none.sock"), timeoutMs: 500 });
  const e1 = await missing.read().catch((e) => e);
  assert(e1 instanceof GovernorUnavailableError);
  assertEquals(e1.reason, "not_running");
  assertEquals(e1.socketPath, dir.join("none.sock"));
  // a peer that answers v2
  const path = dir.join("v2.sock");
  const l = Deno.listen({ transport: "unix", path });
  const serve = (async () => {
    const c = await l.accept();
    await c.read(new Uint8Array(100));
    await c.write(new TextEncoder().encode('{"v":2,"ok":true}\n'));
    const c2 = await l.accept(); // silent peer: the client must time out
    await new Promise((r) => setTimeout(r, 400));
    c.close();
    c2.close();
  })();
  const client = new GovernorClient({ socketPath: path, timeoutMs: 200 });
  const e2 = await client.read().catch((e) => e);
  assertEquals(e2.reason, "protocol");
  const e3 = await client.read().catch((e) => e);
  assertEquals(e3.reason, "timeout");
  client.close();
  await serve;
  l.close();
});

Deno.test("governor serves OpenMetrics energy counters and health on metricsListen", async () => {
  await using dir = await tempDir();
  const g = await startGovernor({ socketPath: dir.join("g.sock"), metricsListen: "127.0.0.1:0" });
  assertEquals(g.code, null, g.log.join(""));
  const port = g.metricsPort();
  assert(port !== null && port > 0);
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { accept: "application/openmetrics-text; version=1.0.0" },
  });
  assertEquals(res.status, 200);
  assert(
    res.headers.get("content-type")!.startsWith("application/openmetrics-text; version=1.0.0"),
  );
  const text = await res.text();
  assert(text.endsWith("# EOF\n"), text.slice(-50));
  assert(/carbon_ops_energy_joules_total\{domain="package-0"\} [0-9.]+\n/.test(text), text);
  assert(text.includes('carbon_ops_health{carbon_ops_health="ok"} 1'), text);
  const missing = await fetch(`http://127.0.0.1:${port}/other`);
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
  assert(g.log.join("").includes(`metrics: http://127.0.0.1:${port}/metrics`), g.log.join(""));
  assertEquals(await g.stop(), 0);
});

Deno.test("governor exits 1 when the socket directory does not exist or the path is too long", async () => {
  await using dir = await tempDir();
  const missing = await startGovernor({ socketPath: dir.join("no", "such", "g.sock") });
  assertEquals(missing.code, 1);
  assert(missing.log.join("").includes("cannot start"), missing.log.join(""));
  const long = await startGovernor({ socketPath: dir.join("x".repeat(120) + ".sock") });
  assertEquals(long.code, 1);
  assert(long.log.join("").includes("too long"), long.log.join(""));
});

Deno.test("governor that finds another one running leaves the shared state file alone", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const statePath = dir.join("state.json");
  const first = await startGovernor({ socketPath, statePath });
  await first.stop(); // writes the state
  const saved = await Deno.readTextFile(statePath);
  const live = await startGovernor({ socketPath }); // no statePath: never writes it
  const second = await startGovernor({ socketPath, statePath });
  assertEquals(second.code, 1);
  assertEquals(await Deno.readTextFile(statePath), saved);
  assertEquals(await live.stop(), 0);
});

/** A valid v1 answer to `op` whose `instance` names the op, so a misrouted answer shows. */
function answerNamed(op: Op): string {
  const latency = { p50Ms: 0, p99Ms: 0, maxMs: 0, window: 0 };
  const values: ResponseValues = {
    read: {
      instance: op,
      continues: null,
      source: "sim",
      monoNs: 0n,
      time: "2026-01-01T00:00:00.000Z",
      domains: {},
      hostTotalUj: 0n,
      hostTotalDomains: [],
    },
    domains: { instance: op, source: "sim", domains: [] },
    health: {
      instance: op,
      source: "sim",
      status: "ok",
      problems: [],
      simulated: true,
      uptimeS: 0,
      domains: {},
    },
    stats: {
      instance: op,
      intervalMs: 100,
      ticks: 0,
      overruns: 0,
      missedTicks: 0,
      tickLatenessMs: latency,
      tickDurationMs: latency,
      clients: {
        active: 1,
        accepted: 1,
        rejected: 0,
        timedOut: 0,
        oversized: 0,
        badRequests: 0,
        requests: 0,
        evicted: 0,
        requestTimedOut: 0,
      },
      rssBytes: 0,
      uptimeS: 0,
      workloads: null,
    },
    workloads: {
      instance: op,
      monoNs: 0n,
      timeMs: 0,
      policy: "idle",
      intervals: 0,
      domains: {},
      workloads: {},
    },
  };
  return encodeResponseLine(op, values[op]);
}

Deno.test("GovernorClient never hands a late answer to the next request after a timeout", async () => {
  await using dir = await tempDir();
  const path = dir.join("slow.sock");
  const listener = Deno.listen({ transport: "unix", path });
  const enc = new TextEncoder();
  const conns: Deno.UnixConn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(4096);
        for (;;) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) return;
          const op = JSON.parse(new TextDecoder().decode(buf.subarray(0, n))).op as Op;
          if (op === "health") await new Promise((r) => setTimeout(r, 300)); // too slow
          await conn.write(enc.encode(answerNamed(op))).catch(() => {});
        }
      })();
    }
  })();
  const client = new GovernorClient({ socketPath: path, timeoutMs: 100 });
  assertEquals((await client.request("stats")).instance, "stats");
  const late = await client.request("health").catch((e) => e);
  assertEquals(late.reason, "timeout");
  await new Promise((r) => setTimeout(r, 400)); // the late answer arrives meanwhile
  assertEquals((await client.request("domains")).instance, "domains");
  assertEquals((await client.request("stats")).instance, "stats");
  client.close();
  listener.close();
  for (const c of conns) {
    try {
      c.close();
    } catch { /* closed */ }
  }
  await serving.catch(() => {});
});

Deno.test("governor answers a last request that ends at EOF without a newline", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const g = await startGovernor({ socketPath });
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  await conn.write(new TextEncoder().encode('{"v":1,"op":"health"}\n{"v":1,"op":"read"}'));
  await conn.closeWrite();
  let text = "";
  const buf = new Uint8Array(65_536);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  conn.close();
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((l) => l.ok), [true, true]);
  assert("status" in lines[0] && "host_total_uj" in lines[1]);
  assertEquals(await g.stop(), 0);
});

Deno.test("governor exits 1 and removes its socket when the metrics port is taken", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const busyPort = (busy.addr as Deno.NetAddr).port;
  const g = await startGovernor({ socketPath, metricsListen: `127.0.0.1:${busyPort}` });
  busy.close();
  assertEquals(g.code, 1);
  const log = g.log.join("");
  assert(log.includes("cannot start"), log);
  // names the address, and the flag and config key that change it
  assert(log.includes(`metrics address 127.0.0.1:${busyPort} is already in use`), log);
  assert(log.includes("--metrics-listen") && log.includes("governor.metricsListen"), log);
  await assertGone(socketPath);
  assert(g.source.closed);
});
