/**
 * A fake cloud metadata server on 127.0.0.1 (port 0) that serves the real paths, headers and bodies
 * of AWS IMDSv2, the GCE metadata server and Azure IMDS (`/work/shared/data/cloud-instances/
 * imds.md` section 5), and their failure modes. It is a plain TCP listener speaking HTTP/1.1 with
 * `Connection: close`, so it can count every TCP connection, including one that never sends a
 * request: a test can prove that no connection was attempted at all.
 */

/** The AWS side. */
export interface FakeAws {
  /** Instance type (default `m5.large`). */
  readonly instanceType?: string;
  /** Region (default `eu-west-1`). */
  readonly region?: string;
  /** Availability zone (default `eu-west-1a`). */
  readonly zone?: string;
  /**
   * `v2` (default): tokens required; `v1-only`: the token PUT is unknown (404) and GETs need no
   * token; `off`: IMDS turned off (403 everywhere); `hang-token`: the token PUT never answers
   * (a container behind a hop limit of 1).
   */
  readonly imds?: "v2" | "v1-only" | "off" | "hang-token";
  /** Serve the identity document (default true; false answers 404). */
  readonly document?: boolean;
  /** Serve `placement/region` (default true; false answers 404, as on older instances). */
  readonly regionPath?: boolean;
}

/** The GCP side. */
export interface FakeGcp {
  /** Machine type (default `n2-standard-4`). */
  readonly machineType?: string;
  /** Zone (default `europe-west1-b`). */
  readonly zone?: string;
  /** Send the `Metadata-Flavor: Google` response header (default true; false: an impostor). */
  readonly flavorHeader?: boolean;
}

/** The Azure side. */
export interface FakeAzure {
  /** VM size (default `Standard_D4s_v5`). */
  readonly vmSize?: string;
  /** Location (default `westeurope`). */
  readonly location?: string;
  /** Zone (default `1`; `""` for none). */
  readonly zone?: string;
}

/** Which services the fake runs; none of them set is a non-cloud host answering 404. */
export interface FakeImdsOptions {
  readonly aws?: FakeAws;
  readonly gcp?: FakeGcp;
  readonly azure?: FakeAzure;
  /** Accept connections and never answer anything (default false). */
  readonly hang?: boolean;
}

/** A request the fake saw. */
export interface ImdsRequest {
  readonly method: string;
  /** Path with the query string. */
  readonly target: string;
  /** Request headers. */
  readonly headers: Headers;
}

/** A running fake. */
export interface FakeImds extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  /** Requests in arrival order. */
  readonly requests: ImdsRequest[];
}

/** The token the fake AWS hands out. */
export const FAKE_AWS_TOKEN = "TOKEN123";

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
};

const text = (body: string, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers: { "Content-Type": "text/plain", ...headers },
});
const json = (value: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(value),
  headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
});

function awsRoute(aws: FakeAws, req: ImdsRequest, path: string): Reply | null {
  const mode = aws.imds ?? "v2";
  if (req.method === "PUT" && /^\/[^/]+\/api\/token$/.test(path)) {
    if (mode === "off") return text("", 403);
    if (mode === "v1-only") return text("", 404);
    if (path !== "/latest/api/token") return text("", 403);
    if (req.headers.has("x-forwarded-for")) return text("", 403);
    const ttl = Number(req.headers.get("x-aws-ec2-metadata-token-ttl-seconds") ?? "");
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return text("", 400);
    return text(FAKE_AWS_TOKEN);
  }
  if (req.method !== "GET" || !path.startsWith("/latest/")) return null;
  if (mode === "off") return text("", 403);
  if (mode === "v2" && req.headers.get("x-aws-ec2-metadata-token") !== FAKE_AWS_TOKEN) {
    return text("", 401);
  }
  const instanceType = aws.instanceType ?? "m5.large";
  const region = aws.region ?? "eu-west-1";
  const zone = aws.zone ?? `${region}a`;
  switch (path) {
    case "/latest/meta-data/instance-type":
      return text(instanceType);
    case "/latest/meta-data/placement/region":
      return aws.regionPath === false ? text("", 404) : text(region);
    case "/latest/meta-data/placement/availability-zone":
      return text(zone);
    case "/latest/meta-data/instance-id":
      return text("i-0af01c0123456789a");
    case "/latest/dynamic/instance-identity/document":
      if (aws.document === false) return text("", 404);
      return json({
        devpayProductCodes: null,
        marketplaceProductCodes: null,
        availabilityZone: zone,
        privateIp: "10.158.112.84",
        version: "2017-09-30",
        instanceId: "i-0af01c0123456789a",
        billingProducts: null,
        instanceType,
        accountId: "123456789012",
        imageId: "ami-5fb8c835",
        pendingTime: "2016-11-19T16:32:11Z",
        architecture: "x86_64",
        kernelId: null,
        ramdiskId: null,
        region,
      });
  }
  return text("", 404);
}

function gcpRoute(gcp: FakeGcp, req: ImdsRequest, path: string): Reply | null {
  if (!path.startsWith("/computeMetadata/")) return null;
  const flavor: Record<string, string> = gcp.flavorHeader === false
    ? {}
    : { "Metadata-Flavor": "Google", Server: "Metadata Server for VM" };
  if (req.headers.get("metadata-flavor") !== "Google" || req.headers.has("x-forwarded-for")) {
    return {
      status: 403,
      body: "<!DOCTYPE html>\n<html lang=en><title>Error 403 (Forbidden)!!1</title></html>\n",
      headers: { "Content-Type": "text/html; charset=UTF-8", ...flavor },
    };
  }
  switch (path) {
    case "/computeMetadata/v1/instance/machine-type":
      return text(
        `projects/123456789012/machineTypes/${gcp.machineType ?? "n2-standard-4"}`,
        200,
        flavor,
      );
    case "/computeMetadata/v1/instance/zone":
      return text(`projects/123456789012/zones/${gcp.zone ?? "europe-west1-b"}`, 200, flavor);
    case "/computeMetadata/v1/instance/id":
      return text("4520031799277581759", 200, flavor);
  }
  return text("", 404, flavor);
}

