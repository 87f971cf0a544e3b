/**
 * The command table. Each command lives in its own file under `lib/cli/commands/`; add one import
 * and one entry here to register it. Order is the order shown in `carbon-ops --help`.
 *
 * @module
 */

import type { Command, CommandGroup } from "./command.ts";
import { configCommand } from "./commands/config.ts";
import { keysGroup } from "./commands/keys.ts";
import { ledgerGroup } from "./commands/ledger.ts";
import { demoGroup } from "./commands/demo.ts";
import { readCommand } from "./commands/read.ts";
import { governorCommand } from "./commands/governor.ts";
import { estimateCommand } from "./commands/estimate.ts";
import { runCommand } from "./commands/run.ts";
import { reportCommand } from "./commands/report.ts";
import { regionsCommand } from "./commands/regions.ts";
import { providersCommand } from "./commands/providers.ts";

/** Every top-level command and group, in help order. */
export const COMMANDS: readonly (Command | CommandGroup)[] = [
  configCommand,
  keysGroup,
  ledgerGroup,
  governorCommand,
  readCommand,
  estimateCommand,
  runCommand,
  reportCommand,
  regionsCommand,
  providersCommand,
  demoGroup,
];
