import assert from "node:assert/strict";

/** Seconds from the first line of the shell's `times` output ("0m0.41s 0m0.01s"). */
function shellCpuSeconds(timesOutput: string): number {
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(timesOutput);
  assert.ok(m, `unexpected 'times' output: ${timesOutput}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

Deno.test("EnergyLogger attributes a real busy child process plausibly (real /proc)", async () => {
  // The measurement runs in its own process: under `deno test --parallel` this process also runs
  // other test files, whose CPU time would be in our own process tree.
  const probe = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("../_kit/energy_busy_probe.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(probe.code, 0, new TextDecoder().decode(probe.stderr));
  const r = JSON.parse(new TextDecoder().decode(probe.stdout));
  const d = r.busy.details;
  const childCpu = shellCpuSeconds(r.times);
  assert.ok(childCpu >= 0.1, `the child should burn CPU, used ${childCpu} s`);
  // The probe's own thread adds a little (start-up included); ticks are 10 ms.
  assert.ok(
    d.task_cpu_seconds >= childCpu - 0.05 && d.task_cpu_seconds <= childCpu + 0.25,
    `process tree ${d.task_cpu_seconds} s vs the child's own ${childCpu} s`,
  );
  assert.ok(d.host_busy_cpu_seconds >= d.task_cpu_seconds - 0.05, "host busy includes the task");
  assert.ok(r.busy.energy.allocation_ratio > 0 && r.busy.energy.allocation_ratio <= 1);
  // sleeping: almost no CPU of ours (the ratio itself is noisy on an idle host: 1 tick of 1)
  assert.ok(r.idle.details.task_cpu_seconds < 0.1);
  assert.ok(
    Math.abs(
      r.busy.energy.energy_wh_attributed -
        r.busy.energy.energy_wh_total * r.busy.energy.allocation_ratio,
    ) < 1e-9,
    "the ratio is applied to the host energy",
  );
});
