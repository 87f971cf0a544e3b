/**
 * The two text expositions a Prometheus scraper reads, rendered from one list of metric families:
 * OpenMetrics 1.0.0 (`# UNIT`, `info` and `stateset` types, counters' family names without
 * `_total`, ending in `# EOF`) and the classic Prometheus text format 0.0.4 (counters named with
 * `_total` in `# TYPE`/`# HELP`, `info` and `stateset` as gauges, no `# UNIT`, no `# EOF`).
 *
 * @module
 */

/**
 * Which exposition to render: `"openmetrics"` (OpenMetrics 1.0.0) or `"classic"` (Prometheus
 * text format 0.0.4).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METRICS_CONTENT_TYPES, type MetricsFormat } from "./metrics_exposition.ts";
 * const format: MetricsFormat = "classic";
 * assert.equal(METRICS_CONTENT_TYPES[format], "text/plain; version=0.0.4; charset=utf-8");
 * ```
 */
export type MetricsFormat = "openmetrics" | "classic";

/**
 * The `Content-Type` of each exposition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { METRICS_CONTENT_TYPES } from "./metrics_exposition.ts";
 * assert.match(METRICS_CONTENT_TYPES.openmetrics, /^application\/openmetrics-text; version=1\.0\.0/);
 * ```
 */
export const METRICS_CONTENT_TYPES: Readonly<Record<MetricsFormat, string>> = Object.freeze({
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  classic: "text/plain; version=0.0.4; charset=utf-8",
});

/**
 * One sample of a family: its labels and its value. A `bigint` or a `string` is written as is
 * (a string must be a plain decimal number, so exact decimal joules stay exact); a `number` is
 * written in its shortest round-trip form, `NaN`, `+Inf` or `-Inf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricSample } from "./metrics_exposition.ts";
 * const sample: MetricSample = { labels: { domain: "package-0" }, value: "1.234567" };
 * assert.equal(sample.value, "1.234567");
 * ```
 */
export interface MetricSample {
  /** Label names and values (default: none). Names must be `[a-zA-Z_][a-zA-Z0-9_]*`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The value. */
  readonly value: number | bigint | string;
}

/**
 * A metric family. `name` is the OpenMetrics family name: without the `_total` of a counter's
 * samples and without the `_info` of an info family's sample; with the unit as its last part when
 * `unit` is set. A `stateset` family's samples each carry a label named like the family.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MetricFamily } from "./metrics_exposition.ts";
 * const family: MetricFamily = {
 *   name: "x_energy_joules",
 *   type: "counter",
 *   unit: "joules",
 *   help: "Energy.",
 *   samples: [{ value: 1n }],
 * };
 * assert.equal(family.samples.length, 1);
 * ```
 */
export interface MetricFamily {
  /** Family name, `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  readonly name: string;
  /** Metric type. */
  readonly type: "counter" | "gauge" | "info" | "stateset";
  /** One line of help text. */
  readonly help: string;
  /** Unit (default: none); written as `# UNIT` in OpenMetrics only. */
  readonly unit?: string;
  /** Samples. */
  readonly samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DECIMAL = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * The name a family's samples carry (the same in both formats): `<name>_total` for a
 * counter, `<name>_info` for an info family, `<name>` otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleName } from "./metrics_exposition.ts";
 * assert.equal(sampleName({ name: "a_joules", type: "counter" }), "a_joules_total");
 * assert.equal(sampleName({ name: "a", type: "info" }), "a_info");
 * ```
 */
export function sampleName(family: Pick<MetricFamily, "name" | "type">): string {
  switch (family.type) {
    case "counter":
      return `${family.name}_total`;
    case "info":
      return `${family.name}_info`;
    default:
      return family.name;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number | bigint | string, where: string): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") {
    if (!DECIMAL.test(value)) {
      throw new RangeError(
        `${where}: value '${value}' is not a plain decimal number; pass a number or a bigint`,
      );
    }
    return value;
  }
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Renders `families` as OpenMetrics 1.0.0 text (ending in `# EOF`) or as Prometheus text format
 * 0.0.4. Throws `RangeError` naming the family when a name, label name or value is not valid in
 * the exposition, or when two families would render under the same name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderExposition } from "./metrics_exposition.ts";
 * const families = [{
 *   name: "x_energy_joules",
 *   type: "counter" as const,
 *   unit: "joules",
 *   help: "Energy.",
 *   samples: [{ labels: { domain: "a" }, value: "1.5" }],
 * }];
 * assert.equal(
 *   renderExposition(families, "openmetrics"),
 *   "# TYPE x_energy_joules counter\n# UNIT x_energy_joules joules\n" +
 *     "# HELP x_energy_joules Energy.\nx_energy_joules_total{domain=\"a\"} 1.5\n# EOF\n",
 * );
 * assert.equal(
 *   renderExposition(families, "classic"),
 *   "# HELP x_energy_joules_total Energy.\n# TYPE x_energy_joules_total counter\n" +
 *     "x_energy_joules_total{domain=\"a\"} 1.5\n",
 * );
 * ```
 */
export function renderExposition(families: readonly MetricFamily[], format: MetricsFormat): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    const where = `metric family '${family.name}'`;
    if (!METRIC_NAME.test(family.name)) {
      throw new RangeError(`${where}: the name is not a valid metric name; use [a-zA-Z0-9_:]`);
    }
    if (family.unit !== undefined && !family.name.endsWith(`_${family.unit}`)) {
      throw new RangeError(`${where}: the name must end with its unit '_${family.unit}'`);
    }
    const samples = sampleName(family);
    for (const name of new Set([family.name, samples])) {
      if (seen.has(name)) throw new RangeError(`${where}: the name '${name}' is used twice`);
      seen.add(name);
    }
    const help = escapeHelp(family.help);
    if (format === "openmetrics") {
      out.push(`# TYPE ${family.name} ${family.type}`);
      if (family.unit !== undefined) out.push(`# UNIT ${family.name} ${family.unit}`);
      out.push(`# HELP ${family.name} ${help}`);
    } else {
      const type = family.type === "counter" ? "counter" : "gauge";
      out.push(`# HELP ${samples} ${help}`, `# TYPE ${samples} ${type}`);
    }
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      for (const [name] of labels) {
        if (!LABEL_NAME.test(name) || name.startsWith("__")) {
          throw new RangeError(`${where}: '${name}' is not a valid label name`);
        }
      }
      const set = labels.length === 0
        ? ""
        : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
      out.push(`${samples}${set} ${formatValue(sample.value, where)}`);
    }
  }
  if (format === "openmetrics") out.push("# EOF");
  return out.join("\n") + "\n";
}
