/**
 * Runs in its own process (so no other test's CPU time is in its process tree): measures a busy
 * shell child with an EnergyLogger span and prints what the logger and the shell saw, as JSON.
 */
import { EnergyLogger } from "../../lib/energy/mod.ts";

const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null, env: {} });
const busy = await logger.monitor("busy-child", async () => {
  const out = await new Deno.Command("sh", {
    args: ["-c", "i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done; times >&2"],
    stdout: "null",
    stderr: "piped",
  }).output(); // reaped: its CPU time moves into our cutime/cstime
  return new TextDecoder().decode(out.stderr);
});
const idle = await logger.monitor("sleeping", () => new Promise((r) => setTimeout(r, 300)));
await logger.close();
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({
  times: busy.value,
  busy: { energy: busy.energy, details: busy.record.energy_details },
  idle: { details: idle.record.energy_details },
})));
