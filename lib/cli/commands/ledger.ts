/**
 * The `ledger` command group. Its subcommands are listed here, in help order; add a subcommand
 * by importing it and adding one entry to `LEDGER_SUBCOMMANDS`.
 *
 * @module
 */

import { type Command, type CommandGroup, defineGroup } from "../command.ts";
import { ledgerAppendCommand } from "./ledger_append.ts";
import { ledgerExportCommand } from "./ledger_export.ts";
import { ledgerCheckpointCommand, ledgerPublishCommand } from "./ledger_checkpoint.ts";
import { ledgerInitCommand } from "./ledger_init.ts";
import { ledgerReportCommand } from "./ledger_report.ts";
import { ledgerShowCommand } from "./ledger_show.ts";
import { ledgerTotalsCommand } from "./ledger_totals.ts";
import { ledgerVerifyCommand } from "./ledger_verify.ts";
import { ledgerProveCommand } from "./ledger_prove.ts";
import { ledgerVerifyProofCommand } from "./ledger_verify_proof.ts";
import { ledgerConsistencyCommand } from "./ledger_consistency.ts";
import { ledgerWitnessRequestCommand } from "./ledger_witness_request.ts";
import { ledgerVerifyLegacyCommand } from "./ledger_verify_legacy.ts";
import { ledgerImportLegacyCommand } from "./ledger_import_legacy.ts";
import { ledgerRotateKeyCommand } from "./ledger_rotate_key.ts";

/**
 * Subcommands of `carbon-ops ledger`, in help order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LEDGER_SUBCOMMANDS } from "./ledger.ts";
 * const names = LEDGER_SUBCOMMANDS.map((c) => c.name);
 * assert.equal(names[0], "init");
 * assert.equal(new Set(names).size, names.length);
 * ```
 */
export const LEDGER_SUBCOMMANDS: readonly Command[] = [
  ledgerInitCommand,
  ledgerAppendCommand,
  ledgerVerifyCommand,
  ledgerCheckpointCommand,
  ledgerPublishCommand,
  ledgerShowCommand,
  ledgerTotalsCommand,
  ledgerExportCommand,
  ledgerReportCommand,
  ledgerProveCommand,
  ledgerVerifyProofCommand,
  ledgerConsistencyCommand,
  ledgerWitnessRequestCommand,
  ledgerVerifyLegacyCommand,
  ledgerImportLegacyCommand,
  ledgerRotateKeyCommand,
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
