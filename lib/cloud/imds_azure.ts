/**
 * Azure Instance Metadata Service: one GET of `/metadata/instance/compute` with the header
 * `Metadata: true` and an `api-version`; the JSON's `vmSize`, `location` and `zone`.
 *
 * @module
 */

import { type ImdsAnswer, type ImdsOptions, metadataRequest, nonEmpty } from "./imds.ts";

/**
 * The `api-version` asked for: any version since 2017-12-01 has `vmSize`, `location` and `zone`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AZURE_API_VERSION } from "./imds_azure.ts";
 * assert.ok(AZURE_API_VERSION >= "2017-12-01");
 * ```
 */
export const AZURE_API_VERSION = "2021-02-01";

/**
 * Reads the VM size, location (the region name) and zone from Azure IMDS. Never throws: a timeout,
 * a refused connection, a non-200 status or a body that is not the compute JSON is an answer with
 * `ok: false`. Azure reports missing values as empty strings; they become null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryAzure } from "./imds_azure.ts";
 * const fetch = (_url: string, init: RequestInit) =>
 *   Promise.resolve(
 *     new Headers(init.headers).get("metadata") === "true"
 *       ? Response.json({ vmSize: "Standard_D4s_v5", location: "westeurope", zone: "" })
 *       : new Response("", { status: 400 }),
 *   );
 * const answer = await queryAzure({ baseUrl: "http://127.0.0.1:9", fetch });
 * assert.ok(answer.ok);
 * assert.deepEqual([answer.instanceType, answer.region, answer.zone], [
 *   "Standard_D4s_v5",
 *   "westeurope",
 *   null,
 * ]);
 * ```
 */
export async function queryAzure(options: ImdsOptions = {}): Promise<ImdsAnswer> {
  const path = `/metadata/instance/compute?api-version=${AZURE_API_VERSION}`;
  try {
    const reply = await metadataRequest(path, { ...options, headers: { Metadata: "true" } });
    if (reply.status !== 200) {
      return { ok: false, provider: "azure", reason: `GET ${path} answered HTTP ${reply.status}` };
    }
    let compute: unknown;
    try {
      compute = JSON.parse(reply.body);
    } catch (err) {
      throw new Error(`GET ${path} did not answer JSON`, { cause: err });
    }
    if (typeof compute !== "object" || compute === null) {
      throw new Error(`GET ${path} did not answer a JSON object`);
    }
    const c = compute as Record<string, unknown>;
    return {
      ok: true,
      provider: "azure",
      instanceType: nonEmpty(c.vmSize),
      region: nonEmpty(c.location)?.toLowerCase() ?? null,
      zone: nonEmpty(c.zone),
      via: "Azure IMDS compute",
    };
  } catch (err) {
    return { ok: false, provider: "azure", reason: (err as Error).message };
  }
}
