/**
 * Hiding credentials embedded in configured values before they are printed, e.g. by
 * `carbon-ops config` or in a configuration error message.
 *
 * @module
 */

/** `scheme://user:password@` at the start of a URL: the user info is a credential. */
const URL_USER_INFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\s"'@]*@/g;

/**
 * `value` with the user info of every URL in it (`https://user:pass@host`) replaced by
 * `(hidden)`; arrays element by element; other values unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hideUrlCredentials } from "./redact.ts";
 * assert.equal(hideUrlCredentials("https://ops:s3cret@api.example/v3"), "https://(hidden)@api.example/v3");
 * assert.equal(hideUrlCredentials('"http://a:b@example.com" uses plain http'), '"http://(hidden)@example.com" uses plain http');
 * assert.deepEqual(hideUrlCredentials(["https://x.example", 3]), ["https://x.example", 3]);
 * ```
 */
export function hideUrlCredentials(value: unknown): unknown {
  if (typeof value === "string") return value.replace(URL_USER_INFO, "$1(hidden)@");
  if (Array.isArray(value)) return value.map(hideUrlCredentials);
  return value;
}
