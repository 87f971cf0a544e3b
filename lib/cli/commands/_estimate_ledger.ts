/**
 * `estimate --ledger DIR --key FILE`: appends an estimate as an emission record through the
 * ledger library (private to the estimate command).
 *
 * @module
 */

import { numberOption } from "../args.ts";
import type { CommandContext } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import type { RegionCatalog } from "../../carbon/catalog.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import type { JsonValue } from "../../ledger/canonical_json.ts";
import { originOf } from "../../ledger/checkpoint_writer.ts";
import { loadSigningKey } from "../../ledger/keys.ts";
import { LedgerError } from "../../ledger/ledger_error.ts";
import { LedgerWriter } from "../../ledger/writer.ts";

/** The ledger options of `estimate`. */
export const LEDGER_OPTIONS = {
  ledger: { type: "string" },
  key: { type: "string" },
  "reporting-entity": { type: "string" },
  host: { type: "string" },
  scope: { type: "string" },
  "scope3-category": { type: "string" },
  label: { type: "string", multiple: true },
  "energy-coverage-pct": { type: "string" },
} as const;

type LedgerValues = {
  ledger?: string;
  key?: string;
  "reporting-entity"?: string;
  host?: string;
  scope?: string;
  "scope3-category"?: string;
  label?: string[];
  "energy-coverage-pct"?: string;
};

/** True when any ledger option was given (then `--ledger` and `--key` are both required). */
export function ledgerOptionsUsed(v: LedgerValues): boolean {
  return Object.keys(LEDGER_OPTIONS).some((k) => v[k as keyof LedgerValues] !== undefined);
}

/**
 * Appends `estimate` to the ledger named by `--ledger`, signed with `--key`.
 *
 * @returns seq and leaf hash of the record.
 */
export async function appendEmission(
  estimate: CarbonEstimate,
  v: LedgerValues,
  catalog: RegionCatalog,
  ctx: CommandContext,
): Promise<{ seq: number; leaf: string }> {
  if (v.ledger === undefined || v.key === undefined) {
    throw new UsageError(
      "--ledger DIR and --key FILE go together (and the other ledger options need them)",
    );
  }
  if (estimate.startTs === null) {
    throw new UsageError(
      "an emission record needs its activity period: give --start/--end (or --start with --duration)",
    );
  }
  const scope = v.scope === undefined
    ? undefined
    : numberOption(v.scope, "--scope", { min: 1, max: 3, integer: true });
  const cat = v["scope3-category"] === undefined
    ? undefined
    : numberOption(v["scope3-category"], "--scope3-category", { min: 1, max: 15, integer: true });
  const coverage = v["energy-coverage-pct"] === undefined
    ? undefined
    : numberOption(v["energy-coverage-pct"], "--energy-coverage-pct", { min: 0, max: 100 });
  const labels: Record<string, string> = {};
  for (const l of v.label ?? []) {
    const i = l.indexOf("=");
    if (i <= 0) throw new UsageError(`--label expects KEY=VALUE, got '${l}'`);
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  try {
    const key = await loadSigningKey(v.key);
    const entity = v["reporting-entity"] ?? (await originOf(v.ledger)).split("/")[0];
    const cloud = catalog.lookup(estimate.region).figure.kind === "cloud";
    const body = estimate.toLedgerBody({
      reportingEntity: entity,
      place: {
        ...(v.host ? { host: v.host } : {}),
        ...(cloud ? { cloudRegion: estimate.region } : { site: estimate.region }),
      },
      cloud,
      ...(scope ? { scope: scope as 1 | 2 | 3 } : {}),
      ...(cat ? { scope3Category: cat } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(coverage !== undefined ? { energyCoveragePct: coverage } : {}),
    });
    await using ledger = await LedgerWriter.open(v.ledger, { key });
    const r = await ledger.append("emission", body as JsonValue);
    return { seq: r.seq, leaf: r.leaf };
  } catch (err) {
    if (err instanceof LedgerError) {
      ctx.stderr.write(`ledger: ${err.message}${err.hint ? `\n  ${err.hint}` : ""}\n`);
      throw new LedgerAppendFailed(err);
    }
    throw err;
  }
}

/** The ledger refused or failed the append (exit 1). */
export class LedgerAppendFailed extends Error {
  /** @param cause The ledger error. */
  constructor(cause: LedgerError) {
    super(`the estimate was not appended to the ledger: ${cause.message}`, { cause });
    this.name = "LedgerAppendFailed";
  }
}
