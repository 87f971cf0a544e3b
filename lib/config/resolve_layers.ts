/**
 * Config resolution without a config file: defaults, then `CARBON_OPS_*` variables, then flags,
 * validated into a deeply frozen `Config`. `resolve.ts` adds the JSONC file between the defaults
 * and the variables; it carries the JSONC parser, which this module does not, so a command run
 * without a config file does not load it. No I/O here; `load.ts` reads the file.
 *
 * @module
 */

import { ConfigError } from "../base/errors.ts";
import { closestMatches } from "../base/suggest.ts";
import { type Config, CONFIG_SCHEMA, type ConfigOverrides, type FieldSpec } from "./schema.ts";
import { checkText, checkValue } from "./validate.ts";

/**
 * Environment variables with a meaning of their own, not config keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RESERVED_ENV, resolveLayers } from "./resolve_layers.ts";
 * assert.ok(RESERVED_ENV.includes("CARBON_OPS_DEBUG"));
 * const config = resolveLayers({ env: { CARBON_OPS_DEBUG: "1" } });
 * assert.equal(config.governor.intervalMs, 100);
 * ```
 */
export const RESERVED_ENV = ["CARBON_OPS_CONFIG", "CARBON_OPS_DEBUG"] as const;

const SECTIONS = CONFIG_SCHEMA as unknown as Record<string, Record<string, FieldSpec>>;

/**
 * The environment variable for a config key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envName } from "./resolve_layers.ts";
 * assert.equal(envName("governor", "intervalMs"), "CARBON_OPS_GOVERNOR_INTERVAL_MS");
 * ```
 */
export function envName(section: string, key: string): string {
  return `CARBON_OPS_${section.toUpperCase()}_${key.replace(/([A-Z])/g, "_$1").toUpperCase()}`;
}

/**
 * The command-line flag conventionally used for a config key (`intervalMs` is `--interval-ms`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flagName } from "./resolve_layers.ts";
 * assert.equal(flagName("intervalMs"), "--interval-ms");
 * ```
 */
export function flagName(key: string): string {
  return `--${key.replace(/([A-Z])/g, "-$1").toLowerCase()}`;
}

/**
 * Config values while the layers are applied: section, then key, then the checked value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LayerValues, resolveLayers } from "./resolve_layers.ts";
 * const config = resolveLayers({}, (values: LayerValues) => {
 *   values.governor.intervalMs = 50;
 * });
 * assert.equal(config.governor.intervalMs, 50);
 * ```
 */
export type LayerValues = Record<string, Record<string, unknown>>;

/**
 * The layers above the config file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConfigLayers, resolveLayers } from "./resolve_layers.ts";
 * const layers: ConfigLayers = {
 *   env: { CARBON_OPS_GOVERNOR_INTERVAL_MS: "200" },
 *   flags: { governor: { intervalMs: 300 } },
 * };
 * assert.equal(resolveLayers(layers).governor.intervalMs, 300);
 * ```
 */
export interface ConfigLayers {
  /** Environment variables (default none). */
  readonly env?: Readonly<Record<string, string>>;
  /** Flag overrides from the command line (default none). */
  readonly flags?: ConfigOverrides;
}

function applyEnv(
  values: LayerValues,
  env: Readonly<Record<string, string>>,
) {
  const known = new Map<string, [string, string]>();
  for (const [section, fields] of Object.entries(SECTIONS)) {
    for (const key of Object.keys(fields)) known.set(envName(section, key), [section, key]);
  }
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith("CARBON_OPS_") || (RESERVED_ENV as readonly string[]).includes(name)) {
      continue;
    }
    // An empty variable is unset, for every key (`FOO= cmd` must not change or break anything).
    if (text === "") continue;
    const target = known.get(name);
    if (!target) {
      const near = closestMatches(name, [...known.keys(), ...RESERVED_ENV], { maxDistance: 4 });
      throw new ConfigError(
        `unknown variable${near.length ? `; did you mean ${near[0]}?` : "; unset it"}`,
        { source: name },
      );
    }
    const [section, key] = target;
    const spec = SECTIONS[section][key];
    if (spec.fileOnly) {
      throw new ConfigError(
        `${section}.${key} is a security setting and can only be set in the config file; unset ${name}`,
        { source: name },
      );
    }
    const checked = checkText(spec, text);
    if (!checked.ok) {
      throw new ConfigError(`expected ${checked.expected}, got '${text}'`, {
        source: name,
        key: `${section}.${key}`,
      });
    }
    values[section][key] = checked.value;
  }
}

function applyFlags(values: LayerValues, flags: ConfigOverrides) {
  for (
    const [section, fields] of Object.entries(
      flags as Record<string, Record<string, unknown> | undefined>,
    )
  ) {
    if (!fields) continue;
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const spec = SECTIONS[section]?.[key];
      if (!spec) throw new TypeError(`internal: flag maps to unknown config key ${section}.${key}`);
      if (spec.fileOnly) {
        throw new ConfigError(
          `${section}.${key} is a security setting; set it in the config file instead`,
          { source: flagName(key) },
        );
      }
      const checked = checkValue(spec, value);
      if (!checked.ok) {
        throw new ConfigError(`expected ${checked.expected}`, {
          source: flagName(key),
          key: `${section}.${key}`,
        });
      }
      values[section][key] = checked.value;
    }
  }
}

/**
 * Resolves the defaults, then `fileLayer` (when given: it sets checked values from a config
 * file, as `resolveConfig` in `resolve.ts` does), then `CARBON_OPS_*` variables, then flags, into
 * a frozen `Config`. Throws `ConfigError` naming the variable or the flag, with what is expected
 * and the closest known key. A `CARBON_OPS_*` variable set to the empty string counts as unset;
 * numbers in variables are plain decimal only (see `checkText`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { resolveLayers } from "./resolve_layers.ts";
 * const config = resolveLayers({ env: { CARBON_OPS_CARBON_REGION: "FR" } });
 * assert.equal(config.carbon.region, "FR");
 * assert.equal(config.governor.intervalMs, 100);
 * assert.ok(Object.isFrozen(config.governor));
 * assert.throws(
 *   () => resolveLayers({ env: { CARBON_OPS_GOVERNOR_INTERVAL_MX: "5" } }),
 *   (e: unknown) => e instanceof ConfigError && /CARBON_OPS_GOVERNOR_INTERVAL_MS/.test(e.message),
 * );
 * ```
 */
export function resolveLayers(
  layers: ConfigLayers,
  fileLayer?: (values: LayerValues) => void,
): Config {
  const values: LayerValues = {};
  for (const [section, fields] of Object.entries(SECTIONS)) {
    values[section] = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.default]));
  }
  fileLayer?.(values);
  applyEnv(values, layers.env ?? {});
  applyFlags(values, layers.flags ?? {});
  for (const section of Object.values(values)) Object.freeze(section);
  return Object.freeze(values) as unknown as Config;
}
