import assert from "node:assert/strict";
import {
  type CheckpointInput,
  generateSigningKey,
  initLedger,
  LedgerWriter,
  type TrustFile,
  writeCheckpoint,
} from "../../lib/ledger/mod.ts";
import {
  fleetToText,
  type FleetTrust,
  verifyFleet,
  worstExitCode,
} from "../../lib/ledger/fleet.ts";
import { tempDir } from "../_kit/temp_dir.ts";

interface Host {
  dir: string;
  trust: TrustFile;
  named: FleetTrust;
  held: CheckpointInput;
}

/** A host's ledger with one note, the auditor's trust file and a checkpoint the auditor holds. */
async function host(root: string, name: string): Promise<Host> {
  const dir = `${root}/${name}`;
  const key = generateSigningKey();
  const { trust } = await initLedger(dir, { origin: `example.org/${name}`, key });
  await using w = await LedgerWriter.open(dir, { key });
  await w.append("note", { text: `hello from ${name}` });
  const held = { source: `held/${name}.checkpoint`, note: (await writeCheckpoint(dir, key)).note };
  return { dir, trust, named: { source: `trust/${name}.json`, trust }, held };
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
  assert.deepEqual(mixed.coverage.map((c) => [c.kind, c.origin]), [
    ["ledger", "example.org/host-03"],
  ]);
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

Deno.test("a host's directory replaced by a copy of another host's does not verify", async () => {
  await using root = await tempDir();
  const a = await host(root.path, "host-a");
  const b = await host(root.path, "host-b");
  const before = await verifyFleet([a.dir, b.dir], {
    trusts: [a.named, b.named],
    checkpoints: [a.held],
  });
  assert.equal(before.exitCode, 0, fleetToText(before));
  assert.deepEqual(before.coverage, []);

  // The review's attack: A's ledger directory replaced by a copy of B's.
  await Deno.remove(a.dir, { recursive: true });
  await Deno.mkdir(a.dir);
  for await (const e of Deno.readDir(b.dir)) {
    if (e.isFile) await Deno.copyFile(`${b.dir}/${e.name}`, `${a.dir}/${e.name}`);
  }
  const fleet = await verifyFleet([a.dir, b.dir], {
    trusts: [a.named, b.named],
    checkpoints: [a.held],
  });
  assert.equal(fleet.exitCode, 4, fleetToText(fleet));
  assert.deepEqual(fleet.coverage.map((c) => [c.kind, c.source]), [
    ["ledger", b.dir],
    ["trust", "trust/host-a.json"],
    ["checkpoint", "held/host-a.checkpoint"],
  ]);
  const text = fleetToText(fleet);
  assert.match(
    text,
    /coverage: trust file trust\/host-a\.json \(origin example\.org\/host-a\) was used by no ledger/,
  );
  assert.match(
    text,
    /coverage: checkpoint held\/host-a\.checkpoint \(origin example\.org\/host-a\) was used by no ledger/,
  );
  assert.match(text, /has origin example\.org\/host-b, as does .*host-a/);
  assert.match(text, /fleet: 2 ledgers \(2 valid\), 3 coverage problem\(s\); exit 4/);
});

Deno.test("a trust file whose origin no ledger has is an orphan and a trust failure", async () => {
  await using root = await tempDir();
  const [a, b] = await Promise.all(["host-a", "host-b"].map((n) => host(root.path, n)));
  const fleet = await verifyFleet([a.dir], { trusts: [a.named, b.named] });
  assert.equal(fleet.exitCode, 4);
  assert.deepEqual(fleet.byStatus, { valid: 1 });
  assert.equal(fleet.coverage.length, 1);
  assert.equal(fleet.coverage[0].kind, "trust");
  assert.equal(fleet.coverage[0].origin, "example.org/host-b");
  assert.match(
    fleet.coverage[0].problem,
    /trust\/host-b\.json .* no ledger directory given has that origin/,
  );
});

Deno.test("a second trust file for one origin is unused and named", async () => {
  await using root = await tempDir();
  const a = await host(root.path, "host-a");
  const second = { source: "trust/host-a-copy.json", trust: a.trust };
  const fleet = await verifyFleet([a.dir], { trusts: [a.named, second] });
  assert.equal(fleet.exitCode, 4);
  assert.deepEqual(fleet.coverage.map((c) => [c.kind, c.source]), [[
    "trust",
    "trust/host-a-copy.json",
  ]]);
  assert.match(fleet.coverage[0].problem, /trust\/host-a\.json already covers that origin/);
});

Deno.test("a held checkpoint whose origin no ledger has is an orphan and a trust failure", async () => {
  await using root = await tempDir();
  const [a, b] = await Promise.all(["host-a", "host-b"].map((n) => host(root.path, n)));
  const fleet = await verifyFleet([a.dir], { trusts: [a.named], checkpoints: [a.held, b.held] });
  assert.equal(fleet.exitCode, 4);
  assert.equal(fleet.entries[0].checkpoints >= 1, true);
  assert.deepEqual(fleet.coverage.map((c) => [c.kind, c.source, c.origin]), [
    ["checkpoint", "held/host-b.checkpoint", "example.org/host-b"],
  ]);
});

Deno.test("a ledger with no trust file is named as uncovered, and so is its unused checkpoint", async () => {
  await using root = await tempDir();
  const [a, b] = await Promise.all(["host-a", "host-b"].map((n) => host(root.path, n)));
  const fleet = await verifyFleet([a.dir, b.dir], {
    trusts: [a.named],
    checkpoints: [a.held, b.held],
  });
  assert.equal(fleet.exitCode, 4);
  assert.deepEqual(fleet.entries.map((e) => e.status), ["valid", "untrusted"]);
  assert.deepEqual(fleet.coverage.map((c) => [c.kind, c.source]), [
    ["ledger", b.dir],
    ["checkpoint", "held/host-b.checkpoint"],
  ]);
  assert.match(
    fleet.coverage[0].problem,
    /origin example\.org\/host-b\) is covered by no trust file/,
  );
  assert.match(fleet.coverage[1].problem, /has no trust file to check it with/);
});

Deno.test("two directories with one origin are a trust failure even when both verify", async () => {
  await using root = await tempDir();
  const a = await host(root.path, "host-a");
  const copy = `${root.path}/copy`;
  await Deno.mkdir(copy);
  for await (const e of Deno.readDir(a.dir)) {
    if (e.isFile) await Deno.copyFile(`${a.dir}/${e.name}`, `${copy}/${e.name}`);
  }
  const fleet = await verifyFleet([a.dir, copy], { trusts: [a.named], checkpoints: [a.held] });
  assert.deepEqual(fleet.byStatus, { valid: 2 });
  assert.equal(fleet.exitCode, 4);
  assert.deepEqual(fleet.coverage.map((c) => [c.kind, c.source]), [["ledger", copy]]);
});

Deno.test("trust files given without a name are reported by position", async () => {
  await using root = await tempDir();
  const [a, b] = await Promise.all(["host-a", "host-b"].map((n) => host(root.path, n)));
  const fleet = await verifyFleet([a.dir], { trusts: [a.trust, b.trust] });
  assert.deepEqual(fleet.coverage.map((c) => c.source), ["trust file #2"]);
});
