import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { acceptLoop } from "../../governor/accept_loop.ts";
import { parseRequestHead } from "../../governor/http_request_head.ts";
import { serveMetrics } from "../../governor/metrics.ts";
import { GovernorServer } from "../../governor/server.ts";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Resolves once `cond` holds; fails after `timeoutMs` (a readiness wait, not a fixed sleep). */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads until EOF; throws if EOF has not come within `timeoutMs`. */
async function readToEof(conn: Deno.Conn, timeoutMs: number): Promise<string> {
  let text = "";
  let expired = false;
  const t = setTimeout(() => {
    expired = true;
    conn.close();
  }, timeoutMs);
  const buf = new Uint8Array(65_536);
  try {
    for (;;) {
      const n = await conn.read(buf).catch((e) => {
        if (expired) return "expired" as const;
        if (e instanceof Deno.errors.ConnectionReset) return null;
        throw e;
      });
      if (n === "expired") throw new Error(`not closed within ${timeoutMs} ms; got ${text}`);
      if (n === null) return text;
      text += dec.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(t);
    if (!expired) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }
}

async function httpRaw(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(enc.encode(request));
  return await readToEof(conn, 5000);
}

Deno.test("metrics endpoint closes a partial request head at the header deadline", async () => {
  const m = serveMetrics("127.0.0.1:0", () => "# EOF\n", { headerTimeoutMs: 200 });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: m.addr.port });
    const t0 = performance.now();
    await conn.write(enc.encode("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
    const text = await readToEof(conn, 5000);
    const waited = performance.now() - t0;
    assertEquals(text, "");
    assert(waited >= 150, `closed after ${waited} ms, before the deadline`);
    assertEquals(m.counters().timedOut, 1);
    // a complete request on a fresh connection is still served
    const res = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`);
    assertEquals(await res.text(), "# EOF\n");
  } finally {
    await m.close();
  }
});

Deno.test("metrics endpoint evicts held idle connections so a scrape succeeds at its limit", async () => {
  const m = serveMetrics("127.0.0.1:0", () => "# EOF\n", {
    maxConnections: 8,
    headerTimeoutMs: 60_000, // only eviction can make room within the test
  });
  const held: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: m.addr.port }));
    }
    await until(() => m.counters().accepted === 50, "50 accepted connections");
    assertEquals(m.counters().active, 8);
    assertEquals(m.counters().evicted, 42);
    const res = await fetch(`http://127.0.0.1:${m.addr.port}/metrics`);
    assertEquals(res.status, 200);
    assertEquals(await res.text(), "# EOF\n");
  } finally {
    for (const c of held) {
      try {
        c.close();
      } catch { /* closed by the server */ }
    }
    await m.close();
  }
});

Deno.test("metrics endpoint answers only GET and HEAD of /metrics, strictly, with Connection: close", async () => {
  const accepts: (string | null)[] = [];
  const m = serveMetrics("127.0.0.1:0", (req) => {
    accepts.push(req.accept);
    return "# EOF\n";
  }, { maxHeaderBytes: 1024, minPeriodMs: 0 });
  try {
    const ok = await httpRaw(
      m.addr.port,
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text\r\n\r\n",
    );
    assert(ok.startsWith("HTTP/1.1 200 OK\r\n"), ok);
    assert(ok.includes("\r\nconnection: close\r\n"), ok);
    assert(ok.includes("content-type: application/openmetrics-text; version=1.0.0"), ok);
    assert(ok.endsWith("\r\n\r\n# EOF\n"), ok);
    assertEquals(accepts, ["application/openmetrics-text"]);
    const head = await httpRaw(m.addr.port, "HEAD /metrics HTTP/1.1\r\n\r\n");
    assert(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), head);
    assert(head.includes("content-length: 6\r\n"), head);
    const post = await httpRaw(m.addr.port, "POST /metrics HTTP/1.1\r\n\r\n");
    assert(post.startsWith("HTTP/1.1 405 ") && post.includes("allow: GET, HEAD"), post);
    const other = await httpRaw(m.addr.port, "GET /other HTTP/1.1\r\n\r\n");
    assert(other.startsWith("HTTP/1.1 404 ") && other.endsWith("not found: try /metrics\n"));
    const junk = await httpRaw(m.addr.port, "GET /metrics HTTP/1.1\r\n bad fold\r\n\r\n");
    assert(junk.startsWith("HTTP/1.1 400 "), junk);
    const big = await httpRaw(m.addr.port, `GET /metrics HTTP/1.1\r\nX: ${"a".repeat(2000)}`);
    assert(big.startsWith("HTTP/1.1 431 "), big);
    assertEquals(m.counters().badRequests, 4);
  } finally {
    await m.close();
  }
});

