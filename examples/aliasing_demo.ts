/**
 * The aliasing demo as a script: the 10 Hz governor against a 15 s Prometheus-style scraper of
 * the raw RAPL counter across counter wraps. Same options as `carbon-ops demo aliasing`:
 *
 *   deno run -A examples/aliasing_demo.ts --duration 120 --svg aliasing.svg
 *   sudo deno run -A examples/aliasing_demo.ts --source sysfs --duration 120   # a real host
 *
 * @module
 */

import { main } from "../main.ts";

if (import.meta.main) {
  Deno.exit(await main(["demo", "aliasing", ...Deno.args]));
}
