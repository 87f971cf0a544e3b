/**
 * The library's command table. Each command lives in its own file under `lib/cli/commands/` and is loaded
 * only when it runs (or when its help is shown), so a long-running command such as the governor
 * does not carry every other command's modules in memory. Register a command with one entry here;
 * a test checks that each entry's name and summary match the command it loads. Order is the order
 * shown in `carbon-ops --help`.
 *
 * @module
 */

import type { CommandEntry } from "./command.ts";

/**
 * The library's commands, in help order. The governor (`governor/command.ts`) and the
 * demonstrations (`demo/command.ts`) sit above `lib/` and are added by `main.ts`, which composes
 * the full table (`COMMANDS` there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LIBRARY_COMMANDS } from "./registry.ts";
 * const regions = LIBRARY_COMMANDS.find((c) => c.name === "regions");
 * assert.ok(regions);
 * assert.equal((await regions.load()).summary, regions.summary);
 * ```
 */
export const LIBRARY_COMMANDS: readonly CommandEntry[] = [
  {
    name: "config",
    summary: "Show the effective configuration (defaults, file, environment) or where it is wrong",
    load: async () => (await import("./commands/config.ts")).configCommand,
  },
  {
    name: "keys",
    summary: "Manage Ed25519 signing keys for the ledger",
    load: async () => (await import("./commands/keys.ts")).keysGroup,
  },
  {
    name: "ledger",
    summary:
      "Signed, hash-chained audit ledger: init, append, verify, checkpoint, show, totals, proofs",
    load: async () => (await import("./commands/ledger.ts")).ledgerGroup,
  },
  {
    name: "read",
    summary: "Read energy totals from the governor's socket (once or --watch)",
    load: async () => (await import("./commands/read.ts")).readCommand,
  },
  {
    name: "estimate",
    summary: "Estimate grams of CO2e (with interval and provenance) for energy or power over time",
    load: async () => (await import("./commands/estimate.ts")).estimateCommand,
  },
  {
    name: "sci",
    summary: "Software Carbon Intensity ((E x I) + M) per R, with an interval",
    load: async () => (await import("./commands/sci.ts")).sciCommand,
  },
  {
    name: "run",
    summary: "Run a command and report the energy and carbon attributed to it",
    load: async () => (await import("./commands/run.ts")).runCommand,
  },
  {
    name: "report",
    summary: "Append the host's emission record for the time since the previous report (cron)",
    load: async () => (await import("./commands/report.ts")).reportCommand,
  },
  {
    name: "regions",
    summary: "List known grid regions with their intensity, year, basis and source",
    load: async () => (await import("./commands/regions.ts")).regionsCommand,
  },
  {
    name: "where",
    summary: "Show the cloud provider, instance type, region and zone detected, and their sources",
    load: async () => (await import("./commands/where.ts")).whereCommand,
  },
  {
    name: "providers",
    summary: "Check the live intensity providers (credentials, region, API answers) for a span",
    load: async () => (await import("./commands/providers.ts")).providersCommand,
  },
];
