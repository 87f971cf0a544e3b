/**
 * carbon-ops: measured energy, honest carbon estimates, and a signed, hash-chained audit ledger.
 *
 * ```ts
 * import { VERSION } from "@carbon-ops/carbon-ops";
 * console.log(VERSION);
 * ```
 *
 * @module
 */

export { VERSION } from "./lib/base/version.ts";
export { type Clock, rfc3339, systemClock } from "./lib/base/clock.ts";
export { ConfigError, UsageError } from "./lib/base/errors.ts";
export { DEFAULT_CONFIG_PATH, loadConfig, type LoadConfigOptions } from "./lib/config/load.ts";
export { envName, resolveConfig, type ResolveInput } from "./lib/config/resolve.ts";
export {
  type Config,
  CONFIG_SCHEMA,
  type ConfigOverrides,
  type ConfigSection,
  type FieldSpec,
  type FieldType,
  type FieldValue,
  type Schema,
  type ValueFor,
} from "./lib/config/schema.ts";
export * from "./lib/energy/mod.ts";
export {
  DEFAULT_GOVERNOR_SOCKET,
  GovernorClient,
  type GovernorClientOptions,
  type GovernorDomainInfo,
  type GovernorDomainReading,
  type GovernorHealth,
  type GovernorReading,
  GovernorUnavailableError,
  type GovernorUnavailableReason,
} from "./lib/energy/governor_client.ts";
export * from "./lib/carbon/mod.ts";
export * from "./lib/carbon/providers/mod.ts";
export * from "./lib/ledger/mod.ts";
