/**
 * `carbon-ops demo`: runnable demonstrations.
 *
 * @module
 */

import { defineGroup } from "../lib/cli/command.ts";
import { demoAliasingCommand } from "./aliasing_command.ts";
import { demoPipelineCommand } from "./pipeline_command.ts";

/** The `demo` group. */
export const demoGroup = defineGroup(
  "demo",
  "Runnable demonstrations (aliasing, the full pipeline)",
  [demoPipelineCommand, demoAliasingCommand],
);
