import assert from "node:assert/strict";
import { type GovernorReadClient, GovernorReader } from "../../lib/energy/governor_reader.ts";
import type { GovernorReading } from "../../lib/energy/wire.ts";

function reading(
  over: { instance?: string; total?: bigint; resets?: number; stalls?: number },
): GovernorReading {
  const d = {
    totalUj: over.total ?? 0n,
    deltaUj: 0n,
    wraps: 0,
    resets: over.resets ?? 0,
    discarded: 0,
    readErrors: 0,
    stalls: over.stalls ?? 0,
    stalled: false,
    coverage: 1,
  };
  return {
    instance: over.instance ?? "a",
    continues: null,
    source: "sysfs",
    monoNs: 0n,
    time: "2026-01-01T00:00:00.000Z",
    domains: { "package-0": d, "core-0": { ...d, resets: 99 } },
    hostTotalUj: over.total ?? 0n,
    hostTotalDomains: ["package-0"],
  };
}

Deno.test("GovernorReader identity changes on a restart, reset or stall of a host domain only", async () => {
  const queue: GovernorReading[] = [
    reading({ total: 10n }),
    reading({ total: 20n }),
    reading({ total: 25n, resets: 1 }),
    reading({ total: 30n, resets: 1, stalls: 1 }),
    reading({ instance: "b", total: 5n, resets: 1, stalls: 1 }),
  ];
  const client: GovernorReadClient = {
    read: () => Promise.resolve(queue.shift() as GovernorReading),
    close() {},
  };
  const r = new GovernorReader(client);
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const x = await r.read();
    assert.equal(x.source, "governor");
    assert.equal(x.backend, "sysfs");
    assert.equal(x.simulated, false);
    ids.push(x.instance);
  }
  assert.equal(ids[0], ids[1], "same counter: comparable");
  assert.notEqual(ids[1], ids[2], "a reset breaks comparability");
  assert.notEqual(ids[2], ids[3], "a stall breaks comparability");
  assert.notEqual(ids[3], ids[4], "a restart breaks comparability");
  assert.ok(!ids[0].includes("99"), "non-host domains (core) are ignored");
});

Deno.test("GovernorReader rejects when the client cannot reach the governor", async () => {
  const r = new GovernorReader({
    read: () => Promise.reject(new Error("no governor is running")),
    close() {},
  });
  await assert.rejects(r.read(), /no governor/);
});

Deno.test("GovernorReader marks readings of the governor's sim source, or an unknown one, simulated", async () => {
  const queue: GovernorReading[] = [
    { ...reading({}), source: "sim" },
    { ...reading({}), source: "something-new" },
  ];
  const r = new GovernorReader({
    read: () => Promise.resolve(queue.shift() as GovernorReading),
    close() {},
  });
  const sim = await r.read();
  assert.equal(sim.backend, "sim");
  assert.equal(sim.simulated, true);
  const unknown = await r.read();
  assert.equal(unknown.backend, undefined);
  assert.equal(unknown.simulated, true, "an unknown source is never taken as measured");
});
