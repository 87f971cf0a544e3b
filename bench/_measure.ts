/**
 * Small helpers the benchmark scripts share: a line to stdout, the median, the load average.
 *
 * @module
 */

/** Writes one line to stdout, unbuffered. */
export function print(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them. */
export async function loadAvg(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}
