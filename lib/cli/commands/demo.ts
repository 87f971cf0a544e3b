/**
 * `carbon-ops demo`: runnable demonstrations.
 *
 * @module
 */

import { defineGroup } from "../command.ts";
import { demoAliasingCommand } from "./demo_aliasing.ts";
import { demoPipelineCommand } from "./demo_pipeline.ts";

/** The `demo` group. */
export const demoGroup = defineGroup(
  "demo",
  "Runnable demonstrations (aliasing, the full pipeline)",
  [demoPipelineCommand, demoAliasingCommand],
);
