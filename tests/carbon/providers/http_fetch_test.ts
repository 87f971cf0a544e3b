import assert from "node:assert/strict";
import { getText, type HttpPolicy } from "../../../lib/carbon/providers/http_fetch.ts";
import { seededRandom } from "../../../lib/base/prng.ts";
import { fakeApi, json } from "../../_kit/fake_provider_api.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

function policy(clock: VirtualClock, extra: Partial<HttpPolicy> = {}): HttpPolicy {
  return {
    clock,
    random: seededRandom(7),
    timeoutMs: 2000,
    maxAttempts: 3,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    maxRetryAfterMs: 30_000,
    ...extra,
  };
}

Deno.test("getText returns the body when the server answers 200", async () => {
  await using api = fakeApi(() => json({ ok: 1 }));
  const out = await getText(`${api.url}/x`, { policy: policy(new VirtualClock()) });
  assert.ok(out.ok);
  assert.deepEqual(JSON.parse(out.value.body), { ok: 1 });
  assert.deepEqual(out.value.attempts, 1);
});

Deno.test("getText retries a 500 at most maxAttempts times with backoff sleeps", async () => {
  await using api = fakeApi(() => json({ error: "boom" }, 500));
  const clock = new VirtualClock();
  const out = await getText(`${api.url}/x`, { policy: policy(clock) });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "http");
  assert.deepEqual(out.failure.status, 500);
  assert.deepEqual(out.failure.attempts, 3);
  assert.deepEqual(api.requests.length, 3);
  assert.deepEqual(clock.sleeps.length, 2);
  assert.ok(clock.sleeps[0] <= 100 && clock.sleeps[1] <= 200);
  assert.ok(out.failure.message.includes("boom"));
});

Deno.test("getText succeeds when a 503 is followed by a 200", async () => {
  let n = 0;
  await using api = fakeApi(() => (n++ === 0 ? new Response("busy", { status: 503 }) : json([1])));
  const out = await getText(`${api.url}/x`, { policy: policy(new VirtualClock()) });
  assert.ok(out.ok);
  assert.deepEqual(out.value.attempts, 2);
});

Deno.test("getText does not retry a 401 and reports it as auth", async () => {
  await using api = fakeApi(() => json({ message: "bad token" }, 401));
  const clock = new VirtualClock();
  const out = await getText(`${api.url}/x`, { policy: policy(clock) });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "auth");
  assert.deepEqual(api.requests.length, 1);
  assert.deepEqual(clock.sleeps, []);
});

Deno.test("getText waits at least Retry-After seconds when rate limited, then succeeds", async () => {
  let n = 0;
  await using api = fakeApi(() =>
    n++ === 0 ? json({ error: "slow down" }, 429, { "retry-after": "7" }) : json({ ok: true })
  );
  const clock = new VirtualClock();
  const out = await getText(`${api.url}/x`, { policy: policy(clock) });
  assert.ok(out.ok);
  assert.deepEqual(clock.sleeps, [7000]);
});

Deno.test("getText gives up as rate_limited without waiting when Retry-After is too long", async () => {
  await using api = fakeApi(() => json({}, 429, { "retry-after": "3600" }));
  const clock = new VirtualClock();
  const out = await getText(`${api.url}/x`, { policy: policy(clock) });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "rate_limited");
  assert.deepEqual(api.requests.length, 1);
  assert.deepEqual(clock.sleeps, []);
});

Deno.test("getText reports rate_limited when every attempt gets 429", async () => {
  await using api = fakeApi(() => json({}, 429, { "retry-after": "1" }));
  const clock = new VirtualClock();
  const out = await getText(`${api.url}/x`, { policy: policy(clock, { maxAttempts: 2 }) });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "rate_limited");
  assert.deepEqual(api.requests.length, 2);
  assert.deepEqual(clock.sleeps, [1000]);
});

Deno.test("getText times out against a server that never answers, retrying boundedly", async () => {
  await using api = fakeApi(() => "hang");
  const clock = new VirtualClock();
  const started = performance.now();
  const out = await getText(`${api.url}/x`, {
    policy: policy(clock, { timeoutMs: 40, maxAttempts: 2 }),
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "timeout");
  assert.deepEqual(out.failure.attempts, 2);
  assert.ok(performance.now() - started < 2000);
});

Deno.test("getText reports a network failure when nothing listens on the port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const out = await getText(`http://127.0.0.1:${port}/x`, {
    policy: policy(new VirtualClock(), { maxAttempts: 2 }),
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "network");
  assert.deepEqual(out.failure.attempts, 2);
});

Deno.test("getText returns aborted at once when the caller's signal is already aborted", async () => {
  await using api = fakeApi(() => json({}));
  const ctrl = new AbortController();
  ctrl.abort();
  const out = await getText(`${api.url}/x`, {
    policy: policy(new VirtualClock()),
    signal: ctrl.signal,
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "aborted");
  assert.deepEqual(api.requests.length, 0);
});

Deno.test("getText returns aborted when the caller aborts a hanging request", async () => {
  await using api = fakeApi(() => "hang");
  const ctrl = new AbortController();
  setTimeout(() => ctrl.abort(), 20);
  const out = await getText(`${api.url}/x`, {
    policy: policy(new VirtualClock(), { timeoutMs: 5000 }),
    signal: ctrl.signal,
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "aborted");
  assert.deepEqual(api.requests.length, 1);
});

Deno.test("getText follows a same-origin redirect and keeps the headers", async () => {
  await using api = fakeApi((req) =>
    req.path === "/old"
      ? new Response(null, { status: 301, headers: { location: "/new" } })
      : json({ token: req.headers.get("auth-token") })
  );
  const out = await getText(`${api.url}/old`, {
    headers: { "auth-token": "s3cret" },
    policy: policy(new VirtualClock()),
  });
  assert.ok(out.ok);
  assert.deepEqual(JSON.parse(out.value.body), { token: "s3cret" });
});

Deno.test("getText refuses a redirect to another origin so credentials stay put", async () => {
  await using other = fakeApi(() => json({ leaked: true }));
  await using api = fakeApi(() =>
    new Response(null, { status: 302, headers: { location: `${other.url}/steal` } })
  );
  const out = await getText(`${api.url}/x`, {
    headers: { "auth-token": "s3cret" },
    policy: policy(new VirtualClock()),
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "http");
  assert.deepEqual(other.requests.length, 0);
  assert.ok(!out.failure.message.includes("s3cret"));
});

Deno.test("getText refuses a body larger than maxBodyBytes as malformed", async () => {
  await using api = fakeApi(() =>
    new Response(
      new ReadableStream({
        start(c) {
          for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(1024).fill(32));
          c.close();
        },
      }),
    )
  );
  const out = await getText(`${api.url}/x`, {
    policy: policy(new VirtualClock(), { maxBodyBytes: 4096 }),
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "malformed");
  assert.deepEqual(api.requests.length, 1);
  const fine = await getText(`${api.url}/x`, {
    policy: policy(new VirtualClock(), { maxBodyBytes: 8192 }),
  });
  assert.ok(fine.ok);
  assert.deepEqual(fine.value.body.length, 8192);
});

Deno.test("getText refuses a declared Content-Length over the limit without reading it", async () => {
  await using api = fakeApi(() => new Response("x".repeat(5000)));
  const out = await getText(`${api.url}/x`, {
    policy: policy(new VirtualClock(), { maxBodyBytes: 1000 }),
  });
  assert.ok(!out.ok);
  assert.deepEqual(out.failure.kind, "malformed");
});
