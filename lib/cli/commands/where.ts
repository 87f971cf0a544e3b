/**
 * `carbon-ops where [--json] [--dmi-root DIR] [--metadata-url URL] [--refresh]`: the cloud
 * provider, instance type, region and zone this host runs in, and where each came from (DMI, the
 * metadata service, or config), cached per boot.
 *
 * @module
 */

import { ConfigError, UsageError } from "../../base/errors.ts";
import { didYouMean } from "../../base/suggest.ts";
import { CLOUD_PROVIDERS, type CloudProvider, type MetadataFetch } from "../../cloud/imds.ts";
import {
  applyOverrides,
  detectLocation,
  type LocatedValue,
  locationJson,
  type LocationOverrides,
} from "../../cloud/location.ts";
import { cachedLocation, defaultLocationCachePath } from "../../cloud/location_cache.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";

const USAGE = "carbon-ops where [--json] [--dmi-root DIR] [--metadata-url URL] [--refresh] " +
  "[--cache FILE] [--metadata-timeout-ms N] [--provider P] [--instance-type T] [--region R] " +
  "[--zone Z]";

const SOURCE_WORDS: Readonly<Record<LocatedValue["source"], string>> = {
  dmi: "DMI",
  metadata: "metadata service",
  config: "config",
};

/**
 * What `createWhereCommand` may be given instead of the real network and process facts (tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WhereDeps } from "./where.ts";
 * const deps: WhereDeps = { uid: 1000 };
 * assert.equal(deps.fetch, undefined);
 * ```
 */
export interface WhereDeps {
  /** The fetch for metadata requests (default: a direct connection, bypassing proxies). */
  readonly fetch?: MetadataFetch;
  /** The user id that picks the default cache path (default: the process's). */
  readonly uid?: number;
}

function providerOption(raw: string | undefined): CloudProvider | undefined {
  if (raw === undefined) return undefined;
  const p = raw.toLowerCase();
  if ((CLOUD_PROVIDERS as readonly string[]).includes(p)) return p as CloudProvider;
  throw new UsageError(`--provider expects one of ${CLOUD_PROVIDERS.join(", ")}, got '${raw}'`, {
    hint: didYouMean(p, CLOUD_PROVIDERS),
    usage: USAGE,
  });
}

function metadataUrlOption(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    throw new UsageError(`--metadata-url is not a URL: '${raw}'`, {
      hint: "write e.g. http://127.0.0.1:8169",
      usage: USAGE,
      cause: err,
    });
  }
  if (u.protocol !== "http:" || (u.pathname !== "/" && u.pathname !== "") || u.search !== "") {
    throw new UsageError(`--metadata-url must be a plain http:// base URL, got '${raw}'`, {
      hint: "metadata services speak plain HTTP; give scheme, host and port only",
      usage: USAGE,
    });
  }
  return `http://${u.host}`;
}

/** `--region aws:eu-west-1` also names the provider; a plain `eu-west-1` does not. */
function regionOverride(
  raw: string | undefined,
  provider: CloudProvider | undefined,
): { region?: string; provider?: CloudProvider } {
  if (raw === undefined) return {};
  const m = /^([a-z]+):(.+)$/i.exec(raw);
  if (!m) return { region: raw };
  const named = providerOption(m[1]);
  if (provider !== undefined && named !== provider) {
    throw new UsageError(`--region ${raw} names ${named} but --provider is ${provider}`, {
      usage: USAGE,
    });
  }
  return { region: m[2], provider: named };
}

/** The config's `cloud.metadataUrl`, checked like the flag (a ConfigError names the key). */
function configMetadataUrl(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  try {
    return metadataUrlOption(raw);
  } catch (err) {
    throw new ConfigError(
      `cloud.metadataUrl must be a plain http:// base URL such as http://127.0.0.1:8169, ` +
        `got ${JSON.stringify(raw)}`,
      { source: "cloud.metadataUrl", key: "cloud.metadataUrl", cause: err },
    );
  }
}

/** `--instance-type aws:m5.large` (or `cloud.instanceType`) also names the provider. */
function typeOverride(
  raw: string | undefined,
  provider: CloudProvider | undefined,
): { instanceType?: string; provider?: CloudProvider } {
  if (raw === undefined) return {};
  const m = /^([a-z]+):(.+)$/i.exec(raw);
  if (!m) return { instanceType: raw };
  const named = providerOption(m[1]);
  if (provider !== undefined && named !== provider) {
    throw new UsageError(`instance type ${raw} names ${named} but the provider is ${provider}`, {
      usage: USAGE,
    });
  }
  return { instanceType: m[2], provider: named };
}

