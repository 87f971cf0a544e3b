import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CheckpointPublishError,
  loadPublishToken,
  originFileName,
  publishCheckpoint,
} from "../../lib/ledger/checkpoint_publish.ts";
import { signCheckpoint } from "../../lib/ledger/checkpoint.ts";
import { signingKeyFromSeed } from "../../lib/ledger/keys.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const ORIGIN = "example.org/host-01";
const SAFE = "example.org%2Fhost-01";
const KEY = signingKeyFromSeed(new Uint8Array(32).fill(21));
const OTHER_KEY = signingKeyFromSeed(new Uint8Array(32).fill(22));

function note(size: number, options: { rootByte?: number; key?: typeof KEY } = {}): string {
  const root = new Uint8Array(32).fill(options.rootByte ?? size);
  return signCheckpoint({ origin: ORIGIN, size, root }, options.key ?? KEY);
}

function sizeName(size: number): string {
  return `${String(size).padStart(20, "0")}.checkpoint`;
}

async function publishError(promise: Promise<unknown>): Promise<CheckpointPublishError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CheckpointPublishError, `not a CheckpointPublishError: ${err}`);
    return err;
  }
  assert.fail("the publish did not fail");
}

Deno.test("publishing to a directory writes the size file and latest.checkpoint, mode 0644", async () => {
  await using dir = await tempDir();
  const n = note(5);
  const result = await publishCheckpoint(n, dir.path);
  const file = dir.join(SAFE, sizeName(5));
  assert.deepEqual(result, { target: dir.path, location: file, status: "written" });
  assert.equal(await Deno.readTextFile(file), n);
  assert.equal(await Deno.readTextFile(dir.join(SAFE, "latest.checkpoint")), n);
  for (const path of [file, dir.join(SAFE, "latest.checkpoint")]) {
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644, path);
  }
  // Only the two notes: no temporary files are left behind.
  const names = [...Deno.readDirSync(dir.join(SAFE))].map((e) => e.name).sort();
  assert.deepEqual(names, [sizeName(5), "latest.checkpoint"]);
});

Deno.test("publishing the same note again to a directory is a no-op reported as unchanged", async () => {
  await using dir = await tempDir();
  const n = note(5);
  await publishCheckpoint(n, `${dir.path}/`);
  const before = (await Deno.stat(dir.join(SAFE, sizeName(5)))).mtime;
  const again = await publishCheckpoint(n, `${dir.path}/`);
  assert.equal(again.status, "unchanged");
  assert.equal(again.target, `${dir.path}/`);
  assert.equal(again.location, dir.join(SAFE, sizeName(5)));
  assert.deepEqual((await Deno.stat(dir.join(SAFE, sizeName(5)))).mtime, before);
});

Deno.test("a directory refuses a different note of the same size and keeps the first", async () => {
  await using dir = await tempDir();
  const first = note(5);
  await publishCheckpoint(first, dir.path);
  const forked = await publishError(publishCheckpoint(note(5, { rootByte: 99 }), dir.path));
  assert.equal(forked.code, "CONFLICT");
  assert.match(forked.message, /already holds a different checkpoint of size 5/);
  assert.match(forked.message, /fork or rollback/);
  assert.match(forked.message, /nothing was overwritten/);
  const resigned = await publishError(publishCheckpoint(note(5, { key: OTHER_KEY }), dir.path));
  assert.equal(resigned.code, "CONFLICT");
  assert.match(resigned.message, /same tree with different signature lines/);
  assert.equal(await Deno.readTextFile(dir.join(SAFE, sizeName(5))), first);
  assert.equal(await Deno.readTextFile(dir.join(SAFE, "latest.checkpoint")), first);
});

Deno.test("a directory refuses a size file that differs even when latest has moved on", async () => {
  await using dir = await tempDir();
  await publishCheckpoint(note(3), dir.path);
  // Someone wrote a different note of size 4 there (e.g. a forked ledger published by hand).
  await Deno.writeTextFile(dir.join(SAFE, sizeName(4)), note(4, { rootByte: 77 }));
  const err = await publishError(publishCheckpoint(note(4), dir.path));
  assert.equal(err.code, "CONFLICT");
  assert.ok(err.message.includes(dir.join(SAFE, sizeName(4))), err.message);
  assert.equal(
    await Deno.readTextFile(dir.join(SAFE, "latest.checkpoint")),
    note(3),
    "latest is not advanced past a conflict",
  );
});

Deno.test("a directory refuses a checkpoint smaller than the published latest, naming both sizes", async () => {
  await using dir = await tempDir();
  await publishCheckpoint(note(3), dir.path);
  await publishCheckpoint(note(9), dir.path);
  const err = await publishError(publishCheckpoint(note(7), dir.path));
  assert.equal(err.code, "ROLLBACK");
  assert.match(err.message, /size 7: .*latest\.checkpoint already holds size 9/);
  await assert.rejects(Deno.stat(dir.join(SAFE, sizeName(7))), Deno.errors.NotFound);
  assert.equal(await Deno.readTextFile(dir.join(SAFE, "latest.checkpoint")), note(9));
  // Older notes already published stay readable.
  assert.equal(await Deno.readTextFile(dir.join(SAFE, sizeName(3))), note(3));
});

