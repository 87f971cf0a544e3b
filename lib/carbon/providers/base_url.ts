/**
 * Base URL checks for live providers: credentials are sent only over HTTPS, except to loopback
 * hosts (local test servers and proxies).
 *
 * @module
 */

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * Validates and normalises a provider base URL (no trailing slash). Throws `TypeError` for a
 * URL that is not absolute http(s), carries user info, a query or fragment, or uses plain HTTP
 * to a non-loopback host.
 *
 * @param url The configured base URL.
 * @param what Name of the setting, for the message (e.g. `carbon.electricityMapsUrl`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkBaseUrl } from "./base_url.ts";
 * assert.equal(checkBaseUrl("https://api.electricitymap.org/", "url"), "https://api.electricitymap.org");
 * assert.equal(checkBaseUrl("http://127.0.0.1:8080", "url"), "http://127.0.0.1:8080");
 * assert.throws(() => checkBaseUrl("http://example.com", "url"), TypeError);
 * ```
 */
export function checkBaseUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${what}: "${url}" is not an absolute URL; use e.g. https://host`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new TypeError(`${what}: "${url}" must use https`);
  }
  if (parsed.protocol === "http:" && !LOOPBACK.has(parsed.hostname)) {
    throw new TypeError(
      `${what}: "${url}" uses plain http to a non-loopback host; use https so credentials ` +
        `are not sent in clear`,
    );
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new TypeError(`${what}: put credentials in their own settings, not in the URL`);
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    throw new TypeError(`${what}: "${url}" must not have a query or fragment`);
  }
  return parsed.href.replace(/\/+$/, "");
}
