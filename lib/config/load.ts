/**
 * Config loading adapter: finds and reads the config file, then calls the pure resolver
 * (`resolveConfig` with a file, `resolveLayers` without one).
 *
 * @module
 */

import { ConfigError } from "../base/errors.ts";
import type { Config, ConfigOverrides } from "./schema.ts";

/**
 * Where the config file is looked for when neither `--config` nor `CARBON_OPS_CONFIG` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_CONFIG_PATH } from "./load.ts";
 * assert.equal(DEFAULT_CONFIG_PATH, "/etc/carbon-ops/config.jsonc");
 * ```
 */
export const DEFAULT_CONFIG_PATH = "/etc/carbon-ops/config.jsonc";

/**
 * Options of `loadConfig`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig, type LoadConfigOptions } from "./load.ts";
 * const dir = await Deno.makeTempDir();
 * try {
 *   const path = `${dir}/config.jsonc`;
 *   await Deno.writeTextFile(path, '// site\n{ "carbon": { "region": "DE" } }');
 *   const options: LoadConfigOptions = {
 *     configPath: path,
 *     env: { CARBON_OPS_CARBON_REGION: "FR" },
 *     flags: { governor: { intervalMs: 50 } },
 *   };
 *   const config = await loadConfig(options);
 *   assert.equal(config.carbon.region, "FR"); // env beats the file
 *   assert.equal(config.governor.intervalMs, 50);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export interface LoadConfigOptions {
  /** `--config` value; wins over `CARBON_OPS_CONFIG`. Default: not given. */
  readonly configPath?: string;
  /** Environment (default: empty). `CARBON_OPS_CONFIG=""` means "no config file". */
  readonly env?: Readonly<Record<string, string>>;
  /** Flag overrides (default: none). */
  readonly flags?: ConfigOverrides;
  /** Path used when nothing names a file and it exists (default `DEFAULT_CONFIG_PATH`). */
  readonly defaultPath?: string;
}

/**
 * Loads the configuration: defaults, then the JSONC file, then `CARBON_OPS_*` variables, then
 * flags. A file named explicitly must exist; the default path is used only when present.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError } from "../base/errors.ts";
 * import { loadConfig } from "./load.ts";
 * const config = await loadConfig({ env: { CARBON_OPS_CONFIG: "" } });
 * assert.equal(config.governor.socketPath, "/run/carbon-ops.sock");
 * await assert.rejects(loadConfig({ configPath: "/nonexistent/config.jsonc" }), ConfigError);
 * ```
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? {};
  const named = options.configPath ?? env.CARBON_OPS_CONFIG;
  const source = options.configPath !== undefined ? "--config" : "CARBON_OPS_CONFIG";
  let path: string | null = null;
  let fileText: string | null = null;
  if (named !== undefined && named !== "") {
    path = named;
    try {
      fileText = await Deno.readTextFile(path);
    } catch (err) {
      const why = err instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read";
      throw new ConfigError(`config file ${path} (from ${source}) ${why}; check the path`, {
        source: path,
        cause: err,
      });
    }
  } else if (named === undefined) {
    path = options.defaultPath ?? DEFAULT_CONFIG_PATH;
    try {
      fileText = await Deno.readTextFile(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        throw new ConfigError(
          "config file cannot be read; fix its permissions or set CARBON_OPS_CONFIG",
          {
            source: path,
            cause: err,
          },
        );
      }
      path = null;
    }
  }
  // Imported here: the resolver carries the schema, which a module that only names
  // DEFAULT_CONFIG_PATH (or a command that never loads its configuration) should not; and the
  // JSONC parser (npm, so Node compatibility start-up) only when there is a file to parse.
  if (fileText === null) {
    const { resolveLayers } = await import("./resolve_layers.ts");
    return resolveLayers({ env, flags: options.flags });
  }
  const { resolveConfig } = await import("./resolve.ts");
  return resolveConfig({ fileText, filePath: path ?? undefined, env, flags: options.flags });
}
