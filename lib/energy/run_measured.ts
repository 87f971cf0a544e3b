/**
 * Runs a command and measures the host energy over its lifetime, attributed to the command: by a
 * transient cgroup v2 (as root, when the hierarchy is writable) or by the CPU time of this
 * process's descendants (the command's tree, including children it reaped). Signals received
 * are forwarded to the command; its exit status is returned, never turned into an exception.
 *
 * @module
 */

import { EnergyLogger, type EnergyLoggerOptions } from "./energy_logger.ts";
import type { MetricRecord } from "./metric_record.ts";
import { Telemetry } from "./telemetry.ts";
import { createTransientCgroup } from "./transient_cgroup.ts";

/**
 * Signals forwarded to the command by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FORWARDED_SIGNALS } from "./run_measured.ts";
 * assert.ok(FORWARDED_SIGNALS.includes("SIGINT"));
 * assert.ok(FORWARDED_SIGNALS.includes("SIGTERM"));
 * ```
 */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
];

/**
 * Options of {@link runMeasured}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunMeasuredOptions } from "./run_measured.ts";
 * import { runMeasured } from "./run_measured.ts";
 * const options: RunMeasuredOptions = {
 *   logger: { governor: null, powercap: null, gpu: null },
 *   useCgroup: false,
 *   operation: "build",
 * };
 * const r = await runMeasured("true", [], options);
 * assert.equal(r.record.operation, "build");
 * assert.equal(r.scope, "process-tree");
 * ```
 */
export interface RunMeasuredOptions {
  /** Logger options (sources, TDP, idle policy, clock...); `task` is set by `runMeasured`. */
  readonly logger?: Omit<EnergyLoggerOptions, "task" | "pid" | "cgroupDir" | "scope">;
  /** Try a transient cgroup when root (default true). */
  readonly useCgroup?: boolean;
  /** cgroup mount (default `/sys/fs/cgroup`; the v2 hierarchy or its `unified` directory). */
  readonly cgroupRoot?: string;
  /** Signals to forward (default {@link FORWARDED_SIGNALS}). */
  readonly forwardSignals?: readonly Deno.Signal[];
  /**
   * Whether SIGINT/SIGQUIT come from a terminal that already delivered them to the command (same
   * foreground process group): then they are caught but not sent again, so one Ctrl-C is not
   * delivered twice. Default: `Deno.stdin.isTerminal()`.
   */
  readonly interactive?: boolean;
  /** Environment of the command (default inherited). */
  readonly env?: Record<string, string>;
  /** Working directory of the command (default inherited). */
  readonly cwd?: string;
  /** Operation name in the record (default the command line). */
  readonly operation?: string;
  /** Called once the command has started, with its pid. */
  readonly onStart?: (pid: number) => void;
}

/**
 * What {@link runMeasured} returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RunMeasuredResult } from "./run_measured.ts";
 * import { runMeasured } from "./run_measured.ts";
 * const r: RunMeasuredResult = await runMeasured("sh", ["-c", "exit 3"], {
 *   logger: { governor: null, powercap: null, gpu: null },
 *   useCgroup: false,
 * });
 * assert.equal(r.exitCode, 3);
 * assert.equal(r.signal, null);
 * assert.equal(r.cgroupDir, null);
 * ```
 */
export interface RunMeasuredResult {
  /** Exit code of the command (128 + N when killed by signal N; 127 when not found). */
  readonly exitCode: number;
  /** Signal that ended the command, or null. */
  readonly signal: Deno.Signal | null;
  /** The span record (energy, telemetry, details). */
  readonly record: MetricRecord;
  /** How the command's CPU time was measured. */
  readonly scope: "cgroup" | "process-tree";
  /** The transient cgroup, when one was used. */
  readonly cgroupDir: string | null;
  /** Problems worth a line on stderr (cgroup left behind, command not found...). */
  readonly warnings: readonly string[];
}

