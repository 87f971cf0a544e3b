/**
 * Generates the embedded cloud-instance data (lib/cloud/data/*_gen.ts) from the curated
 * coefficients in a data directory (default /work/shared/data/cloud-instances). Run it when the
 * data changes:
 *
 *   deno run --allow-read --allow-write scripts/gen_cloud_instances.ts [DATA_DIR] [OUT_DIR]
 *
 * The project never reads the data directory at run time: the generated modules are committed.
 * Only the fields the instance models use are embedded: per type the vCPUs, memory, candidate
 * microarchitectures, per-vCPU min/max watts and how they were chosen, CCF's memory watts, the
 * host's embodied total and vCPUs with the method, the GPU count (to flag that GPU power is not
 * modelled) and the source ids; per provider CCF's averages, microarchitecture table, memory
 * coefficient, PUEs, lifespan and the embodied fallback statistics; and the uncertainty
 * statistics the sigmas are derived from.
 *
 * Licences: everything embedded is Apache-2.0 (Cloud Carbon Footprint and ccf-coefficients),
 * except the AWS host vCPU counts and platform inputs that ccf-coefficients republishes from the
 * Teads Engineering EC2 dataset (CC BY 4.0): the attribution text below travels with them. The
 * Teads per-instance power curves (power-curves-aws-teads.json) are NOT embedded: the CCF linear
 * model does not use them, and their licence is confirmed only second-hand (SOURCES.md).
 *
 * @module
 */

// deno-lint-ignore-file no-console

type Json = Record<string, unknown>;

const dataDir = Deno.args[0] ?? "/work/shared/data/cloud-instances";
const outDir = Deno.args[1] ?? new URL("../lib/cloud/data/", import.meta.url).pathname;

