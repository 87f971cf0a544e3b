/**
 * The `ledger` command group. Its subcommands are listed here, in help order, by name and
 * summary; each is loaded only when it runs (or shows its help), so `ledger append` does not load
 * the verifier, the report or the legacy importer. Add a subcommand with one entry in
 * `LEDGER_SUBCOMMANDS` (the example there checks that every entry matches its command).
 *
 * @module
 */

import type { Command, CommandEntry, CommandGroup } from "../command.ts";
import { defineGroup } from "../command.ts";

/**
 * Subcommands of `carbon-ops ledger`, in help order, loaded when used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_SUBCOMMANDS } from "./ledger.ts";
 * const names = LEDGER_SUBCOMMANDS.map((c) => c.name);
 * assert.equal(names[0], "init");
 * assert.equal(new Set(names).size, names.length);
 * for (const entry of LEDGER_SUBCOMMANDS) {
 *   const command = await entry.load();
 *   assert.equal(command.name, entry.name);
 *   assert.equal(command.summary, entry.summary, `summary of ledger ${entry.name}`);
 * }
 * ```
 */
export const LEDGER_SUBCOMMANDS: readonly CommandEntry<Command>[] = [
  {
    name: "init",
    summary: "Create a ledger: genesis record, first checkpoint, trust file",
    load: async () => (await import("./ledger_init.ts")).ledgerInitCommand,
  },
  {
    name: "append",
    summary: "Validate a record body and append it, signed, durably",
    load: async () => (await import("./ledger_append.ts")).ledgerAppendCommand,
  },
  {
    name: "verify",
    summary: "Verify records, chain, signatures and checkpoints; exit 0/1/3/4/5",
    load: async () => (await import("./ledger_verify.ts")).ledgerVerifyCommand,
  },
  {
    name: "checkpoint",
    summary: "Sign a C2SP checkpoint of the ledger, print it and publish it off the host",
    load: async () => (await import("./ledger_checkpoint.ts")).ledgerCheckpointCommand,
  },
  {
    name: "publish",
    summary: "Publish the latest checkpoint off the host again, without signing a new one",
    load: async () => (await import("./ledger_checkpoint.ts")).ledgerPublishCommand,
  },
  {
    name: "show",
    summary: "Show one record (--seq) or the last N (--tail, default 10)",
    load: async () => (await import("./ledger_show.ts")).ledgerShowCommand,
  },
  {
    name: "totals",
    summary: "Exact CO2e (operational, embodied, total) and energy sums, grouped",
    load: async () => (await import("./ledger_totals.ts")).ledgerTotalsCommand,
  },
  {
    name: "export",
    summary: "Emission records as CSV or JSON Lines, one row per record, for spreadsheets",
    load: async () => (await import("./ledger_export.ts")).ledgerExportCommand,
  },
  {
    name: "report",
    summary:
      "Write a self-contained HTML report: totals with intervals, verdict, method, charts, records",
    load: async () => (await import("./ledger_report.ts")).ledgerReportCommand,
  },
  {
    name: "prove",
    summary: "Write an offline inclusion proof bundle for one record",
    load: async () => (await import("./ledger_prove.ts")).ledgerProveCommand,
  },
  {
    name: "verify-proof",
    summary: "Verify one record against an offline proof bundle and the trust file",
    load: async () => (await import("./ledger_verify_proof.ts")).ledgerVerifyProofCommand,
  },
  {
    name: "consistency",
    summary: "Print the consistency proof from an older checkpoint to the latest",
    load: async () => (await import("./ledger_consistency.ts")).ledgerConsistencyCommand,
  },
  {
    name: "witness-request",
    summary: "Print a tlog-witness add-checkpoint request for the latest checkpoint",
    load: async () => (await import("./ledger_witness_request.ts")).ledgerWitnessRequestCommand,
  },
  {
    name: "verify-legacy",
    summary: "Verify a Python carbon-ops 0.1 ledger against a pinned public key",
    load: async () => (await import("./ledger_verify_legacy.ts")).ledgerVerifyLegacyCommand,
  },
  {
    name: "import-legacy",
    summary: "Import a verified Python carbon-ops 0.1 ledger as emission records",
    load: async () => (await import("./ledger_import_legacy.ts")).ledgerImportLegacyCommand,
  },
  {
    name: "rotate-key",
    summary: "Append a key_rotation record signed by the old key, with the new key's proof",
    load: async () => (await import("./ledger_rotate_key.ts")).ledgerRotateKeyCommand,
  },
];

/**
 * The `ledger` group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_SUBCOMMANDS, ledgerGroup } from "./ledger.ts";
 * assert.equal(ledgerGroup.subcommands, LEDGER_SUBCOMMANDS);
 * assert.ok(ledgerGroup.subcommands.some((c) => c.name === "verify"));
 * assert.match(ledgerGroup.help, /^Usage: carbon-ops ledger <subcommand>/);
 * ```
 */
export const ledgerGroup: CommandGroup = defineGroup(
  "ledger",
  "Signed, hash-chained audit ledger: init, append, verify, checkpoint, show, totals, proofs",
  LEDGER_SUBCOMMANDS,
);
