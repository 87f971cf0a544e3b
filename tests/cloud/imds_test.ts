import assert from "node:assert/strict";
import { directFetch } from "../../lib/cloud/imds.ts";
import { queryAws } from "../../lib/cloud/imds_aws.ts";
import { queryAzure } from "../../lib/cloud/imds_azure.ts";
import { queryGcp } from "../../lib/cloud/imds_gcp.ts";
import { FAKE_AWS_TOKEN, fakeImds, refusedUrl } from "../_kit/fake_imds.ts";

const noForwardedFor = (headers: Headers) => assert.equal(headers.has("x-forwarded-for"), false);

Deno.test("AWS IMDSv2: a token PUT with a TTL, then the identity document with the token", async () => {
  await using imds = fakeImds({ aws: { instanceType: "m5.large", region: "eu-west-1" } });
  const answer = await queryAws({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.deepEqual(answer, {
    ok: true,
    provider: "aws",
    instanceType: "m5.large",
    region: "eu-west-1",
    zone: "eu-west-1a",
    via: "IMDSv2 identity document",
  });
  const [put, get] = imds.requests;
  assert.deepEqual([put.method, put.target], ["PUT", "/latest/api/token"]);
  const ttl = Number(put.headers.get("x-aws-ec2-metadata-token-ttl-seconds"));
  assert.ok(ttl >= 1 && ttl <= 21600, `TTL ${ttl}`);
  assert.deepEqual([get.method, get.target], ["GET", "/latest/dynamic/instance-identity/document"]);
  assert.equal(get.headers.get("x-aws-ec2-metadata-token"), FAKE_AWS_TOKEN);
  imds.requests.forEach((r) => noForwardedFor(r.headers));
  assert.equal(imds.requests.length, 2);
});

Deno.test("AWS without the identity document falls back to meta-data, region from the zone", async () => {
  await using imds = fakeImds({
    aws: {
      instanceType: "t3.large",
      region: "us-west-2",
      zone: "us-west-2b",
      document: false,
      regionPath: false,
    },
  });
  const answer = await queryAws({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.deepEqual([answer.instanceType, answer.region, answer.zone, answer.via], [
    "t3.large",
    "us-west-2",
    "us-west-2b",
    "IMDSv2 meta-data",
  ]);
});

Deno.test("AWS IMDSv1-only: the token is refused and no GET without a token is made", async () => {
  await using imds = fakeImds({ aws: { imds: "v1-only" } });
  const answer = await queryAws({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.equal(answer.ok, false);
  assert.match(answer.ok ? "" : answer.reason, /HTTP 404 \(an IMDSv1-only service/);
  assert.deepEqual(imds.requests.map((r) => r.method), ["PUT"]);
});

Deno.test("AWS with IMDS turned off answers 403 and gives no answer", async () => {
  await using imds = fakeImds({ aws: { imds: "off" } });
  const answer = await queryAws({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.match(answer.ok ? "" : answer.reason, /HTTP 403/);
});

Deno.test("AWS token PUT that hangs times out after the timeout, once, without retrying", async () => {
  await using imds = fakeImds({ aws: { imds: "hang-token" } });
  const t0 = performance.now();
  const answer = await queryAws({ baseUrl: imds.url, timeoutMs: 200 });
  const elapsedMs = performance.now() - t0;
  assert.match(answer.ok ? "" : answer.reason, /timed out after 200 ms/);
  assert.ok(elapsedMs < 5000, `took ${elapsedMs} ms`);
  assert.equal(imds.connections(), 1);
});

Deno.test("GCP: machine type and zone with Metadata-Flavor: Google; region from the zone", async () => {
  await using imds = fakeImds({ gcp: { machineType: "n2-standard-4", zone: "europe-west1-b" } });
  const answer = await queryGcp({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.deepEqual([answer.instanceType, answer.region, answer.zone], [
    "n2-standard-4",
    "europe-west1",
    "europe-west1-b",
  ]);
  assert.deepEqual(imds.requests.map((r) => r.target), [
    "/computeMetadata/v1/instance/machine-type",
    "/computeMetadata/v1/instance/zone",
  ]);
  for (const r of imds.requests) {
    assert.equal(r.headers.get("metadata-flavor"), "Google");
    noForwardedFor(r.headers);
  }
});

Deno.test("GCP: a server without the Metadata-Flavor response header is not believed", async () => {
  await using imds = fakeImds({ gcp: { flavorHeader: false } });
  const answer = await queryGcp({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.equal(answer.ok, false);
  assert.match(answer.ok ? "" : answer.reason, /without the response header Metadata-Flavor/);
});

Deno.test("Azure: compute with Metadata: true and an api-version; vmSize, location, zone", async () => {
  await using imds = fakeImds({
    azure: { vmSize: "Standard_D4s_v5", location: "westeurope", zone: "2" },
  });
  const answer = await queryAzure({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.ok(answer.ok, JSON.stringify(answer));
  assert.deepEqual([answer.instanceType, answer.region, answer.zone], [
    "Standard_D4s_v5",
    "westeurope",
    "2",
  ]);
  const [req] = imds.requests;
  assert.match(req.target, /^\/metadata\/instance\/compute\?api-version=\d{4}-\d{2}-\d{2}$/);
  assert.equal(req.headers.get("metadata"), "true");
  noForwardedFor(req.headers);
});

Deno.test("Azure: an empty zone (a VM without zones) becomes null", async () => {
  await using imds = fakeImds({ azure: { zone: "" } });
  const answer = await queryAzure({ baseUrl: imds.url, timeoutMs: 2000 });
  assert.ok(answer.ok);
  assert.equal(answer.zone, null);
});

Deno.test("a non-cloud host answering 404, or nothing listening, gives every provider no answer", async () => {
  await using imds = fakeImds({});
  const refused = refusedUrl();
  for (const baseUrl of [imds.url, refused]) {
    for (const query of [queryAws, queryGcp, queryAzure]) {
      const answer = await query({ baseUrl, timeoutMs: 2000 });
      assert.equal(answer.ok, false, `${query.name} at ${baseUrl}`);
    }
  }
  assert.equal(imds.requests.length, 3);
});

Deno.test("the direct client reads a chunked reply and sends an origin-form request", async () => {
  const stop = new AbortController();
  const targets: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen: () => {} },
    (req) => {
      targets.push(new URL(req.url).pathname);
      const parts = ["Standard_", "D4s_v5"];
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          const p = parts.shift();
          if (p === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(p));
        },
      });
      return new Response(body, { headers: { "x-probe": "1" } });
    },
  );
  try {
    const response = await directFetch(`http://127.0.0.1:${server.addr.port}/metadata/x?a=1`, {
      headers: { Metadata: "true" },
    });
    assert.equal(await response.text(), "Standard_D4s_v5");
    assert.equal(response.headers.get("x-probe"), "1");
    assert.deepEqual(targets, ["/metadata/x"]);
  } finally {
    stop.abort();
    await server.finished;
  }
});