function load(name: string): unknown {
  return JSON.parse(Deno.readTextFileSync(`${dataDir}/${name}`));
}
function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new TypeError(`${what}: not a string`);
  return v;
}
function num(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${what}: not a number`);
  return v;
}
function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${what}: not an object`);
  }
  return v as Json;
}
function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${what}: not a list`);
  return v;
}
function quantiles(v: unknown, what: string): { p10: number; median: number; p90: number } {
  const q = obj(v, what);
  return {
    p10: num(q.p10, `${what}.p10`),
    median: num(q.median, `${what}.median`),
    p90: num(q.p90, `${what}.p90`),
  };
}

const PROVIDERS = ["aws", "gcp", "azure"] as const;
const constants = obj(load("constants.json"), "constants.json");
const micro = obj(load("microarchitectures.json"), "microarchitectures.json");
const version = str(constants.generated, "constants.generated");
if (str(micro.generated, "microarchitectures.generated") !== version) {
  throw new Error("constants.json and microarchitectures.json come from different releases");
}

// ---------- instances
const rowsByProvider = new Map<string, string[]>();
const skipped: string[] = [];
let embodiedRows = 0;
for (const provider of PROVIDERS) {
  const rows: string[] = [];
  const seen = new Set<string>();
  // Records named with stray white space go last, so a clean twin wins (stable sort).
  const dirty = (raw: unknown) => {
    const t = obj(raw, provider).instance_type;
    return typeof t === "string" && t !== t.trim() ? 1 : 0;
  };
  const records = [...list(load(`instances-${provider}.json`), provider)]
    .sort((a, b) => dirty(a) - dirty(b));
  for (const raw of records) {
    const r = obj(raw, provider);
    const rawType = str(r.instance_type, `${provider} instance_type`);
    const type = rawType.trim();
    const what = `${provider}:${type}`;
    const key = type.toLowerCase();
    if (seen.has(key)) {
      // An upstream row whose name differs only by white space (e.g. "d3.xlarge\t" in
      // data/aws-instances.csv): the clean record wins.
      if (rawType === type) throw new Error(`${what}: duplicate (case-insensitive)`);
      skipped.push(JSON.stringify(rawType));
      continue;
    }
    seen.add(key);
    const vcpus = num(r.vcpus, `${what} vcpus`);
    const embodied = r.embodied_kgco2e === null ? null : num(r.embodied_kgco2e, `${what} embodied`);
    let platformKg: number | null = null;
    let platformVcpus: number | null = null;
    let method: string | null = null;
    if (embodied !== null) {
      platformKg = num(r.platform_embodied_kgco2e, `${what} platform_embodied_kgco2e`);
      platformVcpus = num(r.platform_vcpus, `${what} platform_vcpus`);
      method = str(r.embodied_method, `${what} embodied_method`);
      const share = platformKg * vcpus / platformVcpus;
      if (Math.abs(share - embodied) > 0.001 + 1e-4 * embodied) {
        throw new Error(`${what}: embodied ${embodied} is not the host share ${share}`);
      }
      embodiedRows++;
    }
    const gpu = r.gpu === undefined ? null : obj(r.gpu, `${what} gpu`);
    const arch = list(r.microarchitectures, `${what} microarchitectures`)
      .map((a) => str(a, `${what} microarchitecture`));
    const row = [
      type,
      vcpus,
      num(r.memory_gb, `${what} memory_gb`),
      arch.join("|"),
      num(r.min_w_per_vcpu, `${what} min_w_per_vcpu`),
      num(r.max_w_per_vcpu, `${what} max_w_per_vcpu`),
      str(r.coefficient_basis, `${what} coefficient_basis`),
      num(r.ccf_memory_w, `${what} ccf_memory_w`),
      platformKg,
      platformVcpus,
      method,
      gpu === null ? 0 : num(gpu.count, `${what} gpu.count`),
      list(r.source_ref, `${what} source_ref`).map((s) => str(s, what)).join("+"),
    ];
    rows.push(`  ${JSON.stringify(row)},\n`);
  }
  rows.sort();
  rowsByProvider.set(provider, rows);
}

// ---------- providers
const cProviders = obj(constants.providers, "constants.providers");
const mProviders = obj(micro.providers, "microarchitectures.providers");
const embodied = obj(constants.embodied, "constants.embodied");
const fallbackStats = obj(
  obj(embodied.fallback_per_vcpu_hour_g, "fallback").stats,
  "fallback.stats",
);
const providerConstants: Record<string, unknown> = {};
for (const provider of PROVIDERS) {
  const c = obj(cProviders[provider], provider);
  const m = obj(mProviders[provider], provider);
  const avg = obj(m.provider_average, `${provider} provider_average`);
  const pue = obj(c.pue, `${provider} pue`);
  const memory = obj(c.memory, `${provider} memory`);
  const fb = obj(fallbackStats[provider], `${provider} fallback`);
  const byRegion = pue.by_region_trailing_twelve_month === undefined
    ? {}
    : obj(pue.by_region_trailing_twelve_month, `${provider} pue by region`);
  providerConstants[provider] = {
    averageMinWPerVcpu: num(avg.min_w_per_vcpu, `${provider} average min`),
    averageMaxWPerVcpu: num(avg.max_w_per_vcpu, `${provider} average max`),
    averageStatistic: str(avg.statistic, `${provider} average statistic`),
    microarchitectures: list(m.microarchitectures, provider).map((raw) => {
      const a = obj(raw, provider);
      return {
        name: str(a.name, `${provider} microarchitecture`),
        minWPerVcpu: num(a.min_w_per_vcpu, `${provider} ${a.name} min`),
        maxWPerVcpu: num(a.max_w_per_vcpu, `${provider} ${a.name} max`),
        basis: str(a.basis, `${provider} ${a.name} basis`),
        instances: num(a.used_by_instances, `${provider} ${a.name} used_by_instances`),
      };
    }),
    memoryWPerGb: num(memory.w_per_gb, `${provider} memory w_per_gb`),
    memoryRule: provider === "gcp" ? "all_memory" : "excess_over_specpower",
    ccfPue: num(pue.value, `${provider} pue`),
    ccfPueByRegion: Object.fromEntries(
      Object.entries(byRegion).map(([k, v]) => [k, num(v, `${provider} pue ${k}`)]),
    ),
    lifespanHours: num(c.server_lifespan_hours, `${provider} lifespan`),
    embodiedFallbackGPerVcpuHour: num(fb.median_g_per_vcpu_hour, `${provider} fallback median`),
    embodiedFallbackP10: num(fb.p10, `${provider} fallback p10`),
    embodiedFallbackP90: num(fb.p90, `${provider} fallback p90`),
    sourceRefs: [
      str(pue.source_ref, `${provider} pue source`),
      str(avg.source_ref, `${provider} average source`),
      "ccf_methodology",
      "ccf_embodied_doc",
    ].filter((s, i, a) => a.indexOf(s) === i),
  };
}

// ---------- uncertainty statistics
const u = obj(constants.uncertainty, "constants.uncertainty");
const ccfVsTeads = obj(u.ccf_vs_teads_same_instance, "ccf_vs_teads_same_instance");
const uncertaintyStats = {
  ccfVsTeadsN: num(ccfVsTeads.n, "ccf_vs_teads n"),
  ccfVsTeadsIdle: quantiles(ccfVsTeads.ratio_idle, "ratio_idle"),
  ccfVsTeads50: quantiles(ccfVsTeads.ratio_50pct, "ratio_50pct"),
  ccfVsTeads100: quantiles(ccfVsTeads.ratio_100pct, "ratio_100pct"),
  embodied2026VsCcfN: num(obj(u.aws_2026_embodied_vs_ccf, "emb").n, "aws_2026_embodied_vs_ccf n"),
  embodied2026VsCcf: (() => {
    const e = obj(u.aws_2026_embodied_vs_ccf, "aws_2026_embodied_vs_ccf");
    return {
      p10: num(e.p10, "emb p10"),
      median: num(e.ratio_median, "emb median"),
      p90: num(e.p90, "emb p90"),
    };
  })(),
};

// ---------- sources
const sources: Record<string, unknown> = {};
for (const [id, raw] of Object.entries(obj(constants.sources, "constants.sources"))) {
  const s = obj(raw, id);
  sources[id] = {
    id,
    location: `${str(s.repository, `${id} repository`)}/${str(s.path, `${id} path`)}@${
      str(s.commit, `${id} commit`)
    }`,
    licence: str(s.licence, `${id} licence`),
    what: str(s.what, `${id} what`),
  };
}
for (const rows of rowsByProvider.values()) {
  for (const row of rows) {
    const refs = (JSON.parse(row.trim().replace(/,$/, "")) as unknown[])[12] as string;
    for (const ref of refs.split("+")) {
      if (!(ref in sources)) throw new Error(`source ${ref} is not in constants.json sources`);
    }
  }
}

// ---------- write
const ATTRIBUTION = "Contains data from Cloud Carbon Footprint (Thoughtworks, " +
  "github.com/cloud-carbon-footprint/cloud-carbon-footprint and ccf-coefficients, Apache-2.0), " +
  "re-keyed and extended; and from the Teads Engineering AWS EC2 Carbon Emissions Dataset " +
  "(Benjamin Davy, Teads), licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), " +
  "as republished in ccf-coefficients data/aws-instances.csv; changes: values re-keyed, " +
  "per-instance totals computed, only the fields used embedded. Server power coefficients " +
  "derive from SPECpower_ssj2008 results (www.spec.org).";
const header = (what: string) =>
  `// deno-fmt-ignore-file\n// Generated by scripts/gen_cloud_instances.ts from ${dataDir}` +
  ` (release ${version}).\n// Do not edit by hand: change the data and re-run the generator.\n//\n` +
  `// ${what}\n// Licence and attribution: CLOUD_ATTRIBUTION in constants_gen.ts.\n\n`;
