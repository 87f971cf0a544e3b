/**
 * What the three cloud metadata services have in common: the provider names, the link-local
 * address, the answer shape, and one HTTP request made directly to the service (never through an
 * HTTP proxy, never with `X-Forwarded-For`), with a timeout and no retry. The per-provider
 * exchanges are in `imds_aws.ts`, `imds_gcp.ts` and `imds_azure.ts`.
 *
 * @module
 */

/**
 * A cloud provider that carbon-ops can recognise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOUD_PROVIDERS, type CloudProvider } from "./imds.ts";
 * const provider: CloudProvider = "gcp";
 * assert.ok(CLOUD_PROVIDERS.includes(provider));
 * ```
 */
export type CloudProvider = "aws" | "gcp" | "azure";

/**
 * The providers in probing order (AWS token PUT, then GCP, then Azure, as imds.md advises).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOUD_PROVIDERS } from "./imds.ts";
 * assert.deepEqual(CLOUD_PROVIDERS, ["aws", "gcp", "azure"]);
 * ```
 */
export const CLOUD_PROVIDERS: readonly CloudProvider[] = Object.freeze(["aws", "gcp", "azure"]);

/**
 * The link-local base URL where all three metadata services live (plain HTTP, port 80).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METADATA_BASE_URL } from "./imds.ts";
 * assert.equal(new URL(METADATA_BASE_URL).hostname, "169.254.169.254");
 * ```
 */
export const METADATA_BASE_URL = "http://169.254.169.254";

/**
 * The fetch shape the metadata clients use; injectable so tests can record every request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetadataFetch } from "./imds.ts";
 * const seen: string[] = [];
 * const fake: MetadataFetch = (url) => (seen.push(url), Promise.resolve(new Response("m5.large")));
 * assert.equal(await (await fake("http://x/latest/meta-data/instance-type", {})).text(), "m5.large");
 * assert.equal(seen.length, 1);
 * ```
 */
export type MetadataFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * How a metadata client reaches its service.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ImdsOptions } from "./imds.ts";
 * const options: ImdsOptions = { baseUrl: "http://127.0.0.1:8169", timeoutMs: 300 };
 * assert.equal(options.fetch, undefined);
 * ```
 */
export interface ImdsOptions {
  /** Base URL of the service, without a trailing path (default `METADATA_BASE_URL`). */
  readonly baseUrl?: string;
  /** Longest wait for each request, connect included, in ms (default 300). */
  readonly timeoutMs?: number;
  /** The fetch to use (default `directFetch`: straight to the host, bypassing any proxy). */
  readonly fetch?: MetadataFetch;
}

/**
 * What a metadata service said: the instance type, region and zone it reported (null when it did
 * not report one), or why it gave nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ImdsAnswer } from "./imds.ts";
 * const answers: ImdsAnswer[] = [{ ok: false, provider: "aws", reason: "timed out after 300 ms" }];
 * assert.deepEqual(answers.map((a) => a.ok ? a.region : a.reason), ["timed out after 300 ms"]);
 * ```
 */
export type ImdsAnswer =
  | {
    readonly ok: true;
    readonly provider: CloudProvider;
    readonly instanceType: string | null;
    readonly region: string | null;
    readonly zone: string | null;
    /** How the values were read, e.g. `IMDSv2 identity document`. */
    readonly via: string;
  }
  | { readonly ok: false; readonly provider: CloudProvider; readonly reason: string };

/**
 * A metadata reply with its body already read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetadataReply } from "./imds.ts";
 * const reply: MetadataReply = { status: 200, headers: new Headers(), body: "m5.large" };
 * assert.equal(reply.body, "m5.large");
 * ```
 */
export interface MetadataReply {
  /** HTTP status. */
  readonly status: number;
  /** Response headers. */
  readonly headers: Headers;
  /** Response body as text. */
  readonly body: string;
}

/**
 * One HTTP/1.1 request straight to the URL's host and port over a TCP connection of its own
 * (`Connection: close`, origin-form target), so that `HTTP_PROXY` and friends never apply (Azure
 * requires this, and a proxy would leak the request off the host) and no pooled connection
 * outlives the call. Honours `init.signal` (closing the connection). Plain HTTP only; the body is
 * read by `Content-Length`, chunked, or to the end of the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { directFetch } from "./imds.ts";
 * const stop = new AbortController();
 * const server = Deno.serve(
 *   { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen: () => {} },
 *   (req) => new Response(`t3.large via ${new URL(req.url).pathname}`),
 * );
 * const url = `http://127.0.0.1:${server.addr.port}/latest/meta-data/instance-type`;
 * const response = await directFetch(url, {});
 * assert.equal(await response.text(), "t3.large via /latest/meta-data/instance-type");
 * stop.abort();
 * await server.finished;
 * ```
 */
