/**
 * The one emission path of the CLI: the preparation step that checks the key, the ledger and the
 * labels BEFORE any work is done, the label parser, and the append of an estimate as a signed
 * emission record. `run`, `report`, `estimate` and `demo pipeline` use it. The ledger option set
 * is in `emission_options.ts`, which a command can import without loading the ledger.
 *
 * @module
 */

import { numberOption } from "./args.ts";
import { emissionRequested } from "./emission_options.ts";
import type { CommandContext } from "./command.ts";
import { UsageError } from "../base/errors.ts";
import type { RegionCatalog } from "../carbon/catalog.ts";
import type { EmbodiedEmission } from "../carbon/embodied_estimate.ts";
import type { CarbonEstimate } from "../carbon/estimate.ts";
import type { EnergyModelInfo } from "../carbon/estimate_fields.ts";
import { type LedgerBodyOptions, toDecimalString } from "../carbon/ledger_body.ts";
import { originOf } from "../ledger/checkpoint_writer.ts";
import { loadSigningKey } from "../ledger/key_files.ts";
import type { SigningKey } from "../ledger/keys.ts";
import { LedgerError } from "../ledger/ledger_error.ts";
import { LedgerWriter } from "../ledger/writer.ts";

/**
 * Values of the ledger options (`EMISSION_OPTIONS` in emission_options.ts) as parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "../base/errors.ts";
 * import { type EmissionValues, prepareEmission } from "./emission.ts";
 * import { bufferSink } from "./sinks.ts";
 * const ctx = { stderr: bufferSink() };
 * const none: EmissionValues = {}; // no ledger option: nothing to prepare
 * assert.equal(await prepareEmission(none, "usage: x", ctx), null);
 * const labelOnly: EmissionValues = { label: ["job=nightly"] }; // --label needs --ledger
 * await assert.rejects(prepareEmission(labelOnly, "usage: x", ctx), UsageError);
 * ```
 */
export interface EmissionValues {
  /** `--ledger DIR`. */
  ledger?: string;
  /** `--key FILE`. */
  key?: string;
  /** `--label K=V` (repeatable). */
  label?: string[];
  /** `--reporting-entity TEXT`. */
  "reporting-entity"?: string;
  /** `--host NAME`. */
  host?: string;
  /** `--scope 1|2|3`. */
  scope?: string;
  /** `--scope3-category N`. */
  "scope3-category"?: string;
}

/**
 * A checked ledger target, ready to append to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EmissionTarget } from "./emission.ts";
 * import { generateSigningKey } from "../ledger/keys.ts";
 * const target: EmissionTarget = {
 *   dir: "/var/lib/carbon-ops/ledger",
 *   key: generateSigningKey(),
 *   entity: "Example Ltd",
 *   host: "host-01",
 *   labels: { job: "nightly" },
 *   scope: 2,
 *   scope3Category: undefined,
 * };
 * assert.equal(target.labels.job, "nightly");
 * ```
 */
export interface EmissionTarget {
  /** Ledger directory. */
  readonly dir: string;
  /** Signing key, loaded. */
  readonly key: SigningKey;
  /** Reporting entity (option, else the host part of the ledger's origin). */
  readonly entity: string;
  /** Host the energy was used on, or undefined (then the record's place is the region). */
  readonly host: string | undefined;
  /** Labels given with `--label`. */
  readonly labels: Readonly<Record<string, string>>;
  /** GHG scope, when given. */
  readonly scope: 1 | 2 | 3 | undefined;
  /** Scope 3 category, when given. */
  readonly scope3Category: number | undefined;
}

/** Most labels a record may carry, and the longest value (schemas/emission.v1.json). */
const MAX_LABELS = 64;
const MAX_LABEL_CHARS = 256;

/**
 * Parses `--label K=V` values (the value may contain `=`); rejects a missing key or `=`, more
 * than 64 labels and values over 256 characters, as the emission schema does.
 *
 * @param raw The option values.
 * @param usage Usage line for the error.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLabels } from "./emission.ts";
 * assert.deepEqual(parseLabels(["job=nightly", "q=a=b"], "usage"), { job: "nightly", q: "a=b" });
 * assert.throws(() => parseLabels(["oops"], "usage"), /--label expects KEY=VALUE/);
 * ```
 */