const NAMES: Record<string, string> = { aws: "AWS", gcp: "GCP", azure: "AZURE" };
const LABEL: Record<string, string> = { aws: "AWS", gcp: "Google Cloud", azure: "Azure" };
for (const provider of PROVIDERS) {
  const rows = rowsByProvider.get(provider) ?? [];
  const what = `${LABEL[provider]} instance types (${rows.length}), sorted by type.`;
  Deno.writeTextFileSync(
    `${outDir}/instances_${provider}_gen.ts`,
    header(what) +
      `import type { InstanceRow } from "./types.ts";\n\n/** ${what} */\n` +
      `export const ${NAMES[provider]}_INSTANCES: readonly InstanceRow[] = [\n` +
      rows.join("") + "];\n",
  );
}
const j = (v: unknown) => JSON.stringify(v);
Deno.writeTextFileSync(
  `${outDir}/constants_gen.ts`,
  header("Provider constants, uncertainty statistics and sources of the cloud-instance data.") +
    `import type { CloudProvider, CloudSource, ProviderConstants, Quantiles } from "./types.ts";\n\n` +
    `/** Release of the embedded cloud-instance data (the curated data's generation date). */\n` +
    `export const CLOUD_DATA_VERSION = ${j(version)};\n\n` +
    `/** Attribution that must travel with the embedded cloud-instance data. */\n` +
    `export const CLOUD_ATTRIBUTION = ${j(ATTRIBUTION)};\n\n` +
    `/** Per-provider constants. */\n` +
    `export const PROVIDER_CONSTANTS: Readonly<Record<CloudProvider, ProviderConstants>> = ${
      j(providerConstants)
    };\n\n` +
    `/** Published statistics the model sigmas are derived from (constants.json uncertainty). */\n` +
    `export const UNCERTAINTY_STATS: {\n` +
    `  readonly ccfVsTeadsN: number;\n  readonly ccfVsTeadsIdle: Quantiles;\n` +
    `  readonly ccfVsTeads50: Quantiles;\n  readonly ccfVsTeads100: Quantiles;\n` +
    `  readonly embodied2026VsCcfN: number;\n  readonly embodied2026VsCcf: Quantiles;\n` +
    `} = ${j(uncertaintyStats)};\n\n` +
    `/** Every source of the cloud-instance data, by id. */\n` +
    `export const CLOUD_SOURCES: Readonly<Record<string, CloudSource>> = {\n` +
    Object.entries(sources).map(([id, s]) => `  ${j(id)}: ${j(s)},\n`).join("") + "};\n",
);
console.log(
  `cloud data ${version}: ${
    PROVIDERS.map((p) => `${p} ${rowsByProvider.get(p)?.length}`).join(", ")
  } (${embodiedRows} with embodied), ${Object.keys(sources).length} sources -> ${outDir}` +
    (skipped.length > 0 ? `; skipped white-space duplicates ${skipped.join(", ")}` : ""),
);
