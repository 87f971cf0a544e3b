/**
 * `carbon-ops providers [--region R] [--provider NAME]... [--start T --end T] [--json]`: asks
 * each configured live intensity provider for a span and reports what it answered or why it gave
 * no reading (credentials, region mapping, HTTP status, timeout, rate limit, malformed body).
 *
 * @module
 */

import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import { loadCatalog } from "../../carbon/user_file.ts";
import type { RegionLocation } from "../../carbon/provider.ts";
import { createLiveProvider } from "../../carbon/providers/factory.ts";
import { checkProviderName, LIVE_PROVIDER_NAMES } from "../../carbon/providers/provider_names.ts";
import { parseIsoMs } from "../../carbon/providers/parse_helpers.ts";

const USAGE = "carbon-ops providers [--region R] [--provider NAME]... [--start T --end T] [--json]";
const HOUR_MS = 3_600_000;

/**
 * The `providers` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { providersCommand } from "./providers.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [providersCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * const code = await runCli(["providers", "--region", "FR", "--provider", "static"], options);
 * assert.equal(code, 2);
 * assert.match(stderr.text(), /unknown intensity provider "static"/);
 * ```
 */
export const providersCommand: Command = {
  name: "providers",
  summary: "Check the live intensity providers (credentials, region, API answers) for a span",
  help: `Usage: ${USAGE}

Asks each live intensity provider named in carbon.providers (electricitymaps, watttime,
ukcarbonintensity; static is not checked) for the grid intensity of a region over a span, and
prints what it answered: the readings' count, first value, dataset and whether measured, or the
reason for "no reading" (not_configured, unknown_region, auth, rate_limited, http, timeout,
network, malformed, empty). Credentials are never printed.

Options:
  --region R        region to ask for (default carbon.region); catalog regions are mapped to each
                    provider's zone, other ids (CAISO_NORTH, gb:london) are passed as they are
  --provider NAME   check this provider (repeatable; default: the live ones in carbon.providers)
  --start T         span start, RFC 3339 with zone (default: three hours ago, on the hour)
  --end T           span end (default: one hour after the start)
  --json            print JSON

Configuration: docs/carbon-providers.md (carbon.electricityMapsToken, carbon.wattTimeUsername,
carbon.wattTimePassword, base URLs, carbon.providerTimeoutMs; env CARBON_OPS_CARBON_*).

Exit codes: 0 every checked provider answered, 1 at least one gave no reading, 2 usage or
configuration error (e.g. an unknown provider name).

Examples:
  carbon-ops providers --region FR
  carbon-ops providers --provider ukcarbonintensity --region gb:london --json
  carbon-ops providers --provider watttime --region CAISO_NORTH --start 2025-06-01T00:00:00Z --end 2025-06-01T06:00:00Z
`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, {
      options: {
        region: { type: "string" },
        provider: { type: "string", multiple: true },
        start: { type: "string" },
        end: { type: "string" },
        json: { type: "boolean" },
      },
      usage: USAGE,
    });
    const config = await ctx.loadConfig({ carbon: { region: values.region } });
    const c = config.carbon;
    const names = values.provider?.length
      ? values.provider.map((n) => checkProviderName(n, LIVE_PROVIDER_NAMES))
      : c.providers.map((n) => n.toLowerCase()).filter((n) =>
        (LIVE_PROVIDER_NAMES as readonly string[]).includes(n)
      );
    const { startMs, endMs } = span(values.start, values.end);
    const { region, location } = await locate(c.region, c.intensityFile);
    const results = [];
    for (const name of [...new Set(names)]) {
      const provider = createLiveProvider(name, c, { env: (k) => ctx.env[k] });
      const readings = await provider.intensityForSpan(region, startMs, endMs, { location });
      const first = readings?.[0];
      results.push({
        provider: name,
        ok: readings !== null,
        readings: readings?.length ?? 0,
        first: first === undefined ? null : {
          start: new Date(first.startMs).toISOString(),
          end: new Date(first.endMs).toISOString(),
          intensity_g_per_kwh: first.intensityGPerKwh,
          zone: first.zone,
          basis: first.basis,
          measured: first.measured,
          dataset: first.dataset,
          dataset_version: first.datasetVersion,
        },
        failure: provider.lastError === undefined || readings !== null ? null : {
          kind: provider.lastError.kind,
          message: provider.lastError.message,
          status: provider.lastError.status ?? null,
          attempts: provider.lastError.attempts ?? null,
        },
        requests: provider.stats().requests,
      });
    }
    const report = {
      region,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      providers: results,
    };
    if (values.json) writeJson(ctx.stdout, report);
    else {
      ctx.stdout.write(`Region ${region}, ${report.start} .. ${report.end}\n`);
      if (results.length === 0) {
        ctx.stdout.write(
          "No live provider configured (carbon.providers lists only static); " +
            "use --provider NAME or set carbon.providers.\n",
        );
      }
      const w = Math.max(0, ...results.map((r) => r.provider.length)) + 2;
      for (const r of results) {
        const what = r.first
          ? `${r.readings} reading(s); first ${r.first.intensity_g_per_kwh.toFixed(1)} g/kWh ` +
            `(${r.first.zone}, ${r.first.basis}, ${r.first.measured ? "measured" : "estimated"}) ` +
            `${r.first.dataset_version}`
          : `no reading: ${r.failure?.kind ?? "unknown"}: ${r.failure?.message ?? ""}`;
        ctx.stdout.write(`${r.provider.padEnd(w)}${what}\n`);
      }
    }
    return results.every((r) => r.ok) ? 0 : 1;
  },
};

function span(start: string | undefined, end: string | undefined) {
  const parse = (flag: string, v: string) => {
    const ms = parseIsoMs(v);
    if (ms === undefined) {
      throw new UsageError(`${flag} "${v}" is not an RFC 3339 time with a zone`, {
        hint: "e.g. 2025-06-01T00:00:00Z",
        usage: USAGE,
      });
    }
    return ms;
  };
  const startMs = start === undefined
    ? Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS
    : parse("--start", start);
  const endMs = end === undefined ? startMs + HOUR_MS : parse("--end", end);
  if (!(endMs > startMs)) {
    throw new UsageError("--end must be after --start", { usage: USAGE });
  }
  return { startMs, endMs };
}

async function locate(
  region: string,
  intensityFile: string | null,
): Promise<{ region: string; location: RegionLocation | undefined }> {
  const catalog = await loadCatalog({ intensityFile });
  const match = catalog.match(region);
  if (match.kind === "place" && match.place.electricityMapsZone) {
    // a place without an embedded figure that Electricity Maps serves (SE4, NO1, a province)
    const zone = match.place.electricityMapsZone;
    return {
      region: zone,
      location: {
        id: zone,
        ...(match.place.countryCode ? { countryCode: match.place.countryCode } : {}),
        electricityMapsZone: zone,
      },
    };
  }
  const id = catalog.resolveId(region);
  if (id === undefined) return { region, location: undefined };
  const f = catalog.lookup(id).figure;
  return {
    region: f.id,
    location: {
      id: f.id,
      ...(f.countryCode ? { countryCode: f.countryCode } : {}),
      ...(f.electricityMapsZone ? { electricityMapsZone: f.electricityMapsZone } : {}),
    },
  };
}