Deno.test("a directory whose latest.checkpoint lags its size file (crash) gets latest written", async () => {
  await using dir = await tempDir();
  await publishCheckpoint(note(3), dir.path);
  await Deno.writeTextFile(dir.join(SAFE, sizeName(4)), note(4));
  const r = await publishCheckpoint(note(4), dir.path);
  assert.equal(r.status, "written");
  assert.equal(await Deno.readTextFile(dir.join(SAFE, "latest.checkpoint")), note(4));
});

Deno.test("a missing publish directory is an error and is never created", async () => {
  await using dir = await tempDir();
  const err = await publishError(publishCheckpoint(note(1), dir.join("not-mounted")));
  assert.equal(err.code, "TARGET_MISSING");
  assert.match(err.message, /does not exist; mount the off-host storage there/);
  await assert.rejects(Deno.stat(dir.join("not-mounted")), Deno.errors.NotFound);
  await Deno.writeTextFile(dir.join("file"), "x");
  const notDir = await publishError(publishCheckpoint(note(1), dir.join("file")));
  assert.equal(notDir.code, "TARGET_MISSING");
  assert.match(notDir.message, /is not a regular file|not a directory/);
});

Deno.test("a note that is not a signed checkpoint is not published", async () => {
  await using dir = await tempDir();
  const err = await publishError(publishCheckpoint("hello\n", dir.path));
  assert.equal(err.code, "MALFORMED_NOTE");
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("origin file names never collide, never contain '/', are never . or .., and decode back", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.oneof(
          fc.string({ minLength: 1, unit: "grapheme" }),
          fc.string({ minLength: 1, unit: fc.constantFrom(".", "/", "%", "a", "2", "E", "-") }),
          fc.constantFrom(".", "..", "...", "%2E", "%2E%2E", "a/b", "a%2Fb", "A", "a"),
        ),
        { minLength: 1, maxLength: 20 },
      ),
      (origins) => {
        const names = origins.map(originFileName);
        assert.equal(new Set(names).size, origins.length, JSON.stringify({ origins, names }));
        for (const [i, name] of names.entries()) {
          assert.ok(!name.includes("/") && name !== "." && name !== ".." && name !== "", name);
          assert.match(name, /^[A-Za-z0-9._%-]+$/);
          assert.equal(decodeURIComponent(name), origins[i]);
        }
      },
    ),
    { numRuns: 300 },
  );
});

// ---- URL targets: a real HTTP server on 127.0.0.1 -------------------------------------------

interface Received {
  method: string;
  path: string;
  contentType: string | null;
  authorization: string | null;
  body: string;
}

type Mode = "store" | "500" | "hang" | "echo-auth";

/** An HTTP server that stores PUT bodies by path: 201 new, 204 same body, 409 different body. */
async function checkpointServer() {
  const stored = new Map<string, string>();
  const received: Received[] = [];
  const release = Promise.withResolvers<void>();
  let mode: Mode = "store";
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: (addr) => listening.resolve(addr) },
    async (req) => {
      const path = new URL(req.url).pathname;
      const body = await req.text();
      received.push({
        method: req.method,
        path,
        contentType: req.headers.get("content-type"),
        authorization: req.headers.get("authorization"),
        body,
      });
      if (mode === "hang") {
        await release.promise;
        return new Response("too late", { status: 201 });
      }
      if (mode === "500") {
        return new Response("x".repeat(150) + "\n" + "y".repeat(300), { status: 500 });
      }
      if (mode === "echo-auth") {
        return new Response(`you sent ${req.headers.get("authorization")}`, { status: 401 });
      }
      if (req.method !== "PUT") return new Response("PUT only", { status: 405 });
      const held = stored.get(path);
      if (held === undefined) {
        stored.set(path, body);
        return new Response(null, { status: 201 });
      }
      return new Response(held === body ? null : "a different checkpoint is stored", {
        status: held === body ? 204 : 409,
      });
    },
  );
  const addr = await listening.promise;
  return {
    url: `http://127.0.0.1:${addr.port}/cp`,
    stored,
    received,
    setMode(m: Mode) {
      mode = m;
    },
    async [Symbol.asyncDispose]() {
      release.resolve();
      await server.shutdown();
    },
  };
}

const URL_PATH = `/cp/${encodeURIComponent(SAFE)}/${sizeName(5)}`;

