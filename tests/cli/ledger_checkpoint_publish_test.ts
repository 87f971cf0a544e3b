import assert from "node:assert/strict";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const ORIGIN = "carbon-ops.example/publish";
const SAFE = "carbon-ops.example%2Fpublish";

function expectCode(r: CliResult, code: number, what: string): CliResult {
  assert.equal(r.code, code, `${what}: exit ${r.code}, expected ${code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function sizeName(size: number): string {
  return `${String(size).padStart(20, "0")}.checkpoint`;
}

async function setup(root: string) {
  expectCode(
    await runCli(["keys", "generate", "--out", `${root}/keys`, "--name", "host"]),
    0,
    "keys generate",
  );
  const key = `${root}/keys/host.key`;
  const ledger = `${root}/ledger`;
  expectCode(await runCli(["ledger", "init", ledger, "--origin", ORIGIN, "--key", key]), 0, "init");
  return { key, ledger, trust: `${ledger}/trust.json` };
}

async function append(ledger: string, key: string, text: string): Promise<void> {
  expectCode(
    await runCli(["ledger", "append", ledger, "--key", key, "--type", "note", "--body", "-"], {
      stdin: JSON.stringify({ text }),
    }),
    0,
    `append ${text}`,
  );
}

Deno.test("ledger checkpoint and publish help document --publish, the token file and examples", async () => {
  const cp = expectCode(await runCli(["ledger", "checkpoint", "--help"]), 0, "help");
  for (
    const text of [
      "--publish TARGET",
      "--publish-token-file FILE",
      "Examples:",
      "latest.checkpoint",
    ]
  ) {
    assert.ok(cp.stdout.includes(text), text);
  }
  const pub = expectCode(await runCli(["ledger", "publish", "--help"]), 0, "publish help");
  assert.match(pub.stdout, /^Usage: carbon-ops ledger publish DIR --publish TARGET/);
  assert.match(pub.stdout, /Examples:\n {2}carbon-ops ledger publish /);
  const group = expectCode(await runCli(["ledger", "--help"]), 0, "ledger help");
  assert.match(group.stdout, /\n {2}publish +Publish the latest checkpoint/);
});

Deno.test("ledger checkpoint --publish DIR writes the published copy and reports it in --json", async () => {
  await using dir = await tempDir();
  const s = await setup(dir.path);
  const published = dir.join("published");
  await Deno.mkdir(published);
  const r = expectCode(
    await runCli([
      "ledger",
      "checkpoint",
      s.ledger,
      "--key",
      s.key,
      "--publish",
      published,
      "--json",
    ]),
    0,
    "checkpoint --publish",
  );
  const json = JSON.parse(r.stdout);
  const file = `${published}/${SAFE}/${sizeName(1)}`;
  assert.deepEqual(json.published, [{ target: published, location: file, status: "written" }]);
  assert.deepEqual(json.publish_errors, []);
  assert.equal(json.size, 1);
  assert.equal(await Deno.readTextFile(file), json.note);
  assert.equal(await Deno.readTextFile(`${s.ledger}/checkpoint`), json.note);
  // Text mode: stdout stays exactly the note; where it went is on stderr.
  const text = expectCode(
    await runCli(["ledger", "checkpoint", s.ledger, "--key", s.key, "--publish", published]),
    0,
    "checkpoint again",
  );
  assert.equal(text.stdout, json.note);
  assert.ok(text.stderr.includes(`published to ${published}: ${file} (unchanged)`), text.stderr);
  // The temporary directory is on the ledger's file system: not off the host, and said so.
  assert.match(
    text.stderr,
    /warning: .* is on the same file system as the ledger .*: a copy there is not off the host/,
  );
});

Deno.test("a failed publish exits 1, keeps the local checkpoint, and ledger publish retries it", async () => {
  await using dir = await tempDir();
  const s = await setup(dir.path);
  await append(s.ledger, s.key, "one");
  const good = dir.join("good");
  const mount = dir.join("mount");
  await Deno.mkdir(good);
  const r = expectCode(
    await runCli([
      "ledger",
      "checkpoint",
      s.ledger,
      "--key",
      s.key,
      "--publish",
      mount,
      "--publish",
      good,
      "--json",
    ]),
    1,
    "checkpoint with an unmounted target",
  );
  const json = JSON.parse(r.stdout);
  assert.equal(json.size, 2);
  assert.deepEqual(json.published.map((p: { target: string }) => p.target), [good]);
  assert.equal(json.publish_errors.length, 1);
  assert.equal(json.publish_errors[0].target, mount);
  assert.equal(json.publish_errors[0].code, "TARGET_MISSING");
  assert.match(r.stderr, /publishing the checkpoint of size 2 to .*mount failed: .*does not exist/);
  assert.ok(r.stderr.includes(`${s.ledger}/checkpoint is kept`), r.stderr);
  assert.ok(
    r.stderr.includes(`carbon-ops ledger publish ${s.ledger} --publish ${mount}`),
    r.stderr,
  );
  assert.ok(r.stderr.includes(`check the target: ls -l '${mount}/${SAFE}/'`), r.stderr);
  assert.equal(
    await Deno.readTextFile(`${s.ledger}/checkpoint`),
    json.note,
    "local checkpoint kept",
  );

  // The target comes back: publish (no key needed) copies the latest checkpoint.
  await Deno.mkdir(mount);
  const retry = expectCode(
    await runCli(["ledger", "publish", s.ledger, "--publish", mount, "--publish", good, "--json"]),
    0,
    "ledger publish",
  );
  const retried = JSON.parse(retry.stdout);
  assert.equal(retried.size, 2);
  assert.equal(retried.origin, ORIGIN);
  assert.deepEqual(retried.published.map((p: { status: string }) => p.status), [
    "written",
    "unchanged",
  ]);
  assert.equal(await Deno.readTextFile(`${mount}/${SAFE}/${sizeName(2)}`), json.note);

  // And the next hourly run publishes the next checkpoint to both.
  await append(s.ledger, s.key, "two");
  expectCode(
    await runCli([
      "ledger",
      "checkpoint",
      s.ledger,
      "--key",
      s.key,
      "--publish",
      mount,
      "--publish",
      good,
    ]),
    0,
    "next checkpoint",
  );
  for (const t of [mount, good]) {
    assert.equal(
      await Deno.readTextFile(`${t}/${SAFE}/latest.checkpoint`),
      await Deno.readTextFile(`${s.ledger}/checkpoint`),
    );
  }
});

Deno.test("bad publish options exit 2 and a readable token file exits 1, before anything is signed", async () => {
  await using dir = await tempDir();
  const s = await setup(dir.path);
  await append(s.ledger, s.key, "not yet checkpointed");
  const before = await Deno.readTextFile(`${s.ledger}/checkpoint`);
  const args = ["ledger", "checkpoint", s.ledger, "--key", s.key];
  const ftp = expectCode(await runCli([...args, "--publish", "ftp://x/y"]), 2, "ftp");
  assert.match(ftp.stderr, /bad --publish 'ftp:\/\/x\/y'/);
  const creds = expectCode(await runCli([...args, "--publish", "https://u:p@x/"]), 2, "creds");
  assert.match(creds.stderr, /--publish-token-file/);
  await Deno.mkdir(dir.join("pub"));
  const token = dir.join("token");
  await Deno.writeTextFile(token, "t0k3n-value\n");
  await Deno.chmod(token, 0o600);
  const dirOnly = expectCode(
    await runCli([...args, "--publish", dir.join("pub"), "--publish-token-file", token]),
    2,
    "token without a URL",
  );
  assert.match(dirOnly.stderr, /only used with an http\(s\) --publish URL/);
  expectCode(await runCli(["ledger", "publish", s.ledger]), 2, "publish without a target");
  await Deno.chmod(token, 0o644);
  const loose = expectCode(
    await runCli([...args, "--publish", "http://127.0.0.1:9/cp", "--publish-token-file", token]),
    1,
    "token file 0644",
  );
  assert.match(loose.stderr, /token file .*: is accessible by group or others \(mode 0644\)/);
  assert.ok(!loose.stderr.includes("t0k3n-value"));
  // Nothing was signed: the latest checkpoint is still init's (size 1), no size 2 note exists.
  assert.equal(await Deno.readTextFile(`${s.ledger}/checkpoint`), before);
  await assert.rejects(
    Deno.stat(`${s.ledger}/checkpoints/00000000000000000002.note`),
    Deno.errors.NotFound,
  );
  await Deno.mkdir(dir.join("empty"));
  const none = expectCode(
    await runCli(["ledger", "publish", dir.join("empty"), "--publish", dir.join("pub")]),
    1,
    "publish before any checkpoint",
  );
  assert.match(none.stderr, /no checkpoint yet; sign one with 'carbon-ops ledger checkpoint/);
});

Deno.test("ledger checkpoint --publish URL sends the token from the file and exits 1 on 409", async () => {
  await using dir = await tempDir();
  const s = await setup(dir.path);
  const seen: { path: string; auth: string | null; body: string }[] = [];
  let conflict = false;
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (addr) => listening.resolve(addr) },
    async (req) => {
      seen.push({
        path: new URL(req.url).pathname,
        auth: req.headers.get("authorization"),
        body: await req.text(),
      });
      return conflict ? new Response("held", { status: 409 }) : new Response(null, { status: 201 });
    },
  );
  try {
    const url = `http://127.0.0.1:${(await listening.promise).port}/checkpoints`;
    const token = dir.join("publish.token");
    await Deno.writeTextFile(token, "t0k3n-value\n", { mode: 0o600 });
    await Deno.chmod(token, 0o600);
    const args = ["ledger", "checkpoint", s.ledger, "--key", s.key, "--publish", url];
    const r = expectCode(
      await runCli([...args, "--publish-token-file", token, "--json"]),
      0,
      "publish to URL",
    );
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.published, [{
      target: url,
      location: `${url}/${encodeURIComponent(SAFE)}/${sizeName(1)}`,
      status: "written",
    }]);
    assert.deepEqual(seen, [{
      path: `/checkpoints/${encodeURIComponent(SAFE)}/${sizeName(1)}`,
      auth: "Bearer t0k3n-value",
      body: json.note,
    }]);
    conflict = true;
    const refused = expectCode(await runCli(args), 1, "409");
    assert.match(refused.stderr, /the server holds a different checkpoint of this size/);
    assert.ok(refused.stderr.includes(`check the target: curl -s ${url}/`), refused.stderr);
    assert.equal(seen[1].auth, null, "no token file, no authorization header");
  } finally {
    await server.shutdown();
  }
});

