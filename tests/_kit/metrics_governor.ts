/** A real governor process on the simulated source with its metrics endpoint on loopback. */
import { type GovernorProcess, startGovernorProcess } from "./governor_process.ts";

/** Accept header that asks for OpenMetrics, as Prometheus 2.x sends it. */
export const ACCEPT_OPENMETRICS =
  "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75," +
  "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/** A governor process and the port of its metrics endpoint. */
export interface MetricsGovernor extends AsyncDisposable {
  /** The process (stop it, read its stderr). */
  readonly gov: GovernorProcess;
  /** The metrics port on 127.0.0.1. */
  readonly port: number;
  /** Fetches `/metrics` with `accept` (default: none) and returns the content type and text. */
  fetchPage(accept?: string): Promise<{ contentType: string; text: string }>;
}

/**
 * Starts `carbon-ops governor --rapl-mode=sim --metrics-listen 127.0.0.1:0` on `socketPath`
 * (group `daemon`) and reads the bound port from its start-up lines.
 */
export async function startMetricsGovernor(socketPath: string): Promise<MetricsGovernor> {
  const gov = await startGovernorProcess(socketPath, [
    "--rapl-mode=sim",
    "--group",
    "daemon",
    "--metrics-listen",
    "127.0.0.1:0",
  ]);
  const m = /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(gov.stderr());
  if (!m) {
    await gov.stop("SIGKILL");
    throw new Error(`the governor printed no metrics line: ${gov.stderr()}`);
  }
  const port = Number(m[1]);
  return {
    gov,
    port,
    async fetchPage(accept?: string) {
      // Deno's fetch sends `Accept: */*` unless told otherwise; a raw request sends none.
      if (accept === undefined) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        const raw = new TextDecoder().decode(
          await new Response(conn.readable).arrayBuffer(),
        );
        const [head, ...body] = raw.split("\r\n\r\n");
        if (!head.startsWith("HTTP/1.1 200 ")) throw new Error(`metrics answered: ${raw}`);
        const type = /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? "";
        return { contentType: type, text: body.join("\r\n\r\n") };
      }
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`metrics answered ${res.status}: ${text}`);
      return { contentType: res.headers.get("content-type") ?? "", text };
    },
    async [Symbol.asyncDispose]() {
      await gov[Symbol.asyncDispose]();
    },
  };
}