Deno.test("publishing to a URL PUTs the note as text/plain under the origin and size", async () => {
  await using server = await checkpointServer();
  const n = note(5);
  const r = await publishCheckpoint(n, `${server.url}/`);
  assert.deepEqual(r, {
    target: `${server.url}/`,
    location: `${server.url}/example.org%252Fhost-01/${sizeName(5)}`,
    status: "written",
  });
  assert.equal(server.received.length, 1);
  const got = server.received[0];
  assert.equal(got.method, "PUT");
  assert.equal(got.path, URL_PATH);
  assert.equal(decodeURIComponent(got.path.split("/")[2]), SAFE);
  assert.equal(got.contentType, "text/plain; charset=utf-8");
  assert.equal(got.authorization, null, "no token, no authorization header");
  assert.equal(got.body, n);
  assert.equal((await publishCheckpoint(n, server.url)).status, "unchanged");
});

Deno.test("a URL answering 409 means the server holds a different checkpoint of this size", async () => {
  await using server = await checkpointServer();
  await publishCheckpoint(note(5), server.url);
  const err = await publishError(publishCheckpoint(note(5, { rootByte: 1 }), server.url));
  assert.equal(err.code, "CONFLICT");
  assert.equal(err.status, 409);
  assert.match(err.message, /answered 409: the server holds a different checkpoint of this size/);
  assert.equal(server.stored.get(URL_PATH), note(5));
});

Deno.test("a URL answering 500 fails with the status and the first 200 bytes of the body", async () => {
  await using server = await checkpointServer();
  server.setMode("500");
  const err = await publishError(publishCheckpoint(note(5), server.url));
  assert.equal(err.code, "HTTP");
  assert.equal(err.status, 500);
  assert.ok(
    err.message.includes(`answered 500: ${"x".repeat(150)} ${"y".repeat(49)};`),
    err.message,
  );
  assert.ok(!err.message.includes("y".repeat(50)), "more than 200 bytes of the body");
  assert.match(err.message, /the next run publishes it again/);
});

Deno.test("a URL that never answers fails after the given timeout", async () => {
  await using server = await checkpointServer();
  server.setMode("hang");
  const started = performance.now();
  const err = await publishError(publishCheckpoint(note(5), server.url, { timeoutMs: 300 }));
  assert.equal(err.code, "TIMEOUT");
  assert.match(err.message, /timed out after 300 ms/);
  // Far below the 30 s default: the injected timeout is the one used.
  assert.ok(performance.now() - started < 20_000);
  assert.equal(server.received.length, 1, "the request did reach the server");
});

Deno.test("a bearer token is sent only when given and never appears in messages", async () => {
  await using server = await checkpointServer();
  await publishCheckpoint(note(5), server.url, { token: "t0k3n-value" });
  assert.equal(server.received[0].authorization, "Bearer t0k3n-value");
  await publishCheckpoint(note(6), server.url);
  assert.equal(server.received[1].authorization, null);
  server.setMode("echo-auth");
  const err = await publishError(publishCheckpoint(note(7), server.url, { token: "t0k3n-value" }));
  assert.equal(err.status, 401);
  assert.match(err.message, /check --publish-token-file/);
  assert.match(err.message, /you sent Bearer \[token\]/);
  assert.ok(!err.message.includes("t0k3n-value"));
});

Deno.test("a token is never sent over plain http to a host other than loopback", async () => {
  let calls = 0;
  const fetch = () => {
    calls++;
    return Promise.resolve(new Response(null, { status: 201 }));
  };
  const err = await publishError(
    publishCheckpoint(note(5), "http://audit.example/cp", { token: "secret", fetch }),
  );
  assert.equal(err.code, "INSECURE");
  assert.equal(calls, 0);
  assert.ok(!err.message.includes("secret"));
  const ok = await publishCheckpoint(note(5), "https://audit.example/cp", {
    token: "secret",
    fetch,
  });
  assert.equal(ok.status, "written");
  assert.equal(calls, 1);
});

Deno.test("a refused connection is a NETWORK failure naming the URL", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const err = await publishError(publishCheckpoint(note(5), `http://127.0.0.1:${port}/cp`));
  assert.equal(err.code, "NETWORK");
  assert.match(err.message, new RegExp(`PUT http://127\\.0\\.0\\.1:${port}/cp/`));
});

Deno.test("a token file readable by group or others is refused; a 0600 one is read", async () => {
  await using dir = await tempDir();
  const path = dir.join("publish.token");
  await Deno.writeTextFile(path, "t0k3n-value\n");
  await Deno.chmod(path, 0o644);
  await assert.rejects(loadPublishToken(path), (err: Error) => {
    assert.match(err.message, /is accessible by group or others \(mode 0644\); run: chmod 600 /);
    assert.ok(!err.message.includes("t0k3n-value"));
    return true;
  });
  await Deno.chmod(path, 0o600);
  assert.equal(await loadPublishToken(path), "t0k3n-value");
  await Deno.writeTextFile(path, "two words\n");
  await assert.rejects(loadPublishToken(path), /one bearer token/);
  await assert.rejects(loadPublishToken(dir.join("missing")), Deno.errors.NotFound);
});
