import assert from "node:assert/strict";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { sampleEmission } from "../_kit/ledger_fixture.ts";

const ORIGIN = "carbon-ops.example/cli";

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

async function setup(root: string) {
  ok(
    await runCli([
      "keys",
      "generate",
      "--out",
      `${root}/keys`,
      "--name",
      "host",
      "--origin",
      ORIGIN,
    ]),
    "keys generate",
  );
  const key = `${root}/keys/host.key`;
  const ledger = `${root}/ledger`;
  ok(await runCli(["ledger", "init", ledger, "--origin", ORIGIN, "--key", key]), "init");
  return { key, ledger, trust: `${ledger}/trust.json` };
}

Deno.test("ledger and keys help list the subcommands and the verifier's exit codes", async () => {
  const group = ok(await runCli(["ledger", "--help"]), "ledger --help");
  for (const sub of ["init", "append", "verify", "checkpoint", "show", "totals"]) {
    assert.match(group.stdout, new RegExp(`\\n  ${sub} `));
  }
  const verify = ok(await runCli(["ledger", "verify", "--help"]), "verify --help");
  for (const code of ["0  valid", "1  invalid", "3  inconsistent", "4  trust", "5  only a torn"]) {
    assert.ok(verify.stdout.includes(code), code);
  }
  const typo = await runCli(["ledger", "verfy"]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean verify/);
});