function azureRoute(azure: FakeAzure, req: ImdsRequest, path: string, query: string): Reply | null {
  if (!path.startsWith("/metadata/")) return null;
  if (req.method !== "GET") return json({ error: "Method not allowed" }, 405);
  if (req.headers.get("metadata") !== "true" || req.headers.has("x-forwarded-for")) {
    return json({ error: "Bad request. Required metadata header not specified" }, 400);
  }
  const params = new URLSearchParams(query);
  const keys = [...params.keys()];
  if (new Set(keys).size !== keys.length) {
    return json({ error: "Bad request. Query parameters should not be duplicated" }, 400);
  }
  if (path === "/metadata/versions") {
    return json({ apiVersions: ["2017-03-01", "2021-02-01", "2025-04-07"] });
  }
  if (!params.get("api-version")) {
    return json({
      error: "Bad request. api-version is invalid or was not specified in the request. For " +
        "more information refer to aka.ms/azureimds",
      "newest-versions": ["2025-04-07", "2024-07-17", "2024-03-15"],
    }, 400);
  }
  const compute = {
    azEnvironment: "AZUREPUBLICCLOUD",
    location: azure.location ?? "westeurope",
    name: "examplevmname",
    osType: "Linux",
    physicalZone: "",
    resourceId: "/subscriptions/xxxxx/resourceGroups/rg/providers/Microsoft.Compute/" +
      "virtualMachines/examplevmname",
    subscriptionId: "xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx",
    vmId: "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
    vmSize: azure.vmSize ?? "Standard_D4s_v5",
    zone: azure.zone ?? "1",
  };
  switch (path) {
    case "/metadata/instance":
      return json({ compute, network: { interface: [] } });
    case "/metadata/instance/compute":
      return json(compute);
    case "/metadata/instance/compute/vmSize":
      return params.get("format") === "text"
        ? text(compute.vmSize)
        : json({ error: "Bad request. format=json is not supported on a leaf" }, 400);
  }
  return json({ error: "Not found" }, 404);
}

function route(options: FakeImdsOptions, req: ImdsRequest): Reply {
  const [path, query = ""] = req.target.split("?", 2);
  const reply = (options.aws && awsRoute(options.aws, req, path)) ??
    (options.gcp && gcpRoute(options.gcp, req, path)) ??
    (options.azure && azureRoute(options.azure, req, path, query));
  return reply || text("not found\n", 404);
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Reads one request head (and its body, which is ignored); null when the peer closed first. */
async function readRequest(conn: Deno.Conn): Promise<ImdsRequest | null> {
  let buffered = "";
  const chunk = new Uint8Array(4096);
  while (!buffered.includes("\r\n\r\n")) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    buffered += decoder.decode(chunk.subarray(0, n));
  }
  const [head, rest] = [
    buffered.slice(0, buffered.indexOf("\r\n\r\n")),
    buffered.slice(buffered.indexOf("\r\n\r\n") + 4),
  ];
  const [requestLine, ...headerLines] = head.split("\r\n");
  const [method, target] = requestLine.split(" ");
  const headers = new Headers();
  for (const line of headerLines) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  let remaining = Number(headers.get("content-length") ?? "0") - encoder.encode(rest).length;
  while (remaining > 0) {
    const n = await conn.read(chunk);
    if (n === null) break;
    remaining -= n;
  }
  return { method, target, headers };
}

async function writeReply(conn: Deno.Conn, reply: Reply): Promise<void> {
  const body = encoder.encode(reply.body);
  const headers = { ...reply.headers, "Content-Length": String(body.length), Connection: "close" };
  const head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? "Status"}\r\n` +
    Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
  const bytes = new Uint8Array([...encoder.encode(head), ...body]);
  let done = 0;
  while (done < bytes.length) done += await conn.write(bytes.subarray(done));
}

/** Starts a fake metadata server. Dispose it to stop it and close every connection. */
export function fakeImds(options: FakeImdsOptions = {}): FakeImds {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: ImdsRequest[] = [];
  const open = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  let accepted = 0;
  let stopping = false;
  let releaseHung: () => void = () => {};
  const stopped = new Promise<void>((resolve) => releaseHung = resolve);

  const handle = async (conn: Deno.Conn) => {
    try {
      const req = await readRequest(conn);
      if (req === null) return;
      requests.push(req);
      const aws = options.aws;
      const hangs = options.hang ||
        (aws?.imds === "hang-token" && req.method === "PUT" && req.target.endsWith("/api/token"));
      if (hangs) {
        await stopped;
        return;
      }
      await writeReply(conn, route(options, req));
    } catch {
      // The client went away (timeout) or the fake is stopping.
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  };

  const acceptLoop = (async () => {
    for await (const conn of listener) {
      accepted++;
      if (stopping) {
        conn.close();
        continue;
      }
      open.add(conn);
      const h = handle(conn);
      handlers.add(h);
      h.finally(() => handlers.delete(h));
    }
  })().catch(() => {});

  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    requests,
    async [Symbol.asyncDispose]() {
      stopping = true;
      releaseHung();
      listener.close();
      await acceptLoop;
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // the handler closed it
        }
      }
      await Promise.all([...handlers]);
    },
  };
}

/** A loopback URL where nothing listens (connection refused): a host with no metadata service. */
export function refusedUrl(): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `http://127.0.0.1:${port}`;
}