Deno.test("published checkpoints let verify catch a rollback that the host's own files hide", async () => {
  await using dir = await tempDir();
  const s = await setup(dir.path);
  const published = dir.join("published");
  await Deno.mkdir(published);
  const sizes: number[] = [];
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < 2; i++) await append(s.ledger, s.key, `round ${round} note ${i}`);
    const r = expectCode(
      await runCli([
        "ledger",
        "checkpoint",
        s.ledger,
        "--key",
        s.key,
        "--publish",
        published,
        "--json",
      ]),
      0,
      `checkpoint ${round}`,
    );
    sizes.push(JSON.parse(r.stdout).size);
  }
  assert.deepEqual(sizes, [3, 5, 7]);
  const files = sizes.map((size) => `${published}/${SAFE}/${sizeName(size)}`);
  const held = files.flatMap((f) => ["--checkpoint", f]);
  const verify = (extra: string[]) =>
    runCli(["ledger", "verify", s.ledger, "--trust", s.trust, ...extra]);
  expectCode(await verify(held), 0, "verify with the published checkpoints");

  // A rollback on the host: the ledger cut back to 5 records and its own checkpoint files with it.
  const lines = (await Deno.readTextFile(`${s.ledger}/ledger.jsonl`)).split("\n");
  await Deno.writeTextFile(`${s.ledger}/ledger.jsonl`, lines.slice(0, 5).join("\n") + "\n");
  await Deno.copyFile(
    `${s.ledger}/checkpoints/00000000000000000005.note`,
    `${s.ledger}/checkpoint`,
  );
  await Deno.remove(`${s.ledger}/checkpoints/00000000000000000007.note`);
  await Deno.remove(`${s.ledger}/checkpoints/frontier.json`);
  await Deno.remove(`${s.ledger}/cache`, { recursive: true }).catch(() => {});
  expectCode(await verify([]), 0, "the host's own files do not reveal the rollback");
  const caught = expectCode(await verify(held), 3, "verify with the published checkpoints");
  assert.match(caught.stdout + caught.stderr, /size 7|7 records|ahead/);

  // Publishing from the rolled-back host is refused too: the target keeps size 7.
  await append(s.ledger, s.key, "rewritten history");
  const refused = expectCode(
    await runCli(["ledger", "checkpoint", s.ledger, "--key", s.key, "--publish", published]),
    1,
    "publish after rollback",
  );
  assert.match(refused.stderr, /size 6: .*latest\.checkpoint already holds size 7/);
  assert.equal(
    await Deno.readTextFile(`${published}/${SAFE}/latest.checkpoint`),
    await Deno.readTextFile(files[2]),
  );
});
