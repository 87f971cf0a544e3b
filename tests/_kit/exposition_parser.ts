/**
 * A small, strict parser for the two text expositions the governor serves (OpenMetrics 1.0.0 and
 * Prometheus text format 0.0.4), written for tests from the format descriptions: every line must
 * be a known comment or a sample of the family declared just before it, names and label sets must
 * be well formed, values must be numbers, and OpenMetrics must end with exactly one `# EOF`.
 * Anything else throws `SyntaxError` naming the line.
 */

/** One parsed sample. */
export interface ParsedSample {
  /** The sample's metric name (e.g. `x_total`). */
  readonly name: string;
  /** Labels in the order written. */
  readonly labels: Record<string, string>;
  /** The value as written (exact decimals stay exact). */
  readonly value: string;
}

/** One parsed family. */
export interface ParsedFamily {
  /** The name in `# TYPE`. */
  readonly name: string;
  /** The type in `# TYPE` (`untyped` until one is read). */
  type: string;
  /** `# HELP` text (unescaped), or null. */
  help: string | null;
  /** `# UNIT`, or null (OpenMetrics only). */
  unit: string | null;
  /** Samples in order. */
  readonly samples: ParsedSample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const VALUE = /^(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)$/;
const OM_TYPES = [
  "counter",
  "gauge",
  "info",
  "stateset",
  "histogram",
  "gaugehistogram",
  "summary",
  "unknown",
];
const CLASSIC_TYPES = ["counter", "gauge", "histogram", "summary", "untyped"];

/** The sample names a family of `type` may carry in `format`. */
function allowedSampleNames(family: ParsedFamily, format: "openmetrics" | "classic"): string[] {
  const n = family.name;
  if (format === "classic") {
    if (family.type === "histogram") return [`${n}_bucket`, `${n}_sum`, `${n}_count`];
    if (family.type === "summary") return [n, `${n}_sum`, `${n}_count`];
    return [n];
  }
  switch (family.type) {
    case "counter":
      return [`${n}_total`, `${n}_created`];
    case "info":
      return [`${n}_info`];
    default:
      return [n];
  }
}

function unescape(text: string, where: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (_m, c: string) => {
    if (c === "n") return "\n";
    if (c === "\\" || (quotes && c === '"')) return c;
    throw new SyntaxError(`${where}: bad escape '\\${c}'`);
  });
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\.)*)"(,|$)`);
  let rest = text;
  while (rest !== "") {
    const m = re.exec(rest);
    if (!m) throw new SyntaxError(`${where}: malformed label set '{${text}}'`);
    if (m[1] in labels) throw new SyntaxError(`${where}: label '${m[1]}' repeated`);
    labels[m[1]] = unescape(m[2], where, true);
    rest = rest.slice(m[0].length);
    if (m[3] === "," && rest === "") throw new SyntaxError(`${where}: trailing comma`);
  }
  return labels;
}

/**
 * Parses `text` as `format`; returns the families by name, in page order. Throws `SyntaxError`
 * on anything the format does not allow.
 */
export function parseExposition(
  text: string,
  format: "openmetrics" | "classic",
): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  if (!text.endsWith("\n")) throw new SyntaxError("the page does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  let current: ParsedFamily | null = null;
  const finished = new Set<string>();
  const sampleSeen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1} '${line.slice(0, 60)}'`;
    if (line === "# EOF") {
      if (format !== "openmetrics") throw new SyntaxError(`${where}: # EOF in the classic format`);
      if (i !== lines.length - 1) throw new SyntaxError(`${where}: # EOF is not the last line`);
      return families;
    }
    const meta = new RegExp(`^# (TYPE|HELP|UNIT) (${NAME})(?: (.*))?$`).exec(line);
    if (meta) {
      const [, kind, name, rest = ""] = meta;
      if (kind === "UNIT" && format !== "openmetrics") {
        throw new SyntaxError(`${where}: # UNIT in the classic format`);
      }
      let family = families.get(name);
      if (family === undefined) {
        if (finished.has(name)) throw new SyntaxError(`${where}: family '${name}' split`);
        family = { name, type: "untyped", help: null, unit: null, samples: [] };
        families.set(name, family);
        if (current) finished.add(current.name);
        current = family;
      } else if (family !== current || family.samples.length > 0) {
        throw new SyntaxError(`${where}: metadata for '${name}' after its samples or elsewhere`);
      }
      if (kind === "TYPE") {
        const types = format === "openmetrics" ? OM_TYPES : CLASSIC_TYPES;
        if (!types.includes(rest)) throw new SyntaxError(`${where}: unknown type '${rest}'`);
        family.type = rest;
      } else if (kind === "HELP") {
        if (family.help !== null) throw new SyntaxError(`${where}: second HELP`);
        family.help = unescape(rest, where, false);
      } else {
        if (family.unit !== null) throw new SyntaxError(`${where}: second UNIT`);
        if (!name.endsWith(`_${rest}`)) throw new SyntaxError(`${where}: name lacks the unit`);
        family.unit = rest;
      }
      continue;
    }
    if (line.startsWith("#")) {
      if (format === "openmetrics") throw new SyntaxError(`${where}: unknown comment`);
      continue;
    }
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!sample) throw new SyntaxError(`${where}: not a sample line`);
    const [, name, labelText = "", value] = sample;
    if (!VALUE.test(value)) throw new SyntaxError(`${where}: value '${value}' is not a number`);
    if (current === null || !allowedSampleNames(current, format).includes(name)) {
      throw new SyntaxError(`${where}: sample '${name}' outside its family`);
    }
    const labels = parseLabels(labelText, where);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (sampleSeen.has(key)) throw new SyntaxError(`${where}: duplicate sample`);
    sampleSeen.add(key);
    current.samples.push({ name, labels, value });
  }
  if (format === "openmetrics") throw new SyntaxError("the OpenMetrics page lacks # EOF");
  return families;
}

/** Every sample name on a parsed page, sorted and unique. */
export function sampleNames(families: Map<string, ParsedFamily>): string[] {
  const names = new Set<string>();
  for (const f of families.values()) for (const s of f.samples) names.add(s.name);
  return [...names].sort();
}

/** Whether `cmd --version` runs (a tool the test needs is installed). */
export function hasTool(cmd: string): boolean {
  try {
    return new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}
