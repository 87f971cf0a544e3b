/**
 * Protocol fuzzing against the real daemon process: random bytes, huge lines, half-open, slow,
 * idle and non-reading clients, 200 concurrent clients and a connection flood. Afterwards the
 * daemon still answers and its RSS stays bounded.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { GovernorClient } from "../../lib/energy/governor_client.ts";
import { startGovernorProcess } from "../_kit/governor_process.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function readAll(conn: Deno.Conn, limitMs: number): Promise<string> {
  let text = "";
  const buf = new Uint8Array(65_536);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
  } catch { /* closed by the timer or reset */ }
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* closed */ }
  return text;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<boolean> {
  try {
    for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
    return true;
  } catch {
    return false; // the daemon closed us (expected for oversized lines)
  }
}

Deno.test("governor survives fuzzed, oversized, slow, idle and flooding clients with bounded RSS", async () => {
  await using dir = await tempDir();
  const socketPath = dir.join("g.sock");
  await using gov = await startGovernorProcess(
    socketPath,
    ["--rapl-mode=sim", "--group", "daemon"],
    {
      env: {
        CARBON_OPS_GOVERNOR_IDLE_TIMEOUT_MS: "1000",
        CARBON_OPS_GOVERNOR_MAX_CLIENTS: "256",
      },
    },
  );
  const connect = () => Deno.connect({ transport: "unix", path: socketPath });
  const warm = new GovernorClient({ socketPath, timeoutMs: 3000 });
  for (let i = 0; i < 200; i++) await warm.read();
  const rssBefore = await gov.rssBytes();

  async function abuse(): Promise<void> {
    // 1. random bytes (with and without newlines): every complete line gets a v1 answer
    const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4096 }), {
      numRuns: 60,
      seed: 42,
    });
    await Promise.all(samples.map(async (bytes) => {
      const conn = await connect();
      await writeAll(conn, bytes);
      await conn.closeWrite().catch(() => {});
      const text = await readAll(conn, 5000);
      for (const line of text.split("\n").filter(Boolean)) {
        const r = JSON.parse(line);
        assertEquals(r.v, 1);
        assertEquals(r.ok, false);
      }
    }));

    // 2. a line over 64 KiB: line_too_long, then the connection is closed
    for (const size of [65_537, 1_000_000, 8_000_000]) {
      const conn = await connect();
      const sending = writeAll(conn, new Uint8Array(size).fill(0x61));
      const text = await readAll(conn, 5000);
      await sending;
      assert(text.includes('"code":"line_too_long"'), `size ${size}: ${text.slice(0, 200)}`);
    }

    // 3. half-open: request then shutdown(SHUT_WR); the answer still arrives, then EOF
    {
      const conn = await connect();
      await writeAll(conn, enc.encode('{"v":1,"op":"read"}\n{"v":1,"op":"health"}\n'));
      await conn.closeWrite();
      const lines = (await readAll(conn, 3000)).trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(lines.map((l) => l.ok), [true, true]);
      assert("host_total_uj" in lines[0] && "status" in lines[1]);
    }

    // 4. slow client: one byte every 10 ms, still answered
    {
      const conn = await connect();
      for (const b of enc.encode('{"v":1,"op":"stats"}\n')) {
        await writeAll(conn, new Uint8Array([b]));
        await new Promise((r) => setTimeout(r, 10));
      }
      const buf = new Uint8Array(65_536);
      const n = await conn.read(buf);
      assert(n !== null && JSON.parse(dec.decode(buf.subarray(0, n))).ok === true);
      conn.close();
    }

    // 5. idle client and a client that never reads its answers: both closed by the idle timer
    {
      const idle = await connect();
      const t0 = Date.now();
      const idleText = await readAll(idle, 8000);
      assertEquals(idleText, "");
      const waited = Date.now() - t0;
      assert(waited >= 900 && waited < 6000, `idle close after ${waited} ms`);
      const greedy = await connect();
      const flood = enc.encode('{"v":1,"op":"read"}\n'.repeat(2000));
      let writes = 0;
      const start = Date.now();
      while (Date.now() - start < 8000 && await writeAll(greedy, flood)) writes++;
      assert(Date.now() - start < 8000, `a non-reading client was not cut off (${writes} writes)`);
      greedy.close();
    }

    // 6. 200 concurrent clients, several requests each on one connection
    const clients = Array.from(
      { length: 200 },
      () => new GovernorClient({ socketPath, timeoutMs: 10_000 }),
    );
    const results = await Promise.all(clients.map(async (c) => {
      const r1 = await c.read();
      const r2 = await c.read();
      await c.request("health");
      c.close();
      return r2.hostTotalUj >= r1.hostTotalUj;
    }));
    assert(results.every(Boolean));

    // 7. connection flood beyond maxClients: each new one evicts the oldest idle connection
    // (closed without a word), nobody crashes
    const flood = await Promise.all(Array.from({ length: 300 }, () => connect()));
    await new Promise((r) => setTimeout(r, 300));
    const evicted = await Promise.all(flood.map(async (c) => {
      const buf = new Uint8Array(1024);
      let timedOut = false;
      const t = setTimeout(() => { // kept ones stay silent until then
        timedOut = true;
        c.close();
      }, 2000);
      try {
        return await c.read(buf) === null && !timedOut;
      } catch {
        return false;
      } finally {
        clearTimeout(t);
        try {
          c.close();
        } catch { /* closed */ }
      }
    }));
    const nEvicted = evicted.filter(Boolean).length;
    assert(nEvicted >= 44 && nEvicted <= 300, `evicted ${nEvicted}`);
  }

  await abuse();
  const rssRound1 = await gov.rssBytes();
  await abuse(); // the same again: memory must not keep growing
  const rssRound2 = await gov.rssBytes();

  // still answering, counters say what happened, memory bounded
  await new Promise((r) => setTimeout(r, 500));
  const stats = await warm.stats();
  const clientsStats = stats.clients;
  assert(clientsStats.oversized >= 6, JSON.stringify(clientsStats));
  assert(clientsStats.timedOut >= 4, JSON.stringify(clientsStats));
  assert(clientsStats.evicted >= 88, JSON.stringify(clientsStats));
  assert((await warm.read()).hostTotalUj > 0n);
  warm.close();
  const rssAfter = await gov.rssBytes();
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const trail = `RSS ${mib(rssBefore)} -> ${mib(rssRound1)} -> ${mib(rssRound2)} -> ${
    mib(rssAfter)
  }`;
  // a second identical round of abuse must not grow memory by much (bounded, not leaking)
  assert(rssRound2 < rssRound1 + 16 * 2 ** 20, trail);
  assert(rssAfter < 192 * 2 ** 20, trail);
  assertEquals(await gov.stop(), 0);
});