export function parseLabels(
  raw: readonly string[] | undefined,
  usage: string,
): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of raw ?? []) {
    const i = l.indexOf("=");
    if (i <= 0) throw new UsageError(`--label expects KEY=VALUE, got '${l}'`, { usage });
    const value = l.slice(i + 1);
    if (value.length > MAX_LABEL_CHARS) {
      throw new UsageError(
        `--label ${
          l.slice(0, i)
        }: the value has ${value.length} characters; at most ${MAX_LABEL_CHARS}`,
        { usage },
      );
    }
    labels[l.slice(0, i)] = value;
  }
  if (Object.keys(labels).length > MAX_LABELS) {
    throw new UsageError(`at most ${MAX_LABELS} --label values`, { usage });
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
 * Checks the ledger options BEFORE any work: `--ledger` and `--key` together (the other options
 * need them), the labels, scope and category, a readable signing key, and a ledger whose genesis
 * record can be read. Returns null when no ledger option was given.
 *
 * @param v Parsed option values.
 * @param usage Usage line for errors.
 * @param ctx Command context (stderr gets the underlying reason of a key or ledger failure).
 * @param options `defaultHost`: use this machine's host name when `--host` is absent (default
 *   false: no host, the record's place is then the region).
 * @throws UsageError (exit 2) for any problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prepareEmission } from "./emission.ts";
 * const ctx = { stderr: { write: (_text: string) => {} } };
 * assert.equal(await prepareEmission({}, "usage", ctx), null);
 * await assert.rejects(prepareEmission({ ledger: "/nonexistent" }, "usage", ctx), /go together/);
 * ```
 */
export async function prepareEmission(
  v: EmissionValues,
  usage: string,
  ctx: Pick<CommandContext, "stderr">,
  options: { defaultHost?: boolean } = {},
): Promise<EmissionTarget | null> {
  if (!emissionRequested(v)) return null;
  if (v.ledger === undefined || v.key === undefined) {
    throw new UsageError(
      "--ledger DIR and --key FILE go together (and --label and the other ledger options need them)",
      { usage },
    );
  }
  const labels = parseLabels(v.label, usage);
  const scope = v.scope === undefined
    ? undefined
    : numberOption(v.scope, "--scope", { min: 1, max: 3, integer: true }) as 1 | 2 | 3;
  const scope3Category = v["scope3-category"] === undefined
    ? undefined
    : numberOption(v["scope3-category"], "--scope3-category", { min: 1, max: 15, integer: true });
  let key: SigningKey;
  let origin: string;
  try {
    key = await loadSigningKey(v.key);
    origin = await originOf(v.ledger);
  } catch (err) {
    ctx.stderr.write(`${(err as Error).message}\n`);
    throw new UsageError(`cannot use ledger ${v.ledger} with key ${v.key}`, { usage, cause: err });
  }
  return {
    dir: v.ledger,
    key,
    entity: v["reporting-entity"] ?? origin.split("/")[0],
    host: v.host ?? (options.defaultHost ? hostname() : undefined),
    labels,
    scope,
    scope3Category,
  };
}

/**
 * What a command adds to the record beside the estimate and the target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EmissionExtra, ratioDecimal } from "./emission.ts";
 * const extra: EmissionExtra = {
 *   allocation: { rule: "cpu_time_share", ratio: ratioDecimal(0.25) },
 *   labels: { job: "nightly" },
 *   energyCoveragePct: 98,
 * };
 * assert.equal(extra.allocation?.ratio, "0.25");
 * ```
 */
export interface EmissionExtra {
  /** Allocation rule and ratio (default `whole_host`). */
  readonly allocation?: LedgerBodyOptions["allocation"];
  /** Labels of the command (the `--label` values win on a clash). */
  readonly labels?: Readonly<Record<string, string>>;
  /** More assumptions (each cut to 1024 characters). */
  readonly assumptions?: readonly string[];
  /** Coverage of the period by energy samples, percent (default 100). */
  readonly energyCoveragePct?: number;
  /**
   * Embodied emissions of the instance over the activity period, written as the record's
   * `embodied` block (default: the estimate's own, else none); from `embodiedForInstance` at the
   * estimate's confidence level.
   */
  readonly embodied?: EmbodiedEmission;
  /** The power model to name in `activity.model` (default: the estimate's, else none). */
  readonly energyModel?: EnergyModelInfo;
}

/**
 * Where an appended record went.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AppendedEmission } from "./emission.ts";
 * const appended: AppendedEmission = { seq: 3, leaf: "ab".repeat(32), line: '{"seq":3}' };
 * assert.equal(JSON.parse(appended.line).seq, appended.seq);
 * ```
 */
export interface AppendedEmission {
  /** Sequence number. */
  readonly seq: number;
  /** Leaf hash, hex. */
  readonly leaf: string;
  /** The record line as written (without the newline). */
  readonly line: string;
}

