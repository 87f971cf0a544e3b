import assert from "node:assert/strict";
import { EnergyLogger } from "../../lib/energy/energy_logger.ts";
import { NVIDIA_SMI_ARGS, NvidiaSmi, parseNvidiaSmiCsv } from "../../lib/energy/nvidia_smi.ts";
import { VirtualClock } from "../../lib/base/clock.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { cpu, FakeProcTree } from "../_kit/fake_proc.ts";

/** Installs a fake `nvidia-smi` in `bin` that checks its arguments and prints `gpu.csv`. */
function installFakeNvidiaSmi(bin: string): { setCsv(text: string): void } {
  Deno.mkdirSync(bin, { recursive: true });
  const script = `#!/bin/sh
[ "$1" = "${NVIDIA_SMI_ARGS[0]}" ] && [ "$2" = "${
    NVIDIA_SMI_ARGS[1]
  }" ] || { echo "bad args: $*" >&2; exit 9; }
[ -f "${bin}/fail" ] && exit 3
cat "${bin}/gpu.csv"
`;
  Deno.writeTextFileSync(`${bin}/nvidia-smi`, script, { mode: 0o755 });
  return { setCsv: (text) => Deno.writeTextFileSync(`${bin}/gpu.csv`, text) };
}

Deno.test("parseNvidiaSmiCsv maps fields, converts MiB to GB and turns [N/A] into null", () => {
  const gpus = parseNvidiaSmiCsv(
    "0, 250.12, 97, 45, 40000, 81920\n1, [N/A], [Not Supported], 0, 0, 16384\n\n",
  );
  assert.equal(gpus.length, 2);
  assert.deepEqual(gpus[0], {
    gpu_id: 0,
    power_watts: 250.12,
    gpu_utilization_percent: 97,
    memory_utilization_percent: 45,
    memory_used_gb: 40000 * 1048576 / 1e9,
    memory_total_gb: 81920 * 1048576 / 1e9,
  });
  assert.equal(gpus[1].power_watts, null);
  assert.equal(gpus[1].gpu_utilization_percent, null);
});

Deno.test("NvidiaSmi runs a fake nvidia-smi found on PATH and returns null when it fails or is absent", async () => {
  await using dir = await tempDir();
  const bin = dir.join("bin");
  const fake = installFakeNvidiaSmi(bin);
  fake.setCsv("0, 70.5, 30, 10, 1024, 16384\n");
  const smi = new NvidiaSmi({ env: { PATH: `${bin}:/usr/bin:/bin` } });
  const gpus = await smi.query();
  assert.equal(gpus?.[0].power_watts, 70.5);
  Deno.writeTextFileSync(`${bin}/fail`, "");
  assert.equal(await smi.query(), null);
  assert.equal(await new NvidiaSmi({ env: { PATH: dir.join("empty") } }).query(), null);
});

Deno.test("EnergyLogger integrates GPU power over a span with the trapezoid rule from a fake nvidia-smi", async () => {
  await using dir = await tempDir();
  const bin = dir.join("bin");
  const fake = installFakeNvidiaSmi(bin);
  const tree = new FakeProcTree(dir.path);
  tree.setStat(cpu({ user: 100, idle: 900 }));
  tree.setProc({ pid: 50, ppid: 1, utime: 10, stime: 0 });
  const clock = new VirtualClock({ sleep: "manual" });
  fake.setCsv("0, 100, 50, 10, 1024, 16384\n1, 50, 50, 10, 1024, 16384\n");
  const logger = new EnergyLogger({
    clock,
    procRoot: tree.procRoot,
    pid: 50,
    governor: null,
    powercap: null,
    gpu: new NvidiaSmi({ env: { PATH: `${bin}:/usr/bin:/bin` } }),
    pollIntervalMs: 1_000,
    env: {},
  });
  await logger.settled();
  const span = logger.span("inference");
  await logger.settled();
  fake.setCsv("0, 200, 90, 10, 2048, 16384\n1, 50, 50, 10, 1024, 16384\n");
  await clock.advance(1_000); // poll: GPU0 100 -> 200 W
  await logger.settled();
  await clock.advance(1_000); // poll: GPU0 stays 200 W
  await logger.settled();
  const rec = await span.end();
  // GPU0: (100+200)/2*1 + (200+200)/2*1 = 350 J; GPU1: 50 W x 2 s = 100 J
  assert.ok(Math.abs(rec.energy.gpu_energy_wh - 450 / 3600) < 1e-12, `${rec.energy.gpu_energy_wh}`);
  assert.equal(rec.gpu.length, 2);
  assert.equal(rec.gpu[0].power_watts, 200);
  assert.ok(rec.energy.energy_wh_total > rec.energy.gpu_energy_wh);
  await logger.close();
});
