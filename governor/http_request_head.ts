/**
 * A minimal, strict parser for the head of an HTTP/1.x request (request line and header fields),
 * enough for a GET-only scrape endpoint: origin-form targets, token header names, no obsolete
 * line folding, no request body. Anything else is refused with the status to answer.
 *
 * @module
 */

/**
 * A parsed request head.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead, type RequestHead } from "./http_request_head.ts";
 * const head = parseRequestHead(
 *   new TextEncoder().encode("GET /metrics?x=1 HTTP/1.1\r\nAccept: text/plain\r\n\r\n"),
 * ) as RequestHead;
 * assert.deepEqual(head, { ok: true, method: "GET", path: "/metrics", accept: "text/plain" });
 * ```
 */
export interface RequestHead {
  /** Parsed. */
  readonly ok: true;
  /** The method, as sent (upper case letters only). */
  readonly method: string;
  /** The target's path, without its query. */
  readonly path: string;
  /** The `Accept` header (several joined with ", "), or null when absent. */
  readonly accept: string | null;
}

/**
 * A request head that cannot be served.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead, type RequestHeadError } from "./http_request_head.ts";
 * const bad = parseRequestHead(new TextEncoder().encode("GET metrics HTTP/1.1\r\n\r\n"));
 * assert.equal((bad as RequestHeadError).status, 400);
 * ```
 */
export interface RequestHeadError {
  /** Refused. */
  readonly ok: false;
  /** HTTP status to answer (400). */
  readonly status: number;
  /** What is wrong, for the response body. */
  readonly message: string;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\/[\x21-\x7e]*) HTTP\/1\.([01])$/;
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\x20-\x7e\t]*?)[ \t]*$/;

/**
 * Parses the bytes of a request head, up to and including its terminating empty line
 * (`\r\n\r\n`). Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "./http_request_head.ts";
 * const enc = new TextEncoder();
 * assert.equal(parseRequestHead(enc.encode("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")).ok, true);
 * const body = parseRequestHead(enc.encode("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"));
 * assert.equal(body.ok, false);
 * ```
 */
export function parseRequestHead(bytes: Uint8Array): RequestHead | RequestHeadError {
  const bad = (message: string): RequestHeadError => ({ ok: false, status: 400, message });
  let text = "";
  for (const b of bytes) {
    if (b > 0x7e) return bad("request head must be ASCII");
    text += String.fromCharCode(b);
  }
  if (!text.endsWith("\r\n\r\n")) return bad("request head must end with an empty line (CRLF)");
  const lines = text.slice(0, -4).split("\r\n");
  const m = REQUEST_LINE.exec(lines[0]);
  if (!m) return bad("request line must be 'METHOD /path HTTP/1.1'");
  const [, method, target] = m;
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const accepts: string[] = [];
  for (const line of lines.slice(1)) {
    const f = FIELD.exec(line);
    if (!f) return bad(`malformed header line '${line.slice(0, 40)}'`);
    const name = f[1].toLowerCase();
    if (name === "accept") accepts.push(f[2]);
    if (name === "transfer-encoding" || (name === "content-length" && f[2] !== "0")) {
      return bad(`a ${method} request carries no body (${f[1]})`);
    }
  }
  return { ok: true, method, path, accept: accepts.length ? accepts.join(", ") : null };
}