/**
 * Runs `command` with `args` (stdio inherited) inside an energy span.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runMeasured } from "./run_measured.ts";
 * const r = await runMeasured("true", [], { logger: { governor: null, powercap: null, gpu: null } });
 * assert.equal(r.exitCode, 0);
 * assert.equal(r.record.energy.attribution_mode, "monitor_only");
 * assert.equal((await runMeasured("false", [], { logger: { governor: null, powercap: null, gpu: null } })).exitCode, 1);
 * ```
 */
export async function runMeasured(
  command: string,
  args: readonly string[],
  options: RunMeasuredOptions = {},
): Promise<RunMeasuredResult> {
  const warnings: string[] = [];
  const cg = options.useCgroup === false
    ? { reason: "cgroup disabled" }
    : createTransientCgroup({ cgroupRoot: options.cgroupRoot });
  const telemetry = new Telemetry({ procRoot: options.logger?.procRoot });
  const inCgroup = !("reason" in cg);
  const logger = new EnergyLogger({
    ...options.logger,
    task: inCgroup
      ? { scope: "cgroup", read: () => cg.cpuSeconds() }
      : { scope: "process-tree", read: () => telemetry.readDescendantsCpuSeconds(Deno.pid) },
  });
  const operation = options.operation ?? [command, ...args].join(" ");
  const span = logger.span(operation);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(inCgroup ? "/bin/sh" : command, {
      args: inCgroup
        ? ["-c", 'echo $$ > "$0/cgroup.procs" 2>/dev/null; exec "$@"', cg.dir, command, ...args]
        : [...args],
      env: options.env,
      cwd: options.cwd,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    const notFound = err instanceof Deno.errors.NotFound;
    warnings.push(
      notFound
        ? `${command}: command not found (check the name and PATH)`
        : `${command}: cannot start: ${(err as Error).message}`,
    );
    const record = await span.end({ command, args: [...args], exit_code: notFound ? 127 : 126 });
    await logger.close();
    if (inCgroup) cg.remove();
    return {
      exitCode: notFound ? 127 : 126,
      signal: null,
      record,
      scope: inCgroup ? "cgroup" : "process-tree",
      cgroupDir: inCgroup ? cg.dir : null,
      warnings,
    };
  }
  if (inCgroup && !cg.adopt(child.pid)) {
    // Already exited (too fast to move) is fine: the shell moved itself before exec.
    const usage = cg.cpuSeconds();
    if (usage === null) warnings.push(`could not place the command in cgroup ${cg.dir}`);
  }
  options.onStart?.(child.pid);
  const forward = new Map<Deno.Signal, () => void>();
  let interactive = options.interactive;
  if (interactive === undefined) {
    try {
      interactive = Deno.stdin.isTerminal();
    } catch {
      interactive = false;
    }
  }
  for (const sig of options.forwardSignals ?? FORWARDED_SIGNALS) {
    const fromTerminal = interactive && (sig === "SIGINT" || sig === "SIGQUIT");
    const handler = () => {
      if (fromTerminal) return; // the terminal sent it to the command's process group already
      try {
        child.kill(sig);
      } catch {
        // the command already exited
      }
    };
    try {
      Deno.addSignalListener(sig, handler);
      forward.set(sig, handler);
    } catch {
      // signal not supported here
    }
  }
  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    for (const [sig, handler] of forward) Deno.removeSignalListener(sig, handler);
  }
  const exitCode = status.code;
  const record = await span.end({
    command,
    args: [...args],
    exit_code: exitCode,
    ...(status.signal ? { signal: status.signal } : {}),
  });
  await logger.close();
  if (inCgroup) {
    const w = cg.remove();
    if (w) warnings.push(w);
  }
  return {
    exitCode,
    signal: status.signal,
    record,
    scope: inCgroup ? "cgroup" : "process-tree",
    cgroupDir: inCgroup ? cg.dir : null,
    warnings,
  };
}
