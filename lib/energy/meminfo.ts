/**
 * Memory figures from `/proc/meminfo` (pure parsing).
 *
 * @module
 */

/**
 * Memory as the Python package reported it; GB here means 10^9 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MemoryMetrics } from "./meminfo.ts";
 * import { parseMeminfo } from "./meminfo.ts";
 * const m: MemoryMetrics = parseMeminfo("MemTotal: 2000000 kB\nMemAvailable: 500000 kB\n");
 * assert.equal(m.memory_percent, 75);
 * ```
 */
export interface MemoryMetrics {
  /** MemTotal - MemAvailable, in GB (1e9 bytes). */
  readonly "memory_used_gb": number;
  /** Used share of MemTotal in percent. */
  readonly "memory_percent": number;
  /** MemAvailable in GB (1e9 bytes). */
  readonly "memory_available_gb": number;
}

/**
 * Parses `/proc/meminfo` into used/available figures. `MemAvailable` is used when present
 * (kernel >= 3.14), else `MemFree + Buffers + Cached`.
 *
 * @throws {SyntaxError} when `MemTotal` is missing or zero.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMeminfo } from "./meminfo.ts";
 * const m = parseMeminfo("MemTotal: 4000000 kB\nMemFree: 1000000 kB\nMemAvailable: 3000000 kB\n");
 * assert.equal(m.memory_percent, 25);
 * ```
 */
export function parseMeminfo(text: string): MemoryMetrics {
  const kb = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get("MemTotal") ?? 0;
  if (total <= 0) throw new SyntaxError("no MemTotal in /proc/meminfo text");
  const available = kb.get("MemAvailable") ??
    (kb.get("MemFree") ?? 0) + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0);
  const availableKb = Math.min(total, available);
  const usedKb = total - availableKb;
  return {
    memory_used_gb: (usedKb * 1024) / 1e9,
    memory_percent: (100 * usedKb) / total,
    memory_available_gb: (availableKb * 1024) / 1e9,
  };
}
