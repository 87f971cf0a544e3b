import assert from "node:assert/strict";
import {
  generateSigningKey,
  initLedger,
  LedgerWriter,
  type TrustFile,
} from "../../lib/ledger/mod.ts";
import { fleetToText, verifyFleet, worstExitCode } from "../../lib/ledger/fleet.ts";
import { tempDir } from "../_kit/temp_dir.ts";

async function host(root: string, name: string): Promise<{ dir: string; trust: TrustFile }> {
  const dir = `${root}/${name}`;
  const key = generateSigningKey();
  const { trust } = await initLedger(dir, { origin: `example.org/${name}`, key });
  await using w = await LedgerWriter.open(dir, { key });
  await w.append("note", { text: `hello from ${name}` });
  return { dir, trust };
}

Deno.test("worstExitCode ranks invalid over trust over inconsistent over torn over valid", () => {
  assert.equal(worstExitCode([]), 0);
  assert.equal(worstExitCode([0, 5]), 5);
  assert.equal(worstExitCode([5, 3, 0]), 3);
  assert.equal(worstExitCode([3, 4]), 4);
  assert.equal(worstExitCode([4, 1, 5]), 1);
});

Deno.test("fleet verification matches trust files by origin and summarises every host", async () => {
  await using root = await tempDir();
  const hosts = await Promise.all(["host-01", "host-02", "host-03"].map((n) => host(root.path, n)));
  const trusts = hosts.map((h) => h.trust);
  const ok = await verifyFleet(hosts.map((h) => h.dir), { trusts });
  assert.equal(ok.exitCode, 0);
  assert.deepEqual(ok.byStatus, { valid: 3 });
  assert.match(fleetToText(ok), /fleet: 3 ledgers \(3 valid\); exit 0/);

  // host-02 tampered, host-03's trust file withheld, and a directory that is not a ledger.
  const path = `${hosts[1].dir}/ledger.jsonl`;
  const text = await Deno.readTextFile(path);
  await Deno.writeTextFile(path, text.replace("hello from host-02", "hello from host-XX"));
  const mixed = await verifyFleet([...hosts.map((h) => h.dir), `${root.path}/nothing`], {
    trusts: trusts.slice(0, 2),
  });
  assert.deepEqual(mixed.entries.map((e) => [e.status, e.exitCode]), [
    ["valid", 0],
    ["invalid", 1],
    ["untrusted", 4],
    ["unreadable", 1],
  ]);
  assert.equal(mixed.exitCode, 1);
  assert.match(mixed.entries[2].firstError ?? "", /no trust file for origin example\.org\/host-03/);
  assert.match(fleetToText(mixed), /host-02 +INVALID/);
});

Deno.test("fleet verification never uses a ledger's own trust.json", async () => {
  await using root = await tempDir();
  const a = await host(root.path, "host-a");
  const stranger = await host(root.path, "host-b");
  const fleet = await verifyFleet([a.dir], {
    trusts: [{ ...stranger.trust, origin: "example.org/host-a" }],
  });
  assert.equal(
    fleet.exitCode,
    4,
    "a trust file with the right origin but the wrong key is a trust problem",
  );
});