Deno.test("request head parser never throws and accepts exactly the well-formed GET heads", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const r = parseRequestHead(bytes);
      assert(r.ok === true || r.status === 400);
    }),
    { numRuns: 2000 },
  );
  const token = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
  const value = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim());
  fc.assert(
    fc.property(
      fc.stringMatching(/^\/[a-z0-9/._-]{0,30}$/),
      fc.array(fc.tuple(token, value), { maxLength: 8 }),
      (path, fields) => {
        const clean = fields.filter(([k]) =>
          !["transfer-encoding", "content-length"].includes(k.toLowerCase())
        );
        const text = `GET ${path} HTTP/1.1\r\n` + clean.map(([k, v]) => `${k}: ${v}\r\n`).join("") +
          "\r\n";
        const r = parseRequestHead(enc.encode(text));
        assert(r.ok, text);
        assertEquals(r.path, path);
        const accepts = clean.filter(([k]) => k.toLowerCase() === "accept").map(([, v]) => v);
        assertEquals(r.accept, accepts.length ? accepts.join(", ") : null);
      },
    ),
  );
});

Deno.test("metrics address in use names the address and the setting to change", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const listen = `127.0.0.1:${busy.addr.port}`;
  try {
    let error: unknown;
    try {
      await serveMetrics(listen, () => "# EOF\n").close();
    } catch (e) {
      error = e;
    }
    assert(error instanceof Deno.errors.AddrInUse, String(error));
    assert(error.message.includes(`metrics address ${listen} is already in use`), error.message);
    assert(error.message.includes("--metrics-listen"), error.message);
    assert(error.message.includes("governor.metricsListen"), error.message);
  } finally {
    busy.close();
  }
});

Deno.test("accept loop survives failing accepts with backoff and logs once per burst", async () => {
  const lines: string[] = [];
  const got: number[] = [];
  // two bursts of EMFILE-like failures around two connections, then the listener closes
  const steps = [..."ffffcffc", "x"];
  let failures = 0;
  const total = await acceptLoop(
    {
      accept: () => {
        const step = steps.shift();
        if (step === "f") return Promise.reject(new Error("Too many open files (os error 24)"));
        if (step === "c") return Promise.resolve(got.length + 1);
        return Promise.reject(new Deno.errors.BadResource("listener closed"));
      },
    },
    (n) => void got.push(n),
    {
      what: "metrics 127.0.0.1:1",
      signal: new AbortController().signal,
      log: (l) => void lines.push(l),
      initialBackoffMs: 1,
      maxBackoffMs: 4,
      onFailure: () => void failures++,
    },
  );
  assertEquals(total, 6);
  assertEquals(failures, 6);
  assertEquals(got, [1, 2]);
  assertEquals(lines.length, 4, lines.join("\n"));
  assert(lines[0].includes("failed: Too many open files"), lines[0]);
  assert(lines[1].includes("works again after 4 failed accepts"), lines[1]);
  assert(lines[3].includes("works again after 2 failed accepts"), lines[3]);
});

Deno.test("socket closes a request line dripped byte by byte at requestTimeoutMs although it never idles", async () => {
  await using dir = await tempDir();
  const server = await GovernorServer.start(() => ({ line: "pong\n", error: false }), {
    socketPath: dir.join("g.sock"),
    idleTimeoutMs: 60_000,
    requestTimeoutMs: 300,
  });
  try {
    const conn = await Deno.connect({ transport: "unix", path: server.path });
    const closed = readToEof(conn, 10_000);
    let sent = 0;
    const t0 = performance.now();
    let open = true;
    closed.finally(() => open = false);
    while (open && sent < 200) { // one byte every 20 ms: never idle, never a whole line
      await conn.write(enc.encode("{")).catch(() => {});
      sent++;
      await new Promise((r) => setTimeout(r, 20));
    }
    assertEquals(await closed, "");
    const waited = performance.now() - t0;
    assert(waited >= 250, `closed after ${waited} ms`);
    assertEquals(server.counters().requestTimedOut, 1);
    assertEquals(server.counters().timedOut, 0);
  } finally {
    await server.close();
  }
});

Deno.test("256 drip clients holding every socket slot cannot starve a well-behaved reader", async () => {
  await using dir = await tempDir();
  const server = await GovernorServer.start(
    (line) => ({ line: line === "ping" ? "pong\n" : "?\n", error: false }),
    {
      socketPath: dir.join("g.sock"),
      maxClients: 256,
      idleTimeoutMs: 1500, // the drip (a byte every 150 ms) keeps every one of them from idling
      requestTimeoutMs: 60_000, // only eviction can make room within the test
    },
  );
  const stop = new AbortController();
  const drippers: Deno.UnixConn[] = [];
  try {
    for (let i = 0; i < 256; i++) {
      drippers.push(await Deno.connect({ transport: "unix", path: server.path }));
    }
    const drip = Promise.all(drippers.map(async (c) => {
      for (let i = 0; i < 1000 && !stop.signal.aborted; i++) { // bounded: at most 1000 bytes
        const ok = await c.write(enc.encode("x")).then(() => true, () => false);
        if (!ok) return;
        await new Promise((r) => setTimeout(r, 150));
      }
    }));
    await until(() => server.counters().accepted === 256, "256 drip clients accepted");
    // every slot now holds a drip client past the idle timeout
    const connectedAt = performance.now();
    await until(
      () => server.counters().active === 256 && performance.now() - connectedAt > 1800,
      "all slots held past the idle timeout",
    );
    assertEquals(server.counters().timedOut, 0);
    const t0 = performance.now();
    const reader = await Deno.connect({ transport: "unix", path: server.path });
    await reader.write(enc.encode("ping\n"));
    const buf = new Uint8Array(64);
    const n = await reader.read(buf);
    const took = performance.now() - t0;
    reader.close();
    assertEquals(dec.decode(buf.subarray(0, n ?? 0)), "pong\n");
    assert(took < 5000, `the reader waited ${took} ms`);
    assertEquals(server.counters().evicted, 1);
    assertEquals(server.counters().rejected, 0);
    assertEquals(server.counters().timedOut, 0);
    stop.abort();
    await drip;
  } finally {
    stop.abort();
    for (const c of drippers) {
      try {
        c.close();
      } catch { /* evicted */ }
    }
    await server.close();
  }
});