function line(label: string, v: LocatedValue | null, extra = ""): string {
  const value = v === null ? "unknown" : v.value;
  const from = v === null ? "" : `(${SOURCE_WORDS[v.source]}${extra})`;
  return `${label.padEnd(15)}${value.padEnd(17)} ${from}`.trimEnd() + "\n";
}

/**
 * Builds the `where` command; `deps` replace the network and the process's user id in tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { createWhereCommand } from "./where.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/dmi`);
 * await Deno.writeTextFile(`${dir}/dmi/sys_vendor`, "QEMU\n");
 * const requests: string[] = [];
 * const where = createWhereCommand({
 *   fetch: (url) => (requests.push(url), Promise.resolve(new Response(""))),
 * });
 * const stdout = bufferSink();
 * const argv = ["where", "--json", "--dmi-root", `${dir}/dmi`, "--cache", `${dir}/location.json`];
 * const options = { commands: [where], stdout, stderr: bufferSink(), env: { CARBON_OPS_CONFIG: "" } };
 * assert.equal(await runCli(argv, options), 0);
 * assert.equal(JSON.parse(stdout.text()).provider, null);
 * assert.deepEqual(requests, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createWhereCommand(deps: WhereDeps = {}): Command {
  return {
    name: "where",
    summary: "Show the cloud provider, instance type, region and zone detected, and their sources",
    help: `Usage: ${USAGE}

Detects where this host runs: the cloud provider, instance type, region and zone, and prints each
with its source: DMI (/sys/class/dmi/id, no network), the metadata service, or config. The region
is also given as the carbon catalog's id (aws:eu-west-1, gcp:europe-west1, azure:westeurope).

DMI is read first. A metadata service is asked only when DMI names its provider (AWS IMDSv2 with a
token, GCP with Metadata-Flavor: Google, Azure with Metadata: true), once, with a short timeout
and never through a proxy. A host whose DMI names no cloud never contacts a metadata address,
unless --metadata-url is given (then AWS, GCP and Azure are asked in turn until one answers).
The result is cached per boot (keyed by /proc/sys/kernel/random/boot_id); a result whose metadata
request failed is not cached, so the next run asks again.

Options:
  --json                    print JSON
Every option but --json, --refresh and --cache has a config key in the cloud section (dmiRoot,
metadataUrl, metadataTimeoutMs, provider, instanceType, region, zone; plus metadata: auto, always
or never, and cachePath); a flag wins over the config.

  --dmi-root DIR            DMI directory (default cloud.dmiRoot, /sys/class/dmi/id)
  --metadata-url URL        metadata base URL for every provider, e.g. a fake on
                            http://127.0.0.1:8169 (default http://169.254.169.254, used only for
                            the provider DMI names); setting it also asks on non-cloud hosts
  --metadata-timeout-ms N   longest wait for each metadata request (default 300)
  --refresh                 detect again even when this boot's result is cached
  --cache FILE              cache file (default /var/lib/carbon-ops/location.json for root, else
                            $XDG_STATE_HOME/carbon-ops/location.json or
                            ~/.local/state/carbon-ops/location.json)
  --provider P              use P (aws, gcp, azure) whatever was detected
  --instance-type T         use instance type T
  --region R                use region R (the provider's name, e.g. eu-west-1, or aws:eu-west-1)
  --zone Z                  use zone Z

Exit codes: 0 ok (also on a host that is not a cloud VM, or when the metadata service did not
answer: the output says so), 1 the DMI directory exists but cannot be read, 2 usage error.

Examples:
  carbon-ops where
  carbon-ops where --json --refresh
  carbon-ops where --dmi-root ./fake-dmi --metadata-url http://127.0.0.1:8169
`,
    async run(ctx) {
      const { values } = parseCommandArgs(ctx.argv, {
        options: {
          json: { type: "boolean" },
          "dmi-root": { type: "string" },
          "metadata-url": { type: "string" },
          "metadata-timeout-ms": { type: "string" },
          refresh: { type: "boolean" },
          cache: { type: "string" },
          provider: { type: "string" },
          "instance-type": { type: "string" },
          region: { type: "string" },
          zone: { type: "string" },
        },
        usage: USAGE,
      });
      const config = await ctx.loadConfig();
      const cloud = config.cloud;
      const dmiRoot = values["dmi-root"] ?? cloud.dmiRoot;
      if (values["dmi-root"] !== undefined) {
        const exists = await Deno.stat(dmiRoot).then((s) => s.isDirectory, () => false);
        if (!exists) {
          throw new UsageError(`--dmi-root ${dmiRoot} is not a directory`, {
            hint: "give the directory that holds sys_vendor, product_name, ...",
            usage: USAGE,
          });
        }
      }
      const metadataUrl = metadataUrlOption(values["metadata-url"]) ??
        configMetadataUrl(cloud.metadataUrl);
      const timeoutMs = values["metadata-timeout-ms"] === undefined
        ? cloud.metadataTimeoutMs
        : numberOption(values["metadata-timeout-ms"], "--metadata-timeout-ms", {
          min: 10,
          max: 60_000,
          integer: true,
        });
      const providerFlag = providerOption(values.provider);
      const fromRegion = regionOverride(values.region, providerFlag);
      const fromType = typeOverride(values["instance-type"], providerFlag ?? fromRegion.provider);
      const fromConfigType = typeOverride(
        cloud.instanceType ?? undefined,
        cloud.provider ?? undefined,
      );
      const overrides: LocationOverrides = {
        provider: providerFlag ?? fromRegion.provider ?? fromType.provider ??
          cloud.provider ?? fromConfigType.provider,
        instanceType: fromType.instanceType ?? fromConfigType.instanceType,
        region: fromRegion.region ?? cloud.region,
        zone: values.zone ?? cloud.zone,
      };
      // An explicit URL (flag or config) means "ask it", also on a host whose DMI names no cloud.
      const mode = values["metadata-url"] !== undefined
        ? "always"
        : cloud.metadata === "auto" && metadataUrl !== undefined
        ? "always"
        : cloud.metadata;
      const cachePath = values.cache ?? cloud.cachePath ??
        defaultLocationCachePath({ uid: deps.uid, env: ctx.env });
      const result = await cachedLocation(
        () =>
          detectLocation({ dmiRoot, metadataUrl, metadata: mode, timeoutMs, fetch: deps.fetch }),
        {
          path: cachePath,
          key: `dmi=${dmiRoot} metadata=${metadataUrl ?? "link-local"} mode=${mode}`,
          procRoot: config.energy.procRoot,
          refresh: values.refresh ?? false,
        },
      );
      const here = applyOverrides(result.location, overrides);
      if (values.json) {
        writeJson(ctx.stdout, {
          ...locationJson(here),
          cache: { status: result.cache, detail: result.detail },
        });
        return 0;
      }
      const out = ctx.stdout;
      if (here.provider === null) {
        out.write(`${"provider".padEnd(15)}none: not a cloud VM (${here.dmi})\n`);
      } else {
        const dmiNote = here.provider.source === "dmi" ? `: ${here.dmi}` : "";
        out.write(line("provider", here.provider, dmiNote));
        out.write(line("instance type", here.instanceType));
        const catalog = here.regionId === null ? "" : `; catalog region ${here.regionId}`;
        out.write(line("region", here.region, catalog));
        out.write(line("zone", here.zone));
      }
      const m = here.metadata;
      out.write(`${"metadata".padEnd(15)}${m.status}: ${m.detail}\n`);
      const cacheWords = {
        hit: "read from this boot's cache",
        stored: "stored for this boot in",
        "not-stored": "not stored:",
        failed: "not stored:",
      }[result.cache];
      out.write(`${"cache".padEnd(15)}${cacheWords} ${result.detail}\n`);
      for (const note of here.notes) out.write(`note: ${note}\n`);
      if (result.cache === "failed") ctx.stderr.write(`carbon-ops where: ${result.detail}\n`);
      return 0;
    },
  };
}

/**
 * The `where` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whereCommand } from "./where.ts";
 * assert.equal(whereCommand.name, "where");
 * assert.match(whereCommand.help, /--metadata-url URL/);
 * ```
 */
export const whereCommand: Command = createWhereCommand();