Deno.test("keys generate writes 0600/SPKI files, prints kid and verifier key, refuses to overwrite", async () => {
  await using dir = await tempDir();
  const r = ok(
    await runCli([
      "keys",
      "generate",
      "--out",
      dir.path,
      "--name",
      "k1",
      "--origin",
      ORIGIN,
      "--json",
    ]),
    "generate",
  );
  const out = JSON.parse(r.stdout);
  assert.match(out.kid, /^[0-9a-f]{64}$/);
  assert.match(out.verifier_key, /^carbon-ops\.example\/cli\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
  assert.equal((await Deno.stat(dir.join("k1.key"))).mode! & 0o777, 0o600);
  assert.match(await Deno.readTextFile(dir.join("k1.pub")), /^-----BEGIN PUBLIC KEY-----/);
  const again = await runCli(["keys", "generate", "--out", dir.path, "--name", "k1"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  assert.equal((await runCli(["keys", "generate"])).code, 2);
  assert.equal((await runCli(["keys", "generate", "--out", dir.path, "--name", "a/b"])).code, 2);
});

Deno.test("ledger append validates bodies strictly and refuses readable key files with the chmod", async () => {
  await using dir = await tempDir();
  const { key, ledger } = await setup(dir.path);
  await Deno.writeTextFile(dir.join("e.json"), JSON.stringify(sampleEmission()));
  const appended = JSON.parse(
    ok(
      await runCli([
        "ledger",
        "append",
        ledger,
        "--key",
        key,
        "--type",
        "emission",
        "--body",
        dir.join("e.json"),
        "--json",
      ]),
      "append",
    ).stdout,
  );
  assert.equal(appended.seq, 1);
  assert.match(appended.leaf, /^[0-9a-f]{64}$/);
  const cases: [string, string, RegExp][] = [
    ["note", '{"text":"a","text":"b"}', /DUPLICATE_KEY/],
    ["note", '{"text":NaN}', /NON_FINITE/],
    ["note", '{"text":"\\ud800"}', /LONE_SURROGATE/],
    ["note", '{"text":"x","extra":1}', /\/extra: is not a known field/],
    ["emission", JSON.stringify({ ...sampleEmission(), scope: 3 }), /scope3_category: is required/],
    [
      "correction",
      '{"supersedes":{"seq":1,"leaf":"' + "0".repeat(64) + '"},"reason":"x"}',
      /leaf hash/,
    ],
  ];
  for (const [type, body, message] of cases) {
    const r = await runCli(["ledger", "append", ledger, "--key", key, "--type", type], {
      stdin: body,
    });
    assert.equal(r.code, 1, `${body}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(
    (await runCli(["ledger", "append", ledger, "--key", key, "--type", "genesis"], { stdin: "{}" }))
      .code,
    2,
  );
  await Deno.chmod(key, 0o644);
  const readable = await runCli(["ledger", "append", ledger, "--key", key, "--type", "note"], {
    stdin: '{"text":"x"}',
  });
  assert.equal(readable.code, 1);
  assert.ok(readable.stderr.includes(`chmod 600 ${key}`), readable.stderr);
  await Deno.chmod(key, 0o600);
  const report = JSON.parse(
    (await runCli(["ledger", "verify", ledger, "--trust", `${ledger}/trust.json`, "--json"]))
      .stdout,
  );
  assert.equal(report.entries, 2, "rejected bodies wrote nothing");
});

Deno.test("ledger verify exits 0, 1, 3, 4, 5 and 2 through the CLI", async () => {
  await using dir = await tempDir();
  const { key, ledger, trust } = await setup(dir.path);
  for (let i = 0; i < 3; i++) {
    ok(
      await runCli(["ledger", "append", ledger, "--key", key, "--type", "note"], {
        stdin: `{"text":"n${i}"}`,
      }),
      "append",
    );
  }
  const held = dir.join("held.note");
  await Deno.writeTextFile(
    held,
    ok(await runCli(["ledger", "checkpoint", ledger, "--key", key]), "checkpoint").stdout,
  );
  const good = JSON.parse(
    ok(
      await runCli(["ledger", "verify", ledger, "--trust", trust, "--checkpoint", held, "--json"]),
      "verify",
    ).stdout,
  );
  assert.equal(good.status, "valid");
  assert.equal(good.entries, 4);
  assert.deepEqual(good.checkpoints.map((c: { status: string }) => c.status), [
    "consistent",
    "consistent",
  ]);
  const path = `${ledger}/ledger.jsonl`;
  const original = await Deno.readTextFile(path);
  const lines = original.trimEnd().split("\n");

  await Deno.writeTextFile(path, original.replace('"text":"n1"', '"text":"n9"'));
  const tampered = await runCli(["ledger", "verify", ledger, "--trust", trust, "--json"]);
  assert.equal(tampered.code, 1);
  // The edited record, the next record's broken link, and the on-host checkpoint's root.
  assert.deepEqual(JSON.parse(tampered.stdout).errors.map((e: { code: string }) => e.code), [
    "BAD_SIGNATURE",
    "PREV_MISMATCH",
    "CHECKPOINT_ROOT_MISMATCH",
  ]);

  await Deno.writeTextFile(path, lines.slice(0, 3).join("\n") + "\n");
  const truncated = await runCli([
    "ledger",
    "verify",
    ledger,
    "--trust",
    trust,
    "--checkpoint",
    held,
    "--no-ledger-checkpoint",
  ]);
  assert.equal(truncated.code, 3, truncated.stdout);
  assert.match(truncated.stdout, /AHEAD_OF_LOG/);

  await Deno.writeTextFile(path, original.slice(0, -10));
  const torn = await runCli([
    "ledger",
    "verify",
    ledger,
    "--trust",
    trust,
    "--no-ledger-checkpoint",
  ]);
  assert.equal(torn.code, 5, torn.stdout);
  assert.match(torn.stdout, /TORN_LAST_LINE/);
  const repaired = JSON.parse(
    ok(
      await runCli(["ledger", "append", ledger, "--key", key, "--type", "note", "--json"], {
        stdin: '{"text":"after"}',
      }),
      "repair",
    ).stdout,
  );
  assert.equal(repaired.repair.note_seq, 3);
  assert.match(repaired.repair.quarantine, /^quarantine\/torn-\d{20}-[0-9a-f]{16}\.bin$/);
  ok(
    await runCli(["ledger", "verify", ledger, "--trust", trust, "--no-ledger-checkpoint"]),
    "verify after repair",
  );

  ok(await runCli(["keys", "generate", "--out", dir.join("other"), "--name", "o"]), "other key");
  await Deno.mkdir(dir.join("t"));
  const otherInit = await runCli([
    "ledger",
    "init",
    dir.join("other-ledger"),
    "--origin",
    ORIGIN,
    "--key",
    dir.join("other/o.key"),
    "--trust-out",
    dir.join("t/other.json"),
  ]);
  ok(otherInit, "other init");
  const foreign = await runCli([
    "ledger",
    "verify",
    ledger,
    "--trust",
    dir.join("t/other.json"),
    "--no-ledger-checkpoint",
  ]);
  assert.equal(foreign.code, 4, foreign.stdout);
  assert.match(foreign.stdout, /KEY_UNKNOWN/);
  await Deno.writeTextFile(dir.join("t/bad.json"), "{}");
  assert.equal(
    (await runCli(["ledger", "verify", ledger, "--trust", dir.join("t/bad.json")])).code,
    2,
    "a malformed trust file is bad input (exit 2)",
  );
  assert.equal((await runCli(["ledger", "verify", ledger])).code, 2);
  assert.equal(
    (await runCli(["ledger", "verify", ledger, "--trust", dir.join("t/missing.json")])).code,
    2,
  );
  const noLedger = await runCli(["ledger", "show", dir.join("nowhere")]);
  assert.equal(noLedger.code, 1);
  assert.match(noLedger.stderr, /no ledger at .*ledger init/);
  assert.equal(
    (await runCli([
      "ledger",
      "verify",
      ledger,
      "--trust",
      trust,
      "--checkpoint",
      dir.join("missing"),
    ])).code,
    2,
  );
});

Deno.test("fleet verify: host A's directory replaced by a copy of host B's exits 4 naming the orphans", async () => {
  await using dir = await tempDir();
  const hosts: Record<string, { ledger: string; trust: string; held: string }> = {};
  await Deno.mkdir(dir.join("trust"));
  for (const name of ["host-a", "host-b"]) {
    const origin = `carbon-ops.example/${name}`;
    ok(await runCli(["keys", "generate", "--out", dir.join("keys"), "--name", name]), "keys");
    const key = dir.join(`keys/${name}.key`);
    const ledger = dir.join(`ledgers/${name}`);
    const trust = dir.join(`trust/${name}.json`);
    ok(
      await runCli([
        "ledger",
        "init",
        ledger,
        "--origin",
        origin,
        "--key",
        key,
        "--trust-out",
        trust,
      ]),
      "init",
    );
    ok(await runCli(["ledger", "checkpoint", ledger, "--key", key]), "checkpoint");
    const held = dir.join(`held/${name}.checkpoint`);
    await Deno.mkdir(dir.join("held"), { recursive: true });
    await Deno.copyFile(`${ledger}/checkpoint`, held);
    hosts[name] = { ledger, trust, held };
  }
  const { "host-a": a, "host-b": b } = hosts;
  const args = [a.ledger, b.ledger, "--trust", a.trust, "--trust", b.trust, "--checkpoint", a.held];
  ok(await runCli(["ledger", "verify", ...args]), "fleet before the swap");

  await Deno.remove(a.ledger, { recursive: true });
  const cp = await new Deno.Command("cp", { args: ["-r", b.ledger, a.ledger] }).output();
  assert.equal(cp.code, 0);

  const swapped = await runCli(["ledger", "verify", ...args]);
  assert.equal(swapped.code, 4, swapped.stdout + swapped.stderr);
  assert.match(
    swapped.stdout,
    new RegExp(
      `coverage: trust file ${a.trust} \\(origin carbon-ops\\.example/host-a\\) was used by no ledger`,
    ),
  );
  assert.match(
    swapped.stdout,
    new RegExp(
      `coverage: checkpoint ${a.held} \\(origin carbon-ops\\.example/host-a\\) was used by no ledger`,
    ),
  );
  assert.match(swapped.stdout, /fleet: 2 ledgers \(2 valid\), 3 coverage problem\(s\); exit 4/);

  const json = JSON.parse((await runCli(["ledger", "verify", ...args, "--json"])).stdout);
  assert.equal(json.exit_code, 4);
  assert.deepEqual(
    json.coverage.map((c: { kind: string; source: string }) => [c.kind, c.source]),
    [["ledger", b.ledger], ["trust", a.trust], ["checkpoint", a.held]],
  );

  // Without host A's trust file the copy is still caught: two directories share one origin.
  const withoutA = await runCli(["ledger", "verify", a.ledger, b.ledger, "--trust", b.trust]);
  assert.equal(withoutA.code, 4, withoutA.stdout);
  assert.match(withoutA.stdout, /has origin carbon-ops\.example\/host-b, as does/);
});

Deno.test("fleet verify names a ledger no --trust covers and a --trust no ledger uses", async () => {
  await using dir = await tempDir();
  const made: { ledger: string; trust: string }[] = [];
  await Deno.mkdir(dir.join("trust"));
  for (const name of ["host-a", "host-b", "host-c"]) {
    ok(await runCli(["keys", "generate", "--out", dir.join("keys"), "--name", name]), "keys");
    const ledger = dir.join(`ledgers/${name}`);
    const trust = dir.join(`trust/${name}.json`);
    ok(
      await runCli([
        "ledger",
        "init",
        ledger,
        "--origin",
        `carbon-ops.example/${name}`,
        "--key",
        dir.join(`keys/${name}.key`),
        "--trust-out",
        trust,
      ]),
      "init",
    );
    made.push({ ledger, trust });
  }
  const [a, b, c] = made;
  const r = await runCli([
    "ledger",
    "verify",
    a.ledger,
    b.ledger,
    "--trust",
    a.trust,
    "--trust",
    c.trust,
    "--json",
  ]);
  assert.equal(r.code, 4, r.stdout + r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(
    json.coverage.map((x: { kind: string; source: string }) => [x.kind, x.source]),
    [["ledger", b.ledger], ["trust", c.trust]],
  );
  assert.deepEqual(json.by_status, { valid: 1, untrusted: 1 });
});

Deno.test("ledger show and totals: exact sums by group, superseded records excluded and counted", async () => {
  await using dir = await tempDir();
  const { key, ledger } = await setup(dir.path);
  const bodies = [
    sampleEmission({ co2eG: "0.1", energyKwh: "0.001", month: "2026-01", team: "ml" }),
    sampleEmission({ co2eG: "0.2", energyKwh: "0.002", month: "2026-01", team: "web" }),
    sampleEmission({ co2eG: "1000.7", energyKwh: "3.5", month: "2026-02", team: "ml", scope: 3 }),
  ];
  for (const b of bodies) {
    ok(
      await runCli(["ledger", "append", ledger, "--key", key, "--type", "emission"], {
        stdin: JSON.stringify(b),
      }),
      "append",
    );
  }
  const shown = JSON.parse(
    ok(await runCli(["ledger", "show", ledger, "--seq", "3", "--json"]), "show --seq").stdout,
  );
  assert.equal(shown.length, 1);
  assert.equal(shown[0].record.body.result.co2e_g, "1000.7");
  const correction = { supersedes: { seq: 3, leaf: shown[0].leaf }, reason: "wrong scope" };
  ok(
    await runCli(["ledger", "append", ledger, "--key", key, "--type", "correction"], {
      stdin: JSON.stringify(correction),
    }),
    "correction",
  );
  const tail = ok(await runCli(["ledger", "show", ledger, "--tail", "2"]), "show --tail").stdout
    .trim().split("\n");
  assert.equal(tail.length, 2);
  assert.match(tail[1], /^\s+4 .* correction +supersedes seq 3: wrong scope/);
  assert.equal((await runCli(["ledger", "show", ledger, "--seq", "99"])).code, 1);
  assert.equal((await runCli(["ledger", "show", ledger, "--seq", "1", "--tail", "1"])).code, 2);

  const total = JSON.parse(
    ok(await runCli(["ledger", "totals", ledger, "--json"]), "totals").stdout,
  );
  assert.deepEqual(total.total, {
    group: "total",
    records: 2,
    co2e_g: "0.3",
    embodied_co2e_g: "0",
    total_co2e_g: "0.3",
    embodied_records: 0,
    energy_kwh: "0.003",
  });
  assert.equal(total.superseded, 1);
  assert.equal(total.corrections, 1);
  const byMonth =
    ok(await runCli(["ledger", "totals", ledger, "--by", "month", "--csv"]), "csv").stdout;
  assert.equal(
    byMonth,
    "group,records,co2e_g,energy_kwh,embodied_co2e_g,total_co2e_g,embodied_records\n" +
      "2026-01,2,0.3,0.003,0,0.3,0\ntotal,2,0.3,0.003,0,0.3,0\n",
  );
  const byTeam = JSON.parse(
    ok(await runCli(["ledger", "totals", ledger, "--by", "label:team", "--json"]), "label").stdout,
  );
  assert.deepEqual(byTeam.rows.map((r: { group: string; co2e_g: string }) => [r.group, r.co2e_g]), [
    ["ml", "0.1"],
    ["web", "0.2"],
  ]);
  assert.equal((await runCli(["ledger", "totals", ledger, "--by", "colour"])).code, 2);
  const cp = JSON.parse(
    ok(await runCli(["ledger", "checkpoint", ledger, "--key", key, "--json"]), "checkpoint").stdout,
  );
  assert.equal(cp.size, 5);
  assert.equal(cp.lines_read, 4);
});
