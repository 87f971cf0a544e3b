/**
 * DSSE pre-authentication encoding (PAE), the bytes a record signature covers.
 *
 * @module
 */

import { utf8Bytes } from "./encoding.ts";

/**
 * DSSE payload type of a ledger record (v1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pae, RECORD_PAYLOAD_TYPE } from "./dsse.ts";
 * const text = new TextDecoder().decode(pae(RECORD_PAYLOAD_TYPE, new Uint8Array()));
 * assert.equal(text, `DSSEv1 ${RECORD_PAYLOAD_TYPE.length} ${RECORD_PAYLOAD_TYPE} 0 `);
 * ```
 */
export const RECORD_PAYLOAD_TYPE = "application/vnd.carbon-ops.ledger-record.v1+json";

/**
 * `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as decimal byte
 * counts (DSSE protocol spec). `payloadType` is UTF-8 encoded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pae } from "./dsse.ts";
 * const bytes = pae("t", new TextEncoder().encode("hi"));
 * assert.equal(new TextDecoder().decode(bytes), "DSSEv1 1 t 2 hi");
 * ```
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const typeBytes = utf8Bytes(payloadType);
  const head = utf8Bytes(`DSSEv1 ${typeBytes.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}