/**
 * Appends `estimate` to the target ledger as a signed emission record. The record's energy
 * source, `simulated` and quality come from the estimate's evidence (`toLedgerBody`); an
 * embodied figure (`extra.embodied`, or the estimate's own) becomes the record's `embodied`
 * block beside `result`, which stays operational.
 *
 * @param target From {@link prepareEmission}.
 * @param estimate The estimate (needs its activity period).
 * @param catalog Catalog the region is looked up in (a cloud region sets scope 3 and the place).
 * @param extra Allocation, labels, assumptions, energy coverage, embodied figure, power model.
 * @throws LedgerError when the ledger refuses or fails the append; RangeError when the estimate
 *   cannot be recorded (no activity period, a factor without a year, an embodied figure at
 *   another confidence level...).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendEmission } from "./emission.ts";
 * import { embodiedForInstance } from "../carbon/embodied_estimate.ts";
 * import { CarbonEstimator } from "../carbon/estimator.ts";
 * import { generateSigningKey } from "../ledger/keys.ts";
 * import { initLedger } from "../ledger/init.ts";
 * const dir = await Deno.makeTempDir();
 * const key = generateSigningKey();
 * await initLedger(`${dir}/l`, { origin: "example.org/log", key });
 * const estimator = new CarbonEstimator({ region: "FR" });
 * const estimate = await estimator.estimateOverSpan({
 *   startTs: "2025-01-01T00:00:00Z", endTs: "2025-01-01T01:00:00Z", energyWh: 10,
 * });
 * const target = {
 *   dir: `${dir}/l`, key, entity: "Example", host: "h1", labels: {}, scope: undefined,
 *   scope3Category: undefined,
 * };
 * const r = await appendEmission(target, estimate, estimator.catalog, {});
 * assert.equal(r.seq, 1);
 * assert.equal(JSON.parse(r.line).body.quality, "estimated");
 * const embodied = embodiedForInstance("aws:m5.large", 3_600_000)!;
 * const r2 = await appendEmission(target, estimate, estimator.catalog, { embodied });
 * assert.equal(JSON.parse(r2.line).body.embodied.co2e_g, "0.957465");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendEmission(
  target: EmissionTarget,
  estimate: CarbonEstimate,
  catalog: RegionCatalog,
  extra: EmissionExtra,
): Promise<AppendedEmission> {
  // A region only a live provider serves (gb:london, SE-SE3 ...) has no catalog figure: not cloud.
  const id = catalog.resolveId(estimate.region);
  const cloud = id !== undefined && catalog.lookup(id).figure.kind === "cloud";
  const body = estimate.toLedgerBody({
    reportingEntity: target.entity,
    place: {
      ...(target.host !== undefined ? { host: target.host } : {}),
      ...(cloud ? { cloudRegion: estimate.region } : {}),
    },
    cloud,
    ...(target.scope ? { scope: target.scope } : {}),
    ...(target.scope3Category ? { scope3Category: target.scope3Category } : {}),
    ...(extra.allocation ? { allocation: extra.allocation } : {}),
    ...(extra.energyCoveragePct !== undefined
      ? { energyCoveragePct: extra.energyCoveragePct }
      : {}),
    ...(extra.assumptions ? { assumptions: extra.assumptions.map((a) => a.slice(0, 1024)) } : {}),
    ...(extra.embodied ? { embodied: extra.embodied } : {}),
    ...(extra.energyModel ? { energyModel: extra.energyModel } : {}),
    labels: { ...extra.labels, ...target.labels },
  });
  await using ledger = await LedgerWriter.open(target.dir, { key: target.key });
  const r = await ledger.append("emission", body);
  return { seq: r.seq, leaf: r.leaf, line: r.line };
}

/**
 * A ratio as the schema's exact decimal (clamped to 0..1, up to 9 fraction digits).
 *
 * @param ratio The ratio.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ratioDecimal } from "./emission.ts";
 * assert.equal(ratioDecimal(0.25), "0.25");
 * assert.equal(ratioDecimal(1.2), "1");
 * assert.equal(ratioDecimal(1 / 3), "0.333333333");
 * ```
 */
export function ratioDecimal(ratio: number): string {
  return toDecimalString(Math.min(1, Math.max(0, ratio)), 9);
}

/**
 * A ledger failure for stderr: the message and, for a `LedgerError`, its hint.
 *
 * @param err What was thrown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerFailure } from "./emission.ts";
 * assert.equal(ledgerFailure(new Error("disk full")), "ledger: disk full");
 * ```
 */
export function ledgerFailure(err: unknown): string {
  if (err instanceof LedgerError) {
    return `ledger: ${err.message}${err.hint ? `\n  ${err.hint}` : ""}`;
  }
  return `ledger: ${err instanceof Error ? err.message : String(err)}`;
}
