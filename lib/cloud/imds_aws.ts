/**
 * AWS EC2 Instance Metadata Service v2: one token PUT, then the instance identity document (or,
 * when the document is not served, the `meta-data` paths). IMDSv1 (a GET without a token) is never
 * used: a refused token means "no answer".
 *
 * @module
 */

import { type ImdsAnswer, type ImdsOptions, metadataRequest, nonEmpty } from "./imds.ts";

/** Token lifetime asked for, in seconds (only this process uses it). */
const TOKEN_TTL_SECONDS = "60";

/**
 * Reads the instance type, region and availability zone from AWS IMDSv2. Never throws: a refused
 * token (403 when IMDS is off, 404 on an IMDSv1-only service), a timeout or a refused connection
 * is an answer with `ok: false` and the reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryAws } from "./imds_aws.ts";
 * const fetch = (url: string, init: RequestInit) => {
 *   const path = new URL(url).pathname;
 *   if (init.method === "PUT") return Promise.resolve(new Response("TOKEN123"));
 *   const token = new Headers(init.headers).get("x-aws-ec2-metadata-token");
 *   if (token !== "TOKEN123") return Promise.resolve(new Response("", { status: 401 }));
 *   if (path === "/latest/dynamic/instance-identity/document") {
 *     const doc = { instanceType: "m5.large", region: "eu-west-1", availabilityZone: "eu-west-1a" };
 *     return Promise.resolve(new Response(JSON.stringify(doc)));
 *   }
 *   return Promise.resolve(new Response("", { status: 404 }));
 * };
 * const answer = await queryAws({ baseUrl: "http://127.0.0.1:9", fetch });
 * assert.ok(answer.ok);
 * assert.deepEqual([answer.instanceType, answer.region, answer.zone], [
 *   "m5.large",
 *   "eu-west-1",
 *   "eu-west-1a",
 * ]);
 * ```
 */
export async function queryAws(options: ImdsOptions = {}): Promise<ImdsAnswer> {
  try {
    const tokenReply = await metadataRequest("/latest/api/token", {
      ...options,
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_SECONDS },
    });
    if (tokenReply.status !== 200 || tokenReply.body.trim() === "") {
      const v1 = tokenReply.status === 404 || tokenReply.status === 405
        ? " (an IMDSv1-only service; carbon-ops does not use IMDSv1)"
        : tokenReply.status === 403
        ? " (IMDS is turned off or the token request was not allowed)"
        : "";
      return {
        ok: false,
        provider: "aws",
        reason: `IMDSv2 token request answered HTTP ${tokenReply.status}${v1}`,
      };
    }
    const headers = { "X-aws-ec2-metadata-token": tokenReply.body.trim() };
    const doc = await metadataRequest("/latest/dynamic/instance-identity/document", {
      ...options,
      headers,
    });
    if (doc.status === 200) {
      const parsed = parseDocument(doc.body);
      if (parsed) return { ok: true, provider: "aws", ...parsed, via: "IMDSv2 identity document" };
    }
    return await fromMetaData(options, headers, doc.status);
  } catch (err) {
    return { ok: false, provider: "aws", reason: (err as Error).message };
  }
}

function parseDocument(
  text: string,
): { instanceType: string | null; region: string | null; zone: string | null } | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null) return null;
  const d = doc as Record<string, unknown>;
  const zone = nonEmpty(d.availabilityZone);
  return {
    instanceType: nonEmpty(d.instanceType),
    region: nonEmpty(d.region) ?? regionFromZone(zone),
    zone,
  };
}

/** The AWS region of an availability zone: the zone minus its final letter(s). */
function regionFromZone(zone: string | null): string | null {
  if (zone === null) return null;
  const m = /^(.*\d)[a-z]+$/.exec(zone);
  return m ? m[1] : null;
}

async function fromMetaData(
  options: ImdsOptions,
  headers: Record<string, string>,
  docStatus: number,
): Promise<ImdsAnswer> {
  const get = async (item: string): Promise<string | null> => {
    const reply = await metadataRequest(`/latest/meta-data/${item}`, { ...options, headers });
    if (reply.status === 200) return nonEmpty(reply.body);
    if (reply.status === 404) return null;
    throw new Error(`GET /latest/meta-data/${item} answered HTTP ${reply.status}`);
  };
  const instanceType = await get("instance-type");
  const zone = await get("placement/availability-zone");
  const region = (await get("placement/region")) ?? regionFromZone(zone);
  if (instanceType === null && region === null) {
    return {
      ok: false,
      provider: "aws",
      reason: `identity document answered HTTP ${docStatus} and meta-data has no instance type ` +
        "or placement",
    };
  }
  return { ok: true, provider: "aws", instanceType, region, zone, via: "IMDSv2 meta-data" };
}