export async function directFetch(url: string, init: RequestInit): Promise<Response> {
  const u = new URL(url);
  if (u.protocol !== "http:") {
    throw new TypeError(`metadata URL ${url} is not http://; metadata services speak plain HTTP`);
  }
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  const hostname = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = u.port === "" ? 80 : Number(u.port);
  const conn = await Deno.connect({ hostname, port, signal });
  const onAbort = () => {
    try {
      conn.close();
    } catch {
      // already closed
    }
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const headers = new Headers(init.headers);
    headers.set("Host", u.host);
    headers.set("Connection", "close");
    const method = init.method ?? "GET";
    if (method === "PUT" || method === "POST") headers.set("Content-Length", "0");
    const head = `${method} ${u.pathname}${u.search} HTTP/1.1\r\n` +
      [...headers].map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    const bytes = new TextEncoder().encode(head);
    for (let done = 0; done < bytes.length;) done += await conn.write(bytes.subarray(done));
    const raw = await readAll(conn);
    return parseResponse(raw, url);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    onAbort();
  }
}

async function readAll(conn: Deno.Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const chunk = new Uint8Array(16_384);
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) break;
    parts.push(chunk.slice(0, n));
    total += n;
    if (total > 1_048_576) throw new RangeError("metadata reply is larger than 1 MiB");
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) (all.set(p, at), at += p.length);
  return all;
}

function parseResponse(raw: Uint8Array, url: string): Response {
  const latin = new TextDecoder("latin1").decode(raw);
  const end = latin.indexOf("\r\n\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(latin);
  if (end < 0 || !status) throw new TypeError(`${url} did not answer HTTP/1.1`);
  const headers = new Headers();
  for (const line of latin.slice(0, end).split("\r\n").slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) body = dechunk(body, url);
  else if (headers.has("content-length")) {
    body = body.subarray(0, Number(headers.get("content-length")));
  }
  headers.delete("transfer-encoding");
  const code = Number(status[1]);
  const nullBody = code === 204 || code === 304 || (code >= 100 && code < 200);
  return new Response(nullBody ? null : body.slice(), { status: code, headers });
}

function dechunk(body: Uint8Array, url: string): Uint8Array {
  const out: number[] = [];
  let at = 0;
  const latin = new TextDecoder("latin1").decode(body);
  for (;;) {
    const eol = latin.indexOf("\r\n", at);
    const size = eol < 0 ? NaN : parseInt(latin.slice(at, eol).split(";")[0], 16);
    if (!Number.isFinite(size)) throw new TypeError(`${url} sent a bad chunked body`);
    if (size === 0) return new Uint8Array(out);
    out.push(...body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Makes one request (no retry) with the options' timeout and returns the reply, or throws an
 * `Error` whose message says what failed (`timed out after 300 ms`, `connection refused ...`).
 * Never sends `X-Forwarded-For`.
 *
 * @param path Path and query below the base URL, starting with `/`.
 * @param request `method` (default GET) and `headers` (default none), plus the `ImdsOptions`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metadataRequest } from "./imds.ts";
 * const fetch = (url: string) => Promise.resolve(new Response(`got ${new URL(url).pathname}`));
 * const reply = await metadataRequest("/computeMetadata/v1/instance/zone", {
 *   baseUrl: "http://127.0.0.1:9",
 *   fetch,
 * });
 * assert.deepEqual([reply.status, reply.body], [200, "got /computeMetadata/v1/instance/zone"]);
 * ```
 */
export async function metadataRequest(
  path: string,
  request: ImdsOptions & { method?: string; headers?: Record<string, string> } = {},
): Promise<MetadataReply> {
  const base = (request.baseUrl ?? METADATA_BASE_URL).replace(/\/+$/, "");
  const timeoutMs = request.timeoutMs ?? 300;
  const doFetch = request.fetch ?? directFetch;
  const method = request.method ?? "GET";
  const url = base + path;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await doFetch(url, {
      method,
      headers: request.headers ?? {},
      redirect: "manual",
      signal,
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (err) {
    const what = `${method} ${url}`;
    if (signal.aborted) {
      throw new Error(`${what} timed out after ${timeoutMs} ms`, { cause: err });
    }
    throw new Error(`${what} failed: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
}

/**
 * The last `/`-separated segment of a metadata value, trimmed (GCP answers
 * `projects/123/machineTypes/n2-standard-8`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastSegment } from "./imds.ts";
 * assert.equal(lastSegment("projects/123456789012/zones/us-central1-b\n"), "us-central1-b");
 * assert.equal(lastSegment("m5.large"), "m5.large");
 * ```
 */
export function lastSegment(value: string): string {
  const parts = value.trim().split("/");
  return parts[parts.length - 1].trim();
}

/**
 * The trimmed value, or null when it is empty (Azure reports missing values as empty strings).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonEmpty } from "./imds.ts";
 * assert.equal(nonEmpty(" westus "), "westus");
 * assert.equal(nonEmpty(""), null);
 * assert.equal(nonEmpty(undefined), null);
 * ```
 */
export function nonEmpty(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const t = value.trim();
  return t === "" ? null : t;
}
