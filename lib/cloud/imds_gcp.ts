/**
 * Google Compute Engine metadata server: `instance/machine-type` and `instance/zone` with the
 * request header `Metadata-Flavor: Google`. A reply is believed only when it carries the same
 * header back, so something else answering on the address is never taken for GCE.
 *
 * @module
 */

import {
  type ImdsAnswer,
  type ImdsOptions,
  lastSegment,
  type MetadataReply,
  metadataRequest,
} from "./imds.ts";

const FLAVOR = { "Metadata-Flavor": "Google" };

/**
 * Reads the machine type and zone (and the region, the zone minus its last `-x` part) from the GCE
 * metadata server. Never throws: a timeout, a refused connection, a non-200 status or a reply
 * without the `Metadata-Flavor: Google` response header is an answer with `ok: false`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryGcp } from "./imds_gcp.ts";
 * const values: Record<string, string> = {
 *   "/computeMetadata/v1/instance/machine-type": "projects/1/machineTypes/n2-standard-4",
 *   "/computeMetadata/v1/instance/zone": "projects/1/zones/europe-west1-b",
 * };
 * const fetch = (url: string) =>
 *   Promise.resolve(
 *     new Response(values[new URL(url).pathname], { headers: { "Metadata-Flavor": "Google" } }),
 *   );
 * const answer = await queryGcp({ baseUrl: "http://127.0.0.1:9", fetch });
 * assert.ok(answer.ok);
 * assert.deepEqual([answer.instanceType, answer.region, answer.zone], [
 *   "n2-standard-4",
 *   "europe-west1",
 *   "europe-west1-b",
 * ]);
 * ```
 */
export async function queryGcp(options: ImdsOptions = {}): Promise<ImdsAnswer> {
  try {
    const machineType = check(
      await metadataRequest("/computeMetadata/v1/instance/machine-type", {
        ...options,
        headers: FLAVOR,
      }),
      "instance/machine-type",
    );
    const zone = check(
      await metadataRequest("/computeMetadata/v1/instance/zone", { ...options, headers: FLAVOR }),
      "instance/zone",
    );
    const region = /^(.+)-[a-z]$/.exec(zone)?.[1] ?? null;
    return {
      ok: true,
      provider: "gcp",
      instanceType: machineType === "" ? null : machineType,
      region,
      zone: zone === "" ? null : zone,
      via: "GCE metadata server",
    };
  } catch (err) {
    return { ok: false, provider: "gcp", reason: (err as Error).message };
  }
}

function check(reply: MetadataReply, key: string): string {
  if (reply.headers.get("metadata-flavor") !== "Google") {
    throw new Error(
      `GET ${key} answered HTTP ${reply.status} without the response header ` +
        "Metadata-Flavor: Google; not a GCE metadata server",
    );
  }
  if (reply.status !== 200) throw new Error(`GET ${key} answered HTTP ${reply.status}`);
  return lastSegment(reply.body);
}
