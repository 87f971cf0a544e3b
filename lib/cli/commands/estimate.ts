/**
 * `carbon-ops estimate`: grams of CO2e for an energy figure, a power over a span, or a cloud
 * instance type (its power model and its embodied emissions), with the intervals and provenance;
 * `--ledger DIR --key FILE` appends it as an emission record.
 *
 * @module
 */

import type { TextSink } from "../../base/text_sink.ts";
import { numberOptions, parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { UsageError } from "../../base/errors.ts";
import { rfc3339Ms } from "../../base/rfc3339.ts";
import type { CarbonEstimate } from "../../carbon/estimate.ts";
import { type EnergyEvidence, singleEnergyEvidence } from "../../base/energy_evidence.ts";
import { evidenceEnergySigma } from "../../carbon/evidence.ts";
import type { EnergyModelInfo } from "../../carbon/estimate_fields.ts";
import type { InstancePower } from "../../cloud/instance_power.ts";
import { EMISSION_OPTIONS, emissionRequested } from "../emission_options.ts";

// Loaded when used (start-up time): the estimator and the embedded dataset when the command runs,
// the cloud instance catalog only with --instance-type, the ledger only with --ledger.

const USAGE = "carbon-ops estimate --energy-wh X | --power-w P --duration S | " +
  "--instance-type PROVIDER:TYPE [--utilization PCT] --duration S [--start T --end T] [--region R] [--method analytical|monte-carlo] [--energy-source S | --meter pdu|facility] " +
  "[--energy-sigma-pct P] [--pue N] [--pue-sigma-pct P] [--json] [--ledger DIR --key FILE]";

const OPTIONS = {
  "energy-wh": { type: "string" },
  "instance-type": { type: "string" },
  utilization: { type: "string" },
  vcpus: { type: "string" },
  "power-w": { type: "string" },
  duration: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  region: { type: "string" },
  method: { type: "string" },
  samples: { type: "string" },
  seed: { type: "string" },
  confidence: { type: "string" },
  "energy-source": { type: "string" },
  pue: { type: "string" },
  "pue-profile": { type: "string" },
  "bucket-minutes": { type: "string" },
  missing: { type: "string" },
  "allow-fallback": { type: "boolean" },
  "intensity-file": { type: "string" },
  json: { type: "boolean" },
  "energy-coverage-pct": { type: "string" },
  "energy-sigma-pct": { type: "string" },
  "pue-sigma-pct": { type: "string" },
  meter: { type: "string" },
  "meter-class": { type: "string" },
  ...EMISSION_OPTIONS,
} as const;

function printText(out: TextSink, e: CarbonEstimate): void {
  const g = (x: number) => x >= 1000 ? `${(x / 1000).toFixed(3)} kg` : `${x.toFixed(3)} g`;
  const m = e.embodied;
  const lines = [
    `${g(e.grams)} CO2e${m ? " operational" : ""}  (${e.meta.confidenceLevelPct}% interval ${
      g(e.meta.ciLowerG)
    } .. ${g(e.meta.ciUpperG)}, ` +
    `${e.meta.method}${
      e.meta.seed !== undefined ? `, ${e.meta.samples} samples, seed ${e.meta.seed}` : ""
    })`,
    `energy      ${e.energyWh.toFixed(3)} Wh (${e.energySource}) x PUE ${e.pue} = ${
      e.energyWithPueKwh.toFixed(6)
    } kWh`,
    `intensity   ${e.intensityGPerKwh.toFixed(2)} g${e.gases}/kWh  ${e.region}${
      e.requestedRegion !== e.region ? ` (asked: ${e.requestedRegion})` : ""
    }, ${e.basis}, year ${e.factorYear ?? "?"}`,
    `source      ${e.source}: ${e.dataset} ${e.datasetVersion}`,
    `pue         ${e.pueSource}`,
    `uncertainty ±${e.uncertaintyPct.toFixed(1)}% (1σ; energy ${
      e.uncertaintyComponentsPct.energy.toFixed(1)
    }%, ` +
    `intensity ${e.uncertaintyComponentsPct.intensity.toFixed(1)}%, PUE ${
      e.uncertaintyComponentsPct.pue.toFixed(1)
    }%)`,
    `quality     ${e.qualityFlag}; coverage ${(e.coverage * 100).toFixed(1)}%` +
    (e.startTs ? `; ${e.startTs} .. ${e.endTs} in ${e.buckets} bucket(s)` : ""),
  ];
  if (e.flags.length) lines.push(`flags       ${e.flags.join(", ")}`);
  const model = e.energyModel;
  if (model) {
    lines.push(
      `model       ${model.name}: ${model.instanceId}` +
        (model.utilizationPct !== null
          ? ` at ${model.utilizationPct}% CPU${model.utilizationAssumed ? " (assumed)" : ""}`
          : "") +
        (model.powerW !== null ? ` = ${model.powerW.toFixed(3)} W IT power` : "") +
        (model.flags.length ? `; flags ${model.flags.join(", ")}` : ""),
    );
  }
  if (m) {
    const t = e.total();
    lines.push(
      `embodied    ${g(m.co2eG)} CO2e  (${m.confidenceLevelPct}% interval ${g(m.ciLowerG)} .. ${
        g(m.ciUpperG)
      }; ${m.model} ${m.method}` +
        (m.shareOfHost !== null
          ? `, ${(m.shareOfHost * 100).toFixed(2)}% of the host over ${m.lifespanHours} h`
          : "") +
        (m.flags.length ? `; flags ${m.flags.join(", ")}` : "") + ")",
      `total       ${g(t.co2eG)} CO2e  (${t.confidenceLevelPct}% interval ${g(t.ciLowerG)} .. ${
        g(t.ciUpperG)
      }; operational + embodied)`,
    );
  }
  for (const a of e.attribution) lines.push(`attribution ${a}`);
  out.write(lines.join("\n") + "\n");
}

/** The typed meter evidence of `--meter`/`--meter-class`, or null without `--meter`. */
function meterEvidence(
  v: {
    meter?: string;
    "meter-class"?: string;
    "energy-source"?: string;
    pue?: string;
    "pue-profile"?: string;
  },
  classPct: number | undefined,
): EnergyEvidence | null {
  if (v.meter === undefined) {
    if (classPct !== undefined) {
      throw new UsageError("--meter-class goes with --meter pdu|facility", { usage: USAGE });
    }
    return null;
  }
  if (v.meter !== "pdu" && v.meter !== "facility") {
    throw new UsageError(`--meter must be pdu or facility, got ${JSON.stringify(v.meter)}`, {
      usage: USAGE,
    });
  }
  if (v["energy-source"] !== undefined && v["energy-source"] !== "meter") {
    throw new UsageError(
      `--meter says the energy is a meter reading; drop --energy-source ${v["energy-source"]}`,
      { usage: USAGE },
    );
  }
  if (v.meter === "facility" && (v.pue !== undefined || v["pue-profile"] !== undefined)) {
    throw new UsageError(
      "a facility meter's energy already includes the overhead (PUE 1): drop --pue and " +
        "--pue-profile, or use --meter pdu for IT energy",
      { usage: USAGE },
    );
  }
  if (classPct !== undefined && !(classPct > 0)) {
    throw new UsageError(`--meter-class must be above 0 and at most 10 percent, got ${classPct}`, {
      usage: USAGE,
    });
  }
  return singleEnergyEvidence("meter", {
    meter: { point: v.meter, accuracyClassPct: classPct ?? null },
  });
}

/** The power model of `--instance-type`, checked up front (usage errors say what to give). */
async function instanceModel(
  id: string,
  given: { utilizationPct: number | undefined; vcpus: number | undefined },
  durationMs: number | undefined,
): Promise<{ power: InstancePower; model: EnergyModelInfo; durationMs: number }> {
  if (durationMs === undefined) {
    throw new UsageError("--instance-type needs --duration S or --start/--end", { usage: USAGE });
  }
  const [{ lookupInstance }, { instancePower }] = await Promise.all([
    import("../../cloud/instance_catalog.ts"),
    import("../../cloud/instance_power.ts"),
  ]);
  let spec;
  try {
    spec = lookupInstance(id, given.vcpus !== undefined ? { vcpus: given.vcpus } : {});
  } catch (err) {
    throw new UsageError(`--instance-type: ${(err as Error).message}`, {
      usage: USAGE,
      cause: err,
    });
  }
  if (spec === null) {
    throw new UsageError(
      `--instance-type ${id}: no power coefficients for provider '${
        id.slice(0, id.indexOf(":")).trim()
      }' (known: aws, gcp, azure); give --power-w or --energy-wh instead`,
      { usage: USAGE },
    );
  }
  const assumed = given.utilizationPct === undefined;
  const utilizationPct = given.utilizationPct ?? 50;
  let power: InstancePower;
  try {
    power = instancePower(spec, utilizationPct, {
      ...(given.vcpus !== undefined ? { vcpus: given.vcpus } : {}),
      utilizationAssumed: assumed,
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new UsageError(
      `--instance-type ${id}: ${err.message}` +
        (spec.vcpus === null ? " (give --vcpus N for a type not in the catalog)" : ""),
      { usage: USAGE, cause: err },
    );
  }
  return {
    power,
    model: {
      name: power.model,
      instanceId: spec.id,
      utilizationPct,
      utilizationAssumed: assumed,
      powerW: power.totalW,
      flags: power.flags,
    },
    durationMs,
  };
}

/** The length of --start .. --end, ms (a bad time is a usage error; order is checked later). */
function spanMs(start: string, end: string): number {
  try {
    return rfc3339Ms(end) - rfc3339Ms(start);
  } catch (err) {
    throw new UsageError(`--start/--end: ${(err as Error).message}`, {
      usage: USAGE,
      cause: err,
    });
  }
}

/**
 * The `estimate` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { estimateCommand } from "./estimate.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [estimateCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * const argv = ["estimate", "--energy-wh", "1000", "--region", "FR", "--json"];
 * assert.equal(await runCli(argv, options), 0);
 * const result = JSON.parse(stdout.text());
 * assert.equal(result.grams, 55.225);
 * assert.equal(result.dataset, "ember");
 * ```
 */
export const estimateCommand: Command = {
  name: "estimate",
  summary: "Estimate grams of CO2e (with interval and provenance) for energy or power over time",
  help: `Usage: ${USAGE}

Turns energy into grams of CO2e with the grid factor's provenance and a confidence interval.
Energy: --energy-wh X, or --power-w P with --duration S (seconds) or with --start/--end, or
--instance-type with --duration S or --start/--end: the instance's power model gives the power
(IT power; the region's PUE is applied as usual) and its embodied emissions are estimated
beside the operational ones, each with its own interval, and their total.
With --start and --end the intensity is read for that span (providers from carbon.providers, the
embedded annual figures last), in buckets aligned to the providers' periods.

Options:
  --energy-wh X          IT energy in Wh (>= 0)
  --power-w P            constant power in W (>= 0); needs --duration or --start/--end
  --instance-type ID     a cloud instance type, provider:type (aws:m5.large, gcp:n2-standard-4,
                         azure:Standard_D4s_v5): power from the embedded Cloud Carbon Footprint
                         model (ccf-linear@<data version>; an unknown type of a known provider
                         uses the provider average, flagged), energy source model with the
                         model's own uncertainty, and the embodied emissions (SCI's M) of the
                         instance for the duration; see docs/carbon-estimation.md "Cloud VMs"
  --utilization PCT      the instance's CPU utilisation, 0..100 (default: 50, CCF's assumption,
                         flagged utilization_assumed and with a wider power interval)
  --vcpus N              vCPUs of an instance type not in the catalog (needed for its power)
  --duration S           seconds (> 0); with --start, the end is start + S
  --start T, --end T     activity period, RFC 3339 with offset (e.g. 2025-03-01T10:00:00Z)
  --region R             region id or alias (default carbon.region); see 'carbon-ops regions'
  --method M             analytical (default) or monte-carlo
  --samples N            Monte Carlo samples (default 10000)
  --seed N               Monte Carlo seed (default 1; printed with the result)
  --confidence PCT       confidence level, 50..99.9 (default carbon.confidenceLevelPct, 95)
  --energy-source S      governor, rapl, meter or model (default model): sets the energy
                         uncertainty (5, 5, 2 and 30 %) and the record's activity.source and
                         quality. A kWh read off a meter is not model output: use --meter
  --meter pdu|facility   the energy was read off a meter (energy source meter, quality
                         measured): pdu = a PDU, rack or branch-circuit meter (IT energy, the
                         PUE is still applied); facility = the site's meter (the overhead is in
                         the figure: PUE 1, no --pue or --pue-profile)
  --meter-class PCT      the meter's accuracy class, maximum error in percent (IEC 62053 class
                         0.2, 0.5, 1, 2; a datasheet's +/-N %), 0 < PCT <= 10: energy 1-sigma
                         = PCT / sqrt(3) (default without a class: 2 %); needs --meter
  --energy-sigma-pct P   1-sigma energy uncertainty in percent, 0..200, instead of the
                         source's default (e.g. a meter that misses part of the load)
  --pue N                PUE 1..3 instead of a profile
  --pue-sigma-pct P      1-sigma uncertainty of the PUE in percent of the PUE, 0..100 (default
                         5 with --pue, the profile's otherwise). The overhead (PUE - 1) carries
                         it, so no draw is below 1 and a PUE of 1 is exact
  --pue-profile ID       PUE profile (default: the region's, e.g. aws; see 'regions --pue')
  --bucket-minutes N     bucket length over a span, 1..1440 (default 15)
  --missing step|drop    buckets without a reading: carry the nearest (default) or leave out
  --allow-fallback       use global-average for an unknown region (flagged "fallback")
  --intensity-file PATH  user regions/PUE file (JSON or JSONC)
  --json                 print the result as JSON (the Python package's keys; with
                         --instance-type also energy_model, and operational, embodied and total,
                         each {co2e_g, ci_lower_g, ci_upper_g, confidence_level_pct})
  --ledger DIR --key FILE
                         append the estimate as an emission record (needs --start/--end or
                         --duration); --reporting-entity TEXT (default: the ledger origin's
                         host part), --host NAME, --scope 2|3, --scope3-category N, --label K=V,
                         --energy-coverage-pct P (coverage of the period by energy samples,
                         default 100); with --instance-type the record names the model in
                         activity.model and carries the embodied block

Exit codes: 0 ok, 1 failure (ledger append, provider chain without any reading), 2 bad input
(negative or non-finite energy, end <= start, PUE outside 1..3, unknown region or method, a span
over the bucket limit) with what is allowed.

Examples:
  carbon-ops estimate --energy-wh 1000 --region FR
  carbon-ops estimate --power-w 250 --duration 3600 --region aws:eu-west-3 --method monte-carlo
  carbon-ops estimate --instance-type aws:m5.large --utilization 50 --duration 3600 \\
    --region aws:eu-west-1 --json
  carbon-ops estimate --energy-wh 1200 --meter pdu --meter-class 1 --pue 1.3 --pue-sigma-pct 4 \\
    --region DE
  carbon-ops estimate --energy-wh 5400 --start 2025-03-01T00:00:00Z --end 2025-03-02T00:00:00Z \\
    --region DE --energy-source governor --json
`,
  async run(ctx) {
    const { values: v } = parseCommandArgs(ctx.argv, { options: OPTIONS, usage: USAGE });
    const num = numberOptions(v);
    const energyWh = num("energy-wh", { min: 0 });
    const powerW = num("power-w", { min: 0 });
    const durationS = num("duration");
    if (durationS !== undefined && !(durationS > 0)) {
      throw new UsageError(`--duration must be > 0 seconds, got ${v.duration}`, { usage: USAGE });
    }
    const instanceType = v["instance-type"];
    if ([energyWh, powerW, instanceType].filter((x) => x !== undefined).length !== 1) {
      throw new UsageError("give exactly one of --energy-wh or --power-w (or --instance-type)", {
        usage: USAGE,
      });
    }
    if (instanceType === undefined && (v.utilization !== undefined || v.vcpus !== undefined)) {
      throw new UsageError("--utilization and --vcpus go with --instance-type", { usage: USAGE });
    }
    if (energyWh !== undefined && durationS !== undefined && v.start === undefined) {
      throw new UsageError("--duration goes with --power-w (or with --start to set the end)", {
        usage: USAGE,
      });
    }
    const start = v.start;
    let end = v.end;
    if (start !== undefined && end === undefined && durationS !== undefined) {
      let ms: number;
      try {
        ms = rfc3339Ms(start);
      } catch (err) {
        throw new UsageError(`--start: ${(err as Error).message}`, { usage: USAGE, cause: err });
      }
      end = new Date(ms + durationS * 1000).toISOString();
    }
    if ((start === undefined) !== (end === undefined)) {
      throw new UsageError("give both --start and --end (or --start with --duration)", {
        usage: USAGE,
      });
    }
    if (powerW !== undefined && durationS === undefined && start === undefined) {
      throw new UsageError("--power-w needs --duration S or --start/--end", { usage: USAGE });
    }
    const instance = instanceType === undefined ? null : await instanceModel(
      instanceType,
      {
        utilizationPct: num("utilization", { min: 0, max: 100 }),
        vcpus: num("vcpus", { min: 1, integer: true }),
      },
      durationS === undefined && start !== undefined && end !== undefined
        ? spanMs(start, end)
        : durationS === undefined
        ? undefined
        : durationS * 1000,
    );
    if (instance !== null && (v["energy-source"] ?? "model") !== "model") {
      throw new UsageError(
        `--instance-type models the energy (energy source model); drop --energy-source ${
          v["energy-source"]
        }`,
        { usage: USAGE },
      );
    }
    if (instance !== null && v.meter !== undefined) {
      throw new UsageError("--instance-type models the energy; --meter is for meter readings", {
        usage: USAGE,
      });
    }
    const emission = emissionRequested(v) ? await import("../emission.ts") : null;
    const target = emission === null ? null : await emission.prepareEmission(v, USAGE, ctx);
    const energyCoveragePct = num("energy-coverage-pct", { min: 0, max: 100 });
    if (target === null && energyCoveragePct !== undefined) {
      throw new UsageError("--energy-coverage-pct goes with --ledger DIR --key FILE", {
        usage: USAGE,
      });
    }
    if (target !== null && start === undefined) {
      throw new UsageError(
        "an emission record needs its activity period: give --start/--end (or --start with --duration)",
        { usage: USAGE },
      );
    }
    const meter = meterEvidence(v, num("meter-class", { min: 0, max: 10 }));
    const { estimatorFromConfig, loadCarbonArgs } = await import("./_estimator_from_config.ts");
    const { config, pue, energySigmaPct, pueSigmaPct } = await loadCarbonArgs(ctx, v);
    try {
      const { estimator, catalog } = await estimatorFromConfig(config, ctx, {
        checkRegion: false, // an unknown region may fall back with --allow-fallback
        extra: {
          ...(pue !== undefined ? { pue } : {}),
          ...(meter?.meter?.point === "facility" ? { pue: 1 } : {}),
          ...(pueSigmaPct !== undefined ? { pueUncertaintyPct: pueSigmaPct } : {}),
          allowFallback: v["allow-fallback"] === true,
          ...(v.method ? { method: v.method as "analytical" } : {}),
          ...(v["energy-source"] ? { energySource: v["energy-source"] as "model" } : {}),
          ...(instance ? { energySource: "model" as const } : {}),
          ...(meter ? { energyEvidence: meter } : {}),
          ...(energySigmaPct !== undefined
            ? { energyUncertaintyPct: energySigmaPct }
            : meter
            ? { energyUncertaintyPct: evidenceEnergySigma(meter) * 100 }
            : instance
            ? { energyUncertaintyPct: instance.power.sigmaLn * 100 }
            : {}),
        },
      });
      const mc = {
        ...(v.samples
          ? { samples: num("samples", { min: 100, max: 10_000_000, integer: true }) }
          : {}),
        ...(v.seed ? { seed: num("seed", { min: 0, max: 0xffffffff, integer: true }) } : {}),
      };
      const watts = instance ? instance.power.totalW : powerW;
      let estimate: CarbonEstimate;
      if (start !== undefined && end !== undefined) {
        estimate = await estimator.estimateOverSpan({
          startTs: start,
          endTs: end,
          ...(energyWh !== undefined ? { energyWh } : { powerWatts: watts }),
          ...(v["bucket-minutes"]
            ? { bucketMinutes: num("bucket-minutes", { min: 1, max: 1440 }) }
            : {}),
          ...(v.missing ? { missingPolicy: v.missing as "step" } : {}),
          ...(mc.samples ? { mcSamples: mc.samples } : {}),
          ...(mc.seed !== undefined ? { seed: mc.seed } : {}),
        });
      } else if (watts !== undefined) {
        estimate = estimator.estimateFromPowerTime(watts, durationS as number, mc);
      } else {
        estimate = estimator.estimateFromEnergy(energyWh as number, mc);
      }
      if (instance) {
        const { embodiedForInstance } = await import("../../carbon/embodied_estimate.ts");
        const embodied = embodiedForInstance(instance.model.instanceId, instance.durationMs, {
          confidenceLevelPct: estimate.meta.confidenceLevelPct,
          ...(instance.power.vcpus ? { vcpus: instance.power.vcpus } : {}),
        });
        estimate = estimate.withCloudInstance({
          energyModel: instance.model,
          ...(embodied ? { embodied } : {}),
        });
      }
      let ledger: { seq: number; leaf: string } | null = null;
      if (emission !== null && target !== null) {
        const { LedgerError } = await import("../../ledger/ledger_error.ts");
        try {
          const r = await emission.appendEmission(target, estimate, catalog, {
            ...(energyCoveragePct !== undefined ? { energyCoveragePct } : {}),
          });
          ledger = { seq: r.seq, leaf: r.leaf };
        } catch (err) {
          if (!(err instanceof LedgerError)) throw err;
          ctx.stderr.write(`carbon-ops estimate: ${emission.ledgerFailure(err)}\n`);
          return 1;
        }
      }
      if (v.json) writeJson(ctx.stdout, { ...estimate.toDict(), ...(ledger ? { ledger } : {}) });
      else {
        printText(ctx.stdout, estimate);
        if (ledger) {
          ctx.stdout.write(`ledger      appended seq ${ledger.seq}, leaf ${ledger.leaf}\n`);
        }
      }
      return 0;
    } catch (err) {
      // UnknownRegionError is a RangeError: an unknown region is a usage error like the others.
      if (err instanceof RangeError) {
        throw new UsageError(err.message, { usage: USAGE, cause: err });
      }
      throw err;
    }
  },
};
