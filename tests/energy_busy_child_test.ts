import assert from "node:assert/strict";
import { EnergyLogger } from "../lib/energy/mod.ts";

Deno.test("EnergyLogger attributes a real busy child process plausibly (real /proc)", async () => {
  const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null, env: {} });
  const busy = await logger.monitor("busy-child", async () => {
    const child = new Deno.Command("sh", {
      args: ["-c", "while :; do :; done"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, 1_000));
    child.kill("SIGKILL");
    await child.status; // reaped: its CPU time moves into our cutime
  });
  const idle = await logger.monitor("sleeping", () => new Promise((r) => setTimeout(r, 500)));
  const d = busy.record.energy_details;
  assert.ok(
    d.task_cpu_seconds >= 0.5 && d.task_cpu_seconds <= 1.5,
    `busy child used ${d.task_cpu_seconds} CPU s in ~1 s`,
  );
  assert.ok(
    d.host_busy_cpu_seconds >= d.task_cpu_seconds * 0.9,
    "host busy time includes the task",
  );
  assert.ok(busy.energy.allocation_ratio > 0.25, `ratio ${busy.energy.allocation_ratio}`);
  assert.ok(idle.energy.allocation_ratio < busy.energy.allocation_ratio);
  assert.ok(
    Math.abs(
      busy.energy.energy_wh_attributed - busy.energy.energy_wh_total * busy.energy.allocation_ratio,
    ) <
      1e-9,
    "ratio applied to the host energy",
  );
  await logger.close();
});
