/** The real governor daemon run in-process, on a simulated constant-power source or any other. */
import assert from "node:assert/strict";
import { type GovernorDaemonOptions, runGovernor } from "../../governor/daemon.ts";
import { constantPower } from "../../lib/energy/rapl/power_profile.ts";
import { createSimSource } from "../../lib/energy/rapl/sim.ts";
import { systemClock } from "../../lib/base/clock.ts";
import { loadConfig } from "../../lib/config/load.ts";
import type { Config } from "../../lib/config/schema.ts";

/** Handle on an in-process governor. */
export interface SimGovernor {
  /** Aborts the daemon and asserts that it exited with 0. */
  stop(): Promise<void>;
}

/**
 * Starts the governor daemon in-process on `socketPath` (group `daemon`, 20 ms interval) reading
 * the source `openSource` opens, with `raplMode` set when given (default: the config default),
 * and resolves once it is ready to serve.
 */
export async function startInProcessGovernor(
  socketPath: string,
  openSource: GovernorDaemonOptions["openSource"],
  raplMode?: Config["governor"]["raplMode"],
): Promise<SimGovernor> {
  const config = await loadConfig({
    env: { CARBON_OPS_CONFIG: "" },
    flags: {
      governor: {
        socketPath,
        socketGroup: "daemon",
        intervalMs: 20,
        ...(raplMode === undefined ? {} : { raplMode }),
      },
    },
  });
  const stop = new AbortController();
  let ready: () => void = () => {};
  const isReady = new Promise<void>((r) => ready = r);
  const done = runGovernor({
    config,
    openSource,
    log: { write: () => {} },
    handleSignals: false,
    signal: stop.signal,
    clock: systemClock,
    onReady: () => ready(),
  });
  assert.equal(await Promise.race([isReady.then(() => null), done]), null);
  return { stop: async () => (stop.abort(), assert.equal(await done, 0)) };
}

/**
 * Starts the governor daemon in-process on `socketPath` (group `daemon`, 20 ms interval) with a
 * simulated source drawing a constant `watts`, and resolves once it is ready to serve.
 */
export function startSimGovernor(socketPath: string, watts: number): Promise<SimGovernor> {
  return startInProcessGovernor(
    socketPath,
    (_c, clock) => ({ source: createSimSource({ clock, profile: constantPower(watts) }) }),
    "sim",
  );
}
