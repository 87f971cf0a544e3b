import assert from "node:assert/strict";
import { EnergyLogger } from "../lib/energy/mod.ts";

/** Seconds from the first line of the shell's `times` output ("0m0.41s 0m0.01s"). */
function shellCpuSeconds(timesOutput: string): number {
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(timesOutput);
  assert.ok(m, `unexpected 'times' output: ${timesOutput}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

Deno.test("EnergyLogger attributes a real busy child process plausibly (real /proc)", async () => {
  const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null, env: {} });
  const busy = await logger.monitor("busy-child", async () => {
    const out = await new Deno.Command("sh", {
      args: ["-c", "i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done; times >&2"],
      stdout: "null",
      stderr: "piped",
    }).output(); // reaped: its CPU time moves into our cutime/cstime
    return shellCpuSeconds(new TextDecoder().decode(out.stderr));
  });
  const idle = await logger.monitor("sleeping", () => new Promise((r) => setTimeout(r, 300)));
  const d = busy.record.energy_details;
  const childCpu = busy.value;
  assert.ok(childCpu >= 0.1, `the child should burn CPU, used ${childCpu} s`);
  // Our own thread adds a little; ticks are 10 ms: allow 0.05 s below and 0.25 s above.
  assert.ok(
    d.task_cpu_seconds >= childCpu - 0.05 && d.task_cpu_seconds <= childCpu + 0.25,
    `process tree ${d.task_cpu_seconds} s vs the child's own ${childCpu} s`,
  );
  assert.ok(d.host_busy_cpu_seconds >= d.task_cpu_seconds - 0.05, "host busy includes the task");
  assert.ok(busy.energy.allocation_ratio > 0 && busy.energy.allocation_ratio <= 1);
  // sleeping: almost no CPU of ours (the ratio itself is noisy on an idle host: 1 tick of 1)
  assert.ok(idle.record.energy_details.task_cpu_seconds < 0.1);
  assert.ok(
    Math.abs(
      busy.energy.energy_wh_attributed - busy.energy.energy_wh_total * busy.energy.allocation_ratio,
    ) < 1e-9,
    "the ratio is applied to the host energy",
  );
  await logger.close();
});
