/**
 * GPU telemetry through `nvidia-smi --query-gpu` (an adapter around a subprocess), plus the
 * pure CSV parser. The command name and environment (PATH) are injectable so tests can put a
 * fake `nvidia-smi` script first on PATH.
 *
 * @module
 */

/**
 * One GPU at one instant, with the Python package's keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GpuReading } from "./nvidia_smi.ts";
 * const idle: GpuReading = {
 *   gpu_id: 0,
 *   gpu_utilization_percent: 0,
 *   memory_utilization_percent: 0,
 *   memory_used_gb: 0.5,
 *   memory_total_gb: 16,
 *   power_watts: 12.5,
 * };
 * assert.equal(idle.power_watts, 12.5);
 * ```
 */
export interface GpuReading {
  /** `index` from nvidia-smi. */
  readonly "gpu_id": number;
  /** `utilization.gpu` in percent, or null when not supported. */
  readonly "gpu_utilization_percent": number | null;
  /** `utilization.memory` in percent, or null. */
  readonly "memory_utilization_percent": number | null;
  /** `memory.used` in GB (MiB x 2^20 / 1e9), or null. */
  readonly "memory_used_gb": number | null;
  /** `memory.total` in GB, or null. */
  readonly "memory_total_gb": number | null;
  /** `power.draw` in watts, or null when the board does not report it. */
  readonly "power_watts": number | null;
}

/**
 * Arguments passed to nvidia-smi.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NVIDIA_SMI_ARGS } from "./nvidia_smi.ts";
 * assert.ok(NVIDIA_SMI_ARGS.includes("--format=csv,noheader,nounits"));
 * assert.match(NVIDIA_SMI_ARGS[0], /^--query-gpu=index,power\.draw,/);
 * ```
 */
export const NVIDIA_SMI_ARGS: readonly string[] = [
  "--query-gpu=index,power.draw,utilization.gpu,utilization.memory,memory.used,memory.total",
  "--format=csv,noheader,nounits",
];

const MIB_TO_GB = 1048576 / 1e9;

/**
 * Parses `nvidia-smi --query-gpu=index,power.draw,utilization.gpu,utilization.memory,
 * memory.used,memory.total --format=csv,noheader,nounits` output. Fields such as `[N/A]` or
 * `[Not Supported]` become null; lines without a numeric index are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNvidiaSmiCsv } from "./nvidia_smi.ts";
 * const [g] = parseNvidiaSmiCsv("0, 71.50, 93, 40, 2048, 16384\n");
 * assert.equal(g.gpu_id, 0);
 * assert.equal(g.power_watts, 71.5);
 * assert.equal(g.gpu_utilization_percent, 93);
 * ```
 */
export function parseNvidiaSmiCsv(text: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(",").map((s) => s.trim());
    if (f.length < 6 || !/^\d+$/.test(f[0])) continue;
    const num = (s: string): number | null => {
      const n = Number(s);
      return s === "" || !Number.isFinite(n) ? null : n;
    };
    const used = num(f[4]);
    const total = num(f[5]);
    out.push({
      gpu_id: Number(f[0]),
      power_watts: num(f[1]),
      gpu_utilization_percent: num(f[2]),
      memory_utilization_percent: num(f[3]),
      memory_used_gb: used === null ? null : used * MIB_TO_GB,
      memory_total_gb: total === null ? null : total * MIB_TO_GB,
    });
  }
  return out;
}

/**
 * Something that reports GPUs; `null` when there are none or the query failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GpuQuery } from "./nvidia_smi.ts";
 * import { parseNvidiaSmiCsv } from "./nvidia_smi.ts";
 * const fake: GpuQuery = { query: () => Promise.resolve(parseNvidiaSmiCsv("0, 250.00, 100, 50, 1024, 16384\n")) };
 * const gpus = await fake.query();
 * assert.equal(gpus?.[0].power_watts, 250);
 * ```
 */
export interface GpuQuery {
  /** Current GPU readings, or null. Never throws. */
  query(): Promise<GpuReading[] | null>;
}

/**
 * Runs nvidia-smi. When the command is not found it is not tried again for `retryMs`; a failed
 * or timed-out run returns null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NvidiaSmi } from "./nvidia_smi.ts";
 * const gpus = await new NvidiaSmi({ command: "/nonexistent/nvidia-smi" }).query();
 * assert.equal(gpus, null); // no nvidia-smi: no GPU readings, not an error
 * ```
 */
export class NvidiaSmi implements GpuQuery {
  readonly #command: string;
  readonly #env: Record<string, string> | undefined;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  #missingUntil = 0;

  /**
   * Creates the instance.
   * @param options `command` (default `nvidia-smi`, resolved on PATH), `env` (default: this
   *   process's environment; set PATH here to choose the binary), `timeoutMs` (default 5000),
   *   `retryMs` before trying again after "not found" (default 300000).
   */
  constructor(
    options: {
      command?: string;
      env?: Record<string, string>;
      timeoutMs?: number;
      retryMs?: number;
    } = {},
  ) {
    this.#command = options.command ?? "nvidia-smi";
    this.#env = options.env;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#retryMs = options.retryMs ?? 300_000;
  }

  /** GPU readings, or null when nvidia-smi is absent, fails, or lists no GPU. */
  async query(): Promise<GpuReading[] | null> {
    if (Date.now() < this.#missingUntil) return null;
    try {
      const out = await new Deno.Command(this.#command, {
        args: [...NVIDIA_SMI_ARGS],
        env: this.#env,
        clearEnv: this.#env !== undefined,
        stdin: "null",
        stdout: "piped",
        stderr: "null",
        signal: AbortSignal.timeout(this.#timeoutMs),
      }).output();
      if (!out.success) return null;
      const gpus = parseNvidiaSmiCsv(new TextDecoder().decode(out.stdout));
      return gpus.length > 0 ? gpus : null;
    } catch (err) {
      if (
        err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied ||
        err instanceof Deno.errors.NotCapable
      ) {
        this.#missingUntil = Date.now() + this.#retryMs;
      }
      return null;
    }
  }
}

/**
 * Energy in joules of GPUs between two readings by the trapezoid rule, matching GPUs by
 * `gpu_id`; GPUs without a power figure at either end contribute nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpuTrapezoidJoules } from "./nvidia_smi.ts";
 * const g = (w: number) => [{
 *   gpu_id: 0,
 *   power_watts: w,
 *   gpu_utilization_percent: null,
 *   memory_utilization_percent: null,
 *   memory_used_gb: null,
 *   memory_total_gb: null,
 * }];
 * assert.equal(gpuTrapezoidJoules(g(100), g(200), 2), 300); // (100 + 200) / 2 W for 2 s
 * ```
 */
export function gpuTrapezoidJoules(
  a: readonly GpuReading[],
  b: readonly GpuReading[],
  seconds: number,
): number {
  let joules = 0;
  for (const gb of b) {
    const ga = a.find((g) => g.gpu_id === gb.gpu_id);
    if (!ga || ga.power_watts === null || gb.power_watts === null) continue;
    joules += ((ga.power_watts + gb.power_watts) / 2) * seconds;
  }
  return joules;
}