Deno.test("socket answers too_many_clients only when every slot is busy answering", async () => {
  await using dir = await tempDir();
  const big = "x".repeat(1 << 20) + "\n"; // 1 MiB answers: a client that does not read blocks
  const server = await GovernorServer.start(() => ({ line: big, error: false }), {
    socketPath: dir.join("g.sock"),
    maxClients: 2,
    idleTimeoutMs: 60_000,
  });
  const hogs: Deno.UnixConn[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const c = await Deno.connect({ transport: "unix", path: server.path });
      await c.write(enc.encode("a\n")); // never reads its answer
      hogs.push(c);
    }
    await until(() => server.counters().requests === 2, "both answers in progress");
    const late = await Deno.connect({ transport: "unix", path: server.path });
    const text = await readToEof(late, 5000);
    assert(text.includes('"code":"too_many_clients"'), text);
    assertEquals(server.counters().rejected, 1);
    assertEquals(server.counters().evicted, 0);
  } finally {
    for (const c of hogs) c.close();
    await server.close();
  }
});

const hasPrlimit = await Deno.stat("/usr/bin/prlimit").then(() => true, () => false);

async function holdConnections(port: number, count: number): Promise<Deno.TcpConn[]> {
  const held: Deno.TcpConn[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(200, count - i) },
        () => Deno.connect({ hostname: "127.0.0.1", port }),
      ),
    );
    held.push(...batch);
  }
  return held;
}

function metricsPortOf(stderr: string): number {
  const m = /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
  if (!m) throw new Error(`no metrics line in: ${stderr}`);
  return Number(m[1]);
}

for (
  const [name, env] of [
    ["default limits", {}],
    // a connection limit above the descriptor limit: the daemon runs out of descriptors (EMFILE)
    // and must survive it
    ["a connection limit above LimitNOFILE", {
      CARBON_OPS_GOVERNOR_METRICS_MAX_CONNECTIONS: "4096",
      CARBON_OPS_GOVERNOR_METRICS_HEADER_TIMEOUT_MS: "5000",
    }],
  ] as const
) {
  Deno.test({
    name:
      `governor under LimitNOFILE 1024 keeps serving /metrics and the socket while 2,000 idle ` +
      `TCP connections are held (${name})`,
    ignore: !hasPrlimit,
    async fn() {
      await using dir = await tempDir();
      const socketPath = dir.join("g.sock");
      await using gov = await startGovernorProcess(socketPath, [
        "--rapl-mode=sim",
        "--group",
        "daemon",
        "--metrics-listen",
        "127.0.0.1:0",
      ], { prefix: ["prlimit", "--nofile=1024", "--"], env: { ...env } });
      const port = metricsPortOf(gov.stderr());
      const held = await holdConnections(port, 2000);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { accept: "application/openmetrics-text" },
          signal: AbortSignal.timeout(30_000),
        });
        assertEquals(res.status, 200);
        const text = await res.text();
        assert(text.endsWith("# EOF\n") && text.includes("carbon_ops_energy_joules"), text);
        const client = new GovernorClient({ socketPath, timeoutMs: 30_000 });
        assert((await client.read()).hostTotalUj >= 0n);
        client.close();
      } finally {
        for (const c of held) {
          try {
            c.close();
          } catch { /* closed by the daemon */ }
        }
      }
      // still running after all that; SIGTERM stops it cleanly and removes the socket
      assertEquals(await gov.stop("SIGTERM"), 0, gov.stderr());
      const log = gov.stderr();
      assert(log.includes(`socket ${socketPath} removed`), log);
      assert(!/uncaught|panicked/i.test(log), log);
      const failed = log.match(/accepting on metrics .* failed/g) ?? [];
      if (name === "default limits") assertEquals(failed.length, 0, log);
      else {
        // it did run out of descriptors, and said so once per burst, not once per accept
        assert(log.includes("Too many open files"), log);
        assert(failed.length >= 1 && failed.length <= 20, log);
      }
    },
  });
}
