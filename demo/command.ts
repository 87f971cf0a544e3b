/**
 * `carbon-ops demo`: runnable demonstrations.
 *
 * @module
 */

import { defineGroup } from "../lib/cli/command.ts";
import { demoAliasingCommand } from "./aliasing_command.ts";
import { demoPipelineCommand } from "./pipeline_command.ts";

/**
 * The `demo` group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demoGroup } from "./command.ts";
 * assert.equal(demoGroup.name, "demo");
 * assert.deepEqual(demoGroup.subcommands.map((c) => c.name), ["pipeline", "aliasing"]);
 * assert.match(demoGroup.help, /^Usage: carbon-ops demo <subcommand> \[options\]/);
 * ```
 */
export const demoGroup = defineGroup(
  "demo",
  "Runnable demonstrations (aliasing, the full pipeline)",
  [demoPipelineCommand, demoAliasingCommand],
);
