/**
 * Shared by `run` and `report` (private): the estimator built from config, ledger options
 * checked before any work, label parsing, and the emission append.
 *
 * @module
 */

import { numberOption } from "../args.ts";
import type { CommandContext } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import type { RegionCatalog } from "../../carbon/catalog.ts";
import { UnknownRegionError } from "../../carbon/catalog.ts";
import { ProviderChain } from "../../carbon/chain.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import { CarbonEstimator, type CarbonEstimatorOptions } from "../../carbon/estimator.ts";
import { createProviders } from "../../carbon/providers/factory.ts";
import { StaticProvider } from "../../carbon/static_provider.ts";
import { loadCatalog } from "../../carbon/user_file.ts";
import type { Config } from "../../config/schema.ts";
import { CONFIG_SCHEMA } from "../../config/schema.ts";
import type { JsonValue } from "../../ledger/canonical_json.ts";
import { originOf } from "../../ledger/checkpoint_writer.ts";
import { loadSigningKey, type SigningKey } from "../../ledger/keys.ts";
import { LedgerError } from "../../ledger/ledger_error.ts";
import { LedgerWriter } from "../../ledger/writer.ts";

/** Ledger options shared by `run` and `report`. */
export const EMISSION_OPTIONS = {
  ledger: { type: "string" },
  key: { type: "string" },
  label: { type: "string", multiple: true },
  "reporting-entity": { type: "string" },
  host: { type: "string" },
  scope: { type: "string" },
  "scope3-category": { type: "string" },
} as const;

/** Values of {@link EMISSION_OPTIONS}. */
export interface EmissionValues {
  ledger?: string;
  key?: string;
  label?: string[];
  "reporting-entity"?: string;
  host?: string;
  scope?: string;
  "scope3-category"?: string;
}

/** Checked ledger target, ready to append. */
export interface LedgerTarget {
  readonly dir: string;
  readonly key: SigningKey;
  readonly entity: string;
  readonly host: string;
  readonly labels: Record<string, string>;
  readonly scope: 1 | 2 | 3 | undefined;
  readonly scope3Category: number | undefined;
}

/** Parses `--label K=V` values. */
export function parseLabels(
  raw: readonly string[] | undefined,
  usage: string,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of raw ?? []) {
    const i = l.indexOf("=");
    if (i <= 0) throw new UsageError(`--label expects KEY=VALUE, got '${l}'`, { usage });
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  return labels;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/**
 * Checks the ledger options BEFORE any work: both `--ledger` and `--key` (or neither), a readable
 * key, an existing ledger. Returns null without ledger options.
 */
export async function prepareLedger(
  v: EmissionValues,
  usage: string,
  ctx: CommandContext,
): Promise<LedgerTarget | null> {
  const used = Object.keys(EMISSION_OPTIONS).some((k) =>
    v[k as keyof EmissionValues] !== undefined
  );
  if (!used) return null;
  if (v.ledger === undefined || v.key === undefined) {
    throw new UsageError("--ledger DIR and --key FILE go together (and --label etc. need them)", {
      usage,
    });
  }
  const labels = parseLabels(v.label, usage);
  const scope = v.scope === undefined
    ? undefined
    : numberOption(v.scope, "--scope", { min: 1, max: 3, integer: true }) as 1 | 2 | 3;
  const scope3Category = v["scope3-category"] === undefined
    ? undefined
    : numberOption(v["scope3-category"], "--scope3-category", { min: 1, max: 15, integer: true });
  let key: SigningKey;
  let entity: string;
  try {
    key = await loadSigningKey(v.key);
    entity = v["reporting-entity"] ?? (await originOf(v.ledger)).split("/")[0];
  } catch (err) {
    ctx.stderr.write(`${(err as Error).message}\n`);
    throw new UsageError(`cannot use ledger ${v.ledger} with key ${v.key}`, { cause: err });
  }
  return {
    dir: v.ledger,
    key,
    entity,
    host: v.host ?? hostname(),
    labels,
    scope,
    scope3Category,
  };
}

/**
 * Builds the estimator from config (providers from carbon.providers, static last).
 *
 * @param options `extra` estimator options (default none); `checkRegion` (default true) turns an
 *   unknown `carbon.region` into a usage error up front.
 */
export async function estimatorFromConfig(
  config: Config,
  ctx: CommandContext,
  options: { extra?: Partial<CarbonEstimatorOptions>; checkRegion?: boolean } = {},
): Promise<{ estimator: CarbonEstimator; catalog: RegionCatalog }> {
  const c = config.carbon;
  const catalog = await loadCatalog({ intensityFile: c.intensityFile });
  if (options.checkRegion ?? true) {
    try {
      catalog.lookup(c.region);
    } catch (err) {
      if (err instanceof UnknownRegionError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
  }
  const providers = createProviders(
    {
      ...c,
      providers: c.providers.some((p) => p.toLowerCase() === "static")
        ? c.providers
        : [...c.providers, "static"],
    },
    { env: (name) => ctx.env[name], others: { static: () => new StaticProvider(catalog) } },
  );
  const pueProfile = c.pueProfile === CONFIG_SCHEMA.carbon.pueProfile.default
    ? undefined
    : c.pueProfile;
  const estimator = new CarbonEstimator({
    catalog,
    provider: new ProviderChain(providers),
    region: c.region,
    ...(pueProfile ? { pueProfile } : {}),
    confidenceLevelPct: c.confidenceLevelPct,
    ...options.extra,
  });
  return { estimator, catalog };
}

/** Appends `estimate` as an emission record; returns seq and leaf, or throws LedgerError. */
export async function appendEmission(
  target: LedgerTarget,
  estimate: CarbonEstimate,
  catalog: RegionCatalog,
  extra: {
    allocation: { rule: "whole_host" | "cpu_time_share"; ratio?: string };
    labels?: Record<string, string>;
    assumptions?: readonly string[];
  },
): Promise<{ seq: number; leaf: string }> {
  const cloud = catalog.lookup(estimate.region).figure.kind === "cloud";
  const body = estimate.toLedgerBody({
    reportingEntity: target.entity,
    place: { host: target.host, ...(cloud ? { cloudRegion: estimate.region } : {}) },
    cloud,
    ...(target.scope ? { scope: target.scope } : {}),
    ...(target.scope3Category ? { scope3Category: target.scope3Category } : {}),
    allocation: extra.allocation,
    labels: { ...extra.labels, ...target.labels },
  });
  if (extra.assumptions && extra.assumptions.length > 0) {
    const prev = Array.isArray(body.assumptions) ? body.assumptions as string[] : [];
    body.assumptions = [...prev, ...extra.assumptions].slice(0, 64);
  }
  await using ledger = await LedgerWriter.open(target.dir, { key: target.key });
  const r = await ledger.append("emission", body as JsonValue);
  return { seq: r.seq, leaf: r.leaf };
}

/** A ratio 0..1 as the schema's exact decimal (up to 9 digits). */
export function ratioDecimal(ratio: number): string {
  const r = Math.min(1, Math.max(0, ratio));
  if (r === 1) return "1";
  const s = r.toFixed(9).replace(/0+$/, "");
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

/** Formats a ledger failure for stderr. */
export function ledgerFailure(err: unknown): string {
  if (err instanceof LedgerError) {
    return `ledger: ${err.message}${err.hint ? `\n  ${err.hint}` : ""}`;
  }
  return `ledger: ${(err as Error).message ?? String(err)}`;
}
