/**
 * Energy logger costs: one sample (/proc scan + stat), a logMetrics record, a span, an
 * in-process `runMeasured("true")`, and the whole `carbon-ops run -- true` CLI beside its floor
 * (`true` alone and `carbon-ops --version`). `deno bench -A bench/energy_bench.ts`.
 */
import { EnergyLogger } from "../lib/energy/energy_logger.ts";
import { runMeasured } from "../lib/energy/run_measured.ts";
import { Telemetry } from "../lib/energy/telemetry.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const telemetry = new Telemetry();
const noSources = { governor: null, powercap: null, gpu: null, env: {} } as const;
const logger = new EnergyLogger(noSources);

Deno.bench("telemetry: /proc/stat read + parse", { group: "sample" }, () => {
  telemetry.readProcStat();
});
Deno.bench("telemetry: process-tree CPU time (full /proc scan)", { group: "sample" }, () => {
  telemetry.readTreeCpuSeconds(Deno.pid);
});
Deno.bench("logger: logMetrics record (model, no governor)", { group: "logger" }, async () => {
  await logger.logMetrics("bench");
});
Deno.bench("logger: monitor span around a no-op", { group: "logger" }, async () => {
  await logger.monitor("bench", () => 0);
});
Deno.bench("runMeasured('true') in-process, process-tree", { group: "run" }, async () => {
  await runMeasured("true", [], { useCgroup: false, logger: noSources });
});
Deno.bench(
  "runMeasured('true') in-process, transient cgroup (root)",
  { group: "run" },
  async () => {
    await runMeasured("true", [], { logger: noSources });
  },
);

const cli = (args: string[]) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env: { CARBON_OPS_CONFIG: "" },
    stdout: "null",
    stderr: "null",
  }).output();
Deno.bench("floor: true", { group: "cli", baseline: true }, async () => {
  await new Deno.Command("true").output();
});
Deno.bench("floor: carbon-ops --version (deno run)", { group: "cli" }, async () => {
  await cli(["--version"]);
});
Deno.bench("carbon-ops run -- true (deno run)", { group: "cli" }, async () => {
  await cli(["run", "--no-gpu", "--", "true"]);
});
