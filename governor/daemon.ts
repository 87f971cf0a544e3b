/**
 * The governor daemon: wires an energy source, the accumulator, the scheduler, the socket server,
 * the optional metrics endpoint and per-workload attribution (a cgroup scan and the conserving
 * attributor every `governor.attributionIntervalMs`, run on its own timer right after a tick, so
 * never inside one; off, with the reason, when there is no cgroup hierarchy), prints what is in
 * effect, runs until stopped (SIGTERM or SIGINT, or an abort signal), reloads limits on SIGHUP,
 * and returns an exit code. Every way out after the socket is bound (a signal, a fatal error, an
 * uncaught exception or rejection anywhere in the process while it runs) goes through the same
 * clean-up, which removes the socket.
 *
 * @module
 */

import type { TextSink } from "../lib/base/text_sink.ts";
import { type Clock, systemClock } from "../lib/base/clock.ts";
import type { Config } from "../lib/config/schema.ts";
import { ConfigError } from "../lib/base/errors.ts";
import { Accumulator } from "../lib/energy/rapl/accumulator.ts";
import type {
  GovernorEnergySource,
  InstanceEnergySource,
} from "../lib/energy/rapl/instance_source.ts";
import { EnergySourceError } from "../lib/energy/rapl/errors.ts";
import { metricFamilies, type MetricsServer, serveMetrics } from "./metrics.ts";
import { assessHealth, handleRequestLine, type ProtocolContext } from "./protocol.ts";
import { Scheduler } from "./scheduler.ts";
import { GovernorServer, NO_CLIENT_COUNTS } from "./server.ts";
import { loadState, saveState } from "../lib/energy/rapl/state_file.ts";
import { startupLines } from "./startup_lines.ts";
import { resolveGroupId } from "./unix_group.ts";
import { WorkloadAttributor } from "../lib/energy/workloads/attributor.ts";
import { CgroupScanner, DEFAULT_CGROUP_INCLUDE } from "../lib/energy/workloads/cgroup_scan.ts";
import type { CgroupScan } from "../lib/energy/workloads/workload.ts";
import { WorkloadAttribution } from "./workload_attribution.ts";
import type { WorkloadsView } from "./protocol.ts";

/**
 * Options of {@link runGovernor}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { GovernorDaemonOptions } from "./daemon.ts";
 * import { runGovernor } from "./daemon.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * // A source that cannot open: the daemon reports it and exits 1.
 * const options: GovernorDaemonOptions = {
 *   config: await loadConfig({ flags: { governor: { raplMode: "sim" } } }),
 *   openSource: () => {
 *     throw new Error("no energy source here");
 *   },
 *   log: { write: () => {} },
 *   handleSignals: false,
 * };
 * assert.equal(await runGovernor(options), 1);
 * ```
 */
export interface GovernorDaemonOptions {
  /** Effective configuration (required). */
  readonly config: Config;
  /**
   * Opens the energy source for `config` (required; `openEnergySource` of lib/energy/rapl/ in
   * production), with optional start-up lines describing it (else the daemon describes it).
   */
  readonly openSource: (config: Config, clock: Clock) => OpenedSource | Promise<OpenedSource>;
  /** Where start-up lines and warnings go (required). */
  readonly log: TextSink;
  /** Re-reads the configuration on SIGHUP (default: SIGHUP only logs that reload is off). */
  readonly reloadConfig?: () => Promise<Config>;
  /** Time source (default the system clock). */
  readonly clock?: Clock;
  /** Instance id generator (default `crypto.randomUUID`). */
  readonly randomUUID?: () => string;
  /** Stops the daemon when aborted (default: only signals stop it). */
  readonly signal?: AbortSignal;
  /** Install SIGTERM/SIGINT/SIGHUP listeners (default true). */
  readonly handleSignals?: boolean;
  /**
   * Treat an uncaught exception or unhandled rejection anywhere in the process as fatal: log it,
   * stop cleanly (removing the socket) and return 1, instead of letting the runtime exit with the
   * socket left behind (default: the value of `handleSignals`, i.e. on when running as a process).
   */
  readonly handleUncaught?: boolean;
  /** `/etc/group` path for the socket group (default `/etc/group`). */
  readonly groupFile?: string;
  /** How often totals are persisted when `statePath` is set (default 10000 ms). */
  readonly persistEveryMs?: number;
  /**
   * Called once the socket accepts connections (tests, benchmarks). A throw or a rejected
   * promise from it is a fatal error: the daemon stops, removes its socket and returns 1.
   */
  readonly onReady?: (
    info: { socketPath: string; metricsPort: number | null },
  ) => void | Promise<void>;
  /**
   * Opens the cgroup scanner for per-workload attribution, returning the function that scans
   * now and the start-up line that says what it reads (default: `scanCgroups` of
   * lib/energy/workloads/ under `governor.cgroupRoot`, with `energy.procRoot`'s `stat`). Called
   * only when `governor.attributionIntervalMs` is not 0; a throw turns attribution off with the
   * throw's message as the reason (a missing cgroup root), and the rest of the daemon runs.
   */
  readonly openWorkloadScan?: (config: Config, clock: Clock) => Promise<OpenedWorkloadScan>;
}

/**
 * An opened cgroup scanner and the line that describes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenedWorkloadScan } from "./daemon.ts";
 * const opened: OpenedWorkloadScan = {
 *   scan: () => ({ monoNs: 0n, cgroups: [], hostBusyUsec: 0n, hostTotalUsec: 0n, skipped: [] }),
 *   description: "/sys/fs/cgroup (cgroup v2)",
 * };
 * assert.equal((await opened.scan()).cgroups.length, 0);
 * ```
 */
export interface OpenedWorkloadScan {
  /** Reads every tracked cgroup's CPU time and the host's, now. */
  readonly scan: () => CgroupScan | Promise<CgroupScan>;
  /** What is scanned, for the start-up line (root, cgroup version, patterns). */
  readonly description: string;
}

/**
 * An opened source and the lines that describe it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenedSource } from "./daemon.ts";
 * import { constantPower, createSimSource } from "../lib/energy/rapl/mod.ts";
 * import { systemClock } from "../lib/base/clock.ts";
 * const opened: OpenedSource = {
 *   source: createSimSource({ clock: systemClock, profile: constantPower(10) }),
 *   lines: ["energy source: SIMULATED"],
 * };
 * assert.equal(opened.source.domains[0].name, "package-0");
 * opened.source.close();
 * ```
 */
export interface OpenedSource {
  /** The source to poll. */
  readonly source: GovernorEnergySource;
  /** Start-up lines (no newlines) saying which source, zones and permissions are in effect. */
  readonly lines?: readonly string[];
}

function parseMode(mode: string): number {
  const m = parseInt(mode, 8);
  if (!/^0?[0-7]{3}$/.test(mode) || (m & 0o007) !== 0) {
    throw new ConfigError(`socketMode '${mode}' must be octal with no permissions for others`, {
      source: "config",
      key: "governor.socketMode",
    });
  }
  return m;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function closeQuietly(source: GovernorEnergySource, log: TextSink): void {
  try {
    source.close();
  } catch (e) {
    log.write(`carbon-ops governor: warning: cannot close the energy source: ${message(e)}\n`);
  }
}

/**
 * The exit code of a governor that found no RAPL on this machine (no powercap zones, no usable
 * MSRs: a VM or cloud guest, or a CPU without RAPL) with `governor.whenNoRapl` `"exit"`. It means
 * "do not restart": nothing changes by retrying, so the systemd unit lists it in
 * `RestartPreventExitStatus`. (A permission or I/O failure stays exit 1: it may be fixed.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXIT_NO_RAPL, runGovernor } from "./daemon.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * import { EnergySourceError } from "../lib/energy/rapl/errors.ts";
 * const lines: string[] = [];
 * const code = await runGovernor({
 *   config: await loadConfig({ env: { CARBON_OPS_CONFIG: "" } }),
 *   openSource: () => {
 *     throw new EnergySourceError("no powercap zones under /x", { backend: "any", reason: "not-found" });
 *   },
 *   log: { write: (text) => void lines.push(text) },
 *   handleSignals: false,
 * });
 * assert.equal(code, EXIT_NO_RAPL);
 * assert.equal(EXIT_NO_RAPL, 3);
 * assert.equal(lines.length, 1);
 * assert.match(lines[0], /^carbon-ops governor: no RAPL on this machine: /);
 * ```
 */
export const EXIT_NO_RAPL = 3;

/** Whether opening the source failed because this machine has no RAPL (not a fixable fault). */
function isNoRapl(e: unknown): e is EnergySourceError {
  return e instanceof EnergySourceError && (e.reason === "not-found" || e.reason === "unsupported");
}

/** The one line that says why there is nothing to measure here and what to do instead. */
function noRaplLine(e: EnergySourceError, whenNoRapl: "exit" | "wait"): string {
  // the source's message may span lines (one per backend tried): one line here, for logs
  const what = e.message.split("\n").map((l) => l.trim()).filter((l) => l !== "")
    .reduce(
      (line, part) => line === "" ? part : `${line}${line.endsWith(":") ? " " : "; "}${part}`,
      "",
    )
    .replace(/\.+$/, "");
  const then = whenNoRapl === "wait"
    ? "waiting without serving anything until stopped (--when-no-rapl wait: no socket, no " +
      "metrics, so a Kubernetes pod stays NotReady instead of restarting)"
    : `exiting with code ${EXIT_NO_RAPL} (no RAPL on this machine: do not restart)`;
  return `carbon-ops governor: no RAPL on this machine: ${what}. This looks like a virtual ` +
    "machine or cloud guest (guests get no RAPL) or a CPU without RAPL: nothing here can be " +
    "measured. Run jobs with `carbon-ops run`, whose energy is modelled from CPU time and " +
    'labelled source "model", or schedule the governor only on hosts with RAPL (Kubernetes: ' +
    `the node label carbon-ops.dev/rapl=true, docs/kubernetes.md); ${then}\n`;
}

/**
 * No RAPL here: say so once, then exit 3 (`whenNoRapl` `"exit"`) or wait, serving nothing, until
 * SIGTERM, SIGINT or the abort signal and return 0 (`"wait"`). Waiting holds no timer: the
 * signal listeners keep the process alive and nothing runs until one fires.
 */
async function withoutRapl(options: GovernorDaemonOptions, e: EnergySourceError): Promise<number> {
  const whenNoRapl = options.config.governor.whenNoRapl;
  if (whenNoRapl === "exit") {
    options.log.write(noRaplLine(e, whenNoRapl));
    return EXIT_NO_RAPL;
  }
  const stop = new AbortController();
  const onStop = () => stop.abort();
  options.signal?.addEventListener("abort", onStop, { once: true });
  if (options.signal?.aborted) stop.abort();
  // SIGHUP is taken too, so a reload request does not kill a waiting governor (nothing to reload).
  const signals: [Deno.Signal, () => void][] = (options.handleSignals ?? true)
    ? [["SIGTERM", onStop], ["SIGINT", onStop], ["SIGHUP", () => {}]]
    : [];
  for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  // Said only once the listeners are in place: whoever reads the line may stop us at once.
  options.log.write(noRaplLine(e, whenNoRapl));
  try {
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
    options.signal?.removeEventListener("abort", onStop);
  }
  options.log.write("carbon-ops governor: stopped; nothing was served\n");
  return 0;
}

/**
 * Runs the governor until stopped. Returns 0 after a clean stop, 1 after a fatal start-up error
 * (message in `log`), 2 for an invalid source option, {@link EXIT_NO_RAPL} (3) when this machine
 * has no RAPL (no powercap zones, no usable MSRs) and `governor.whenNoRapl` is `"exit"`; with
 * `"wait"` it logs the same one line, serves nothing (no socket, no metrics) and returns 0 when
 * stopped. Throws `ConfigError` for a configuration that cannot run (msr not allowed, bad
 * simulated profile).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runGovernor } from "./daemon.ts";
 * import { openConfiguredSource } from "./command.ts";
 * import { loadConfig } from "../lib/config/load.ts";
 * // A simulated governor on a socket in a temporary directory, asked for its health once.
 * const dir = await Deno.makeTempDir();
 * const config = await loadConfig({
 *   flags: { governor: { raplMode: "sim", socketPath: `${dir}/g.sock`, socketGroup: "0" } },
 * });
 * const log: string[] = [];
 * const stop = new AbortController();
 * let reply = "";
 * const code = await runGovernor({
 *   config,
 *   openSource: openConfiguredSource,
 *   log: { write: (text) => void log.push(text) },
 *   signal: stop.signal,
 *   handleSignals: false,
 *   onReady: async ({ socketPath }) => {
 *     const conn = await Deno.connect({ transport: "unix", path: socketPath });
 *     await conn.write(new TextEncoder().encode('{"v":1,"op":"health"}\n'));
 *     const buf = new Uint8Array(4096);
 *     reply = new TextDecoder().decode(buf.subarray(0, (await conn.read(buf)) ?? 0));
 *     conn.close();
 *     stop.abort();
 *   },
 * });
 * assert.equal(code, 0);
 * assert.equal(JSON.parse(reply).source, "sim");
 * assert.match(log.join(""), /carbon-ops governor: stopped after \d+ ticks/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runGovernor(options: GovernorDaemonOptions): Promise<number> {
  const { log } = options;
  let config = options.config;
  const g = config.governor;
  const clock = options.clock ?? systemClock;
  if (g.raplMode === "msr" && !g.allowMsr) {
    throw new ConfigError(
      "raplMode msr needs allowMsr: true in the config file (raw MSR access is a security " +
        "switch); prefer the powercap sysfs source",
      { source: "config", key: "governor.allowMsr" },
    );
  }
  const mode = parseMode(g.socketMode);
  // The source opens first: a machine without RAPL is told so (and, with whenNoRapl "wait",
  // waits) before anything else it may lack, such as the socket's group, can fail the start.
  let source: GovernorEnergySource;
  let sourceLines: readonly string[] | undefined;
  try {
    const opened = await options.openSource(config, clock);
    source = opened.source;
    sourceLines = opened.lines;
  } catch (e) {
    if (e instanceof ConfigError) throw e; // e.g. a bad sim profile: exit 2 via the CLI
    if (g.raplMode !== "sim" && g.raplMode !== "instance" && isNoRapl(e)) {
      return await withoutRapl(options, e);
    }
    log.write(`carbon-ops governor: cannot open the ${g.raplMode} energy source: ${message(e)}\n`);
    // a bad option (e.g. --msr-cpus naming no package) is a usage error, the rest a failure
    return (e as { reason?: string }).reason === "invalid-option" ? 2 : 1;
  }
  let gid: number;
  try {
    gid = await resolveGroupId(g.socketGroup, { groupFile: options.groupFile });
  } catch (e) {
    log.write(`carbon-ops governor: cannot start: ${message(e)}\n`);
    closeQuietly(source, log);
    return 1;
  }
  const startNs = clock.monoNs();
  const instance = (options.randomUUID ?? (() => crypto.randomUUID()))();
  let restored = null;
  if (g.statePath !== null) {
    const loaded = await loadState(g.statePath, clock.nowMs());
    if (loaded.warning) log.write(`carbon-ops governor: warning: ${loaded.warning}\n`);
    restored = loaded.state;
  }
  const modelled: InstanceEnergySource | null = source.kind === "instance" ? source : null;
  const acc = new Accumulator(source.domains, {
    instance,
    source: source.kind,
    ...(modelled === null ? {} : { model: () => modelled.details() }),
    startMonoNs: startNs,
    maxPowerWatts: g.maxPowerWatts,
    restored,
  });
  let workloads: Awaited<ReturnType<typeof openAttribution>>;
  try {
    workloads = await openAttribution(options, config, clock, instance);
  } catch (e) {
    closeQuietly(source, log);
    throw e;
  }
  const attribution = workloads.attribution;
  const attributionNs = BigInt(g.attributionIntervalMs) * 1_000_000n;
  let lastAttributionNs: bigint | null = null;
  let attributionTimer: ReturnType<typeof setTimeout> | undefined;
  let attributing: Promise<void> | null = null;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let server: GovernorServer | null = null;
  // Signals are handled from here on, so a SIGTERM during start-up still cleans up.
  const signals: [Deno.Signal, () => void][] = [];
  if (options.handleSignals ?? true) {
    const onHup = () =>
      void reload(options, { acc, server, current: () => config, log }).then((next) => {
        if (next) config = next;
      });
    signals.push(["SIGTERM", onAbort], ["SIGINT", onAbort], ["SIGHUP", onHup]);
    for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  }
  let lastSaveNs = startNs;
  let saving: Promise<void> | null = null;
  const persistNs = BigInt((options.persistEveryMs ?? 10_000) * 1e6);
  const persist = () => {
    if (g.statePath === null || saving) return;
    const path = g.statePath;
    saving = saveState(path, acc.toState(clock.nowMs()))
      .catch((e) => log.write(`carbon-ops governor: warning: cannot save state: ${message(e)}\n`))
      .finally(() => saving = null);
  };
  const scheduler = new Scheduler(clock, (t) => {
    let samples;
    try {
      samples = source.read();
    } catch (e) {
      samples = source.domains.map((d) => ({ name: d.name, error: message(e) }));
    }
    acc.apply(samples, { monoNs: t.monoNs, timeMs: clock.nowMs() });
    if (t.monoNs - lastSaveNs >= persistNs) {
      lastSaveNs = t.monoNs;
      persist();
    }
    // Attribution is due: the totals of this tick now, the scan right after the tick (its own
    // timer), so neither this tick's duration nor the next deadline waits for the cgroup reads.
    if (
      attribution !== null && attributionTimer === undefined && attributing === null &&
      (lastAttributionNs === null || t.monoNs - lastAttributionNs >= attributionNs)
    ) {
      lastAttributionNs = t.monoNs;
      const energy = energyTotals(acc);
      attributionTimer = setTimeout(() => {
        attributionTimer = undefined;
        attributing = attribution.step(energy).finally(() => attributing = null);
      }, 0);
    }
  }, { intervalMs: g.intervalMs });
  // The first fatal error, if any: the daemon then stops as for a signal and returns 1.
  let fatal: string | null = null;
  const fail = (what: string, e: unknown) => {
    if (fatal !== null) return;
    fatal = `${what}: ${message(e)}`;
    log.write(`carbon-ops governor: fatal: ${fatal}; stopping and removing the socket\n`);
    stop.abort();
  };
  const uncaught: [string, (event: Event) => void][] = [];
  if (options.handleUncaught ?? options.handleSignals ?? true) {
    uncaught.push(["unhandledrejection", (event: Event) => {
      event.preventDefault();
      fail("unhandled rejection", (event as PromiseRejectionEvent).reason);
    }], ["error", (event: Event) => {
      event.preventDefault();
      fail("uncaught exception", (event as ErrorEvent).error ?? (event as ErrorEvent).message);
    }]);
    for (const [type, fn] of uncaught) globalThis.addEventListener(type, fn);
  }
  const running = scheduler.run(stop.signal).catch((e) => fail("sampling stopped", e));
  const ctx: ProtocolContext = {
    snapshot: () => acc.snapshot(),
    domains: source.domains,
    scheduler: () => scheduler.stats(),
    server: () => server?.counters() ?? NO_CLIENT_COUNTS,
    process: () => ({
      rssBytes: Deno.memoryUsage().rss,
      uptimeS: Number(clock.monoNs() - startNs) / 1e9,
    }),
    nowMonoNs: () => clock.monoNs(),
    workloads: () => workloads.view,
  };
  let metrics: MetricsServer | null = null;
  const cleanup = async (save: boolean) => {
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
    stop.abort();
    await running;
    clearTimeout(attributionTimer);
    await attributing;
    // The socket goes first and whatever else fails: it is what a next start trips over.
    await server?.close().catch((e) =>
      log.write(`carbon-ops governor: warning: cannot remove the socket: ${message(e)}\n`)
    );
    await metrics?.close().catch(() => {});
    await saving;
    if (save && g.statePath !== null) {
      await saveState(g.statePath, acc.toState(clock.nowMs())).catch((e) =>
        log.write(`carbon-ops governor: warning: cannot save state: ${message(e)}\n`)
      );
    }
    closeQuietly(source, log);
    options.signal?.removeEventListener("abort", onAbort);
    for (const [type, fn] of uncaught) globalThis.removeEventListener(type, fn);
  };
  const serverLog = (line: string) => log.write(`carbon-ops governor: ${line}\n`);
  try {
    server = await GovernorServer.start((line) => handleRequestLine(line, ctx), {
      socketPath: g.socketPath,
      mode,
      gid,
      maxClients: g.maxClients,
      maxLineBytes: g.maxLineBytes,
      idleTimeoutMs: g.idleTimeoutMs,
      requestTimeoutMs: g.requestTimeoutMs,
      log: serverLog,
    });
    if (g.metricsListen !== null) {
      metrics = serveMetrics(g.metricsListen, () =>
        metricFamilies({
          snapshot: acc.snapshot(),
          health: assessHealth(acc.snapshot(), scheduler.stats(), clock.monoNs()),
          scheduler: scheduler.stats(),
          workloads: attribution?.totals() ?? null,
        }), {
        maxConnections: g.metricsMaxConnections,
        headerTimeoutMs: g.metricsHeaderTimeoutMs,
        log: serverLog,
      });
    }
  } catch (e) {
    log.write(`carbon-ops governor: cannot start: ${message(e)}\n`);
    await cleanup(false); // never write the state file of a governor that did not start
    return 1;
  }
  try {
    log.write(
      startupLines(config, source, {
        instance,
        gid,
        restored,
        server,
        metrics,
        sourceLines,
        nowMs: clock.nowMs(),
        workloads: workloads.line,
      }),
    );
    const info = { socketPath: g.socketPath, metricsPort: metrics?.addr.port ?? null };
    Promise.resolve(options.onReady?.(info)).catch((e) => fail("onReady failed", e));
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } catch (e) {
    fail("start-up failed", e);
  }
  log.write("carbon-ops governor: stopping\n");
  await cleanup(true);
  const snap = acc.snapshot();
  log.write(
    `carbon-ops governor: stopped after ${scheduler.stats().ticks} ticks; host total ` +
      `${snap.hostTotalUj} uJ; socket ${g.socketPath} removed\n`,
  );
  return fatal === null ? 0 : 1;
}

/** The accumulator's cumulative energy per domain, now: what attribution splits the deltas of. */
function energyTotals(acc: Accumulator) {
  const s = acc.snapshot();
  const domains: Record<string, bigint> = {};
  for (const [name, d] of Object.entries(s.domains)) domains[name] = d.totalUj;
  return { monoNs: s.monoNs, timeMs: Math.round(s.timeMs), domains };
}

/**
 * The production cgroup scanner: `governor.cgroupRoot` (v2, or v1 cpuacct on hybrid hosts),
 * `energy.procRoot`/stat, the configured patterns. Throws (attribution off) when there is no
 * cgroup hierarchy there; a pattern that does not parse is a configuration error.
 */
function openCgroupScan(config: Config, clock: Clock): Promise<OpenedWorkloadScan> {
  const g = config.governor;
  let scanner: CgroupScanner;
  try {
    scanner = new CgroupScanner({
      root: g.cgroupRoot,
      procStatPath: `${config.energy.procRoot}/stat`,
      include: g.workloadInclude ?? undefined,
      exclude: g.workloadExclude ?? undefined,
      clock,
    });
  } catch (e) {
    if (e instanceof SyntaxError) {
      throw new ConfigError(`a workload pattern does not parse: ${e.message}`, {
        source: "config",
        key: "governor.workloadInclude",
        cause: e,
      });
    }
    return Promise.reject(e);
  }
  const h = scanner.hierarchy;
  const include = g.workloadInclude === null
    ? `the ${DEFAULT_CGROUP_INCLUDE.length} default include patterns (systemd slices and ` +
      "services, Docker, Kubernetes pods and containers)"
    : `include ${g.workloadInclude.join(" ")}`;
  const exclude = g.workloadExclude === null || g.workloadExclude.length === 0
    ? "no exclude"
    : `exclude ${g.workloadExclude.join(" ")}`;
  return Promise.resolve({
    scan: () => scanner.scan(),
    description: `cgroup ${h.version} at ${h.dir} (${h.usageFile}), ${include}, ${exclude}`,
  });
}

/**
 * Sets up per-workload attribution: on with its start-up line, or off with the one line that
 * says why (the rest of the daemon runs either way).
 */
async function openAttribution(
  options: GovernorDaemonOptions,
  config: Config,
  clock: Clock,
  instance: string,
): Promise<{ attribution: WorkloadAttribution | null; view: WorkloadsView; line: string }> {
  const g = config.governor;
  const off = (reason: string) => ({
    attribution: null,
    view: { on: false as const, reason },
    line: `workloads: off (${reason})`,
  });
  if (g.attributionIntervalMs === 0) return off("governor.attributionIntervalMs is 0");
  let opened: OpenedWorkloadScan;
  try {
    opened = await (options.openWorkloadScan ?? openCgroupScan)(config, clock);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    return off(message(e));
  }
  const attribution = new WorkloadAttribution({
    attributor: new WorkloadAttributor({
      policy: g.workloadPolicy,
      maxWorkloads: g.maxWorkloads,
      instance,
    }),
    scan: opened.scan,
    intervalMs: g.attributionIntervalMs,
    log: (line) => options.log.write(`carbon-ops governor: ${line}\n`),
  });
  return {
    attribution,
    view: { on: true, totals: () => attribution.totals(), stats: () => attribution.stats() },
    line: `workloads: every ${g.attributionIntervalMs} ms, ${opened.description}, policy ` +
      `${g.workloadPolicy}, at most ${g.maxWorkloads} workloads (more go to (other))`,
  };
}

/** Re-reads the config and applies what can change at run time; returns the new config. */
async function reload(
  options: GovernorDaemonOptions,
  live: {
    acc: Accumulator;
    server: GovernorServer | null;
    current: () => Config;
    log: TextSink;
  },
): Promise<Config | null> {
  const { log } = live;
  if (!options.reloadConfig) {
    log.write("carbon-ops governor: SIGHUP ignored: no config file to reload\n");
    return null;
  }
  try {
    const next = await options.reloadConfig();
    const n = next.governor;
    const mode = parseMode(n.socketMode);
    const gid = await resolveGroupId(n.socketGroup, { groupFile: options.groupFile });
    live.acc.reconfigure({ maxPowerWatts: n.maxPowerWatts });
    await live.server?.reconfigure({
      maxClients: n.maxClients,
      maxLineBytes: n.maxLineBytes,
      idleTimeoutMs: n.idleTimeoutMs,
      requestTimeoutMs: n.requestTimeoutMs,
      mode,
      gid,
    });
    const old = live.current().governor;
    const fixed = ([
      "raplMode",
      "intervalMs",
      "socketPath",
      "metricsListen",
      "metricsMaxConnections",
      "metricsHeaderTimeoutMs",
      "statePath",
      "powercapRoot",
      "msrCpus",
      "allowMsr",
      "cgroupRoot",
      "attributionIntervalMs",
      "workloadPolicy",
      "maxWorkloads",
      "workloadInclude",
      "workloadExclude",
    ] as const).filter((k) => JSON.stringify(n[k]) !== JSON.stringify(old[k]));
    log.write(
      `carbon-ops governor: config reloaded (maxPowerWatts ${n.maxPowerWatts}, ` +
        `maxClients ${n.maxClients}, maxLineBytes ${n.maxLineBytes}, idleTimeoutMs ` +
        `${n.idleTimeoutMs}, requestTimeoutMs ${n.requestTimeoutMs}, socket mode ${n.socketMode} group ${n.socketGroup})` +
        (fixed.length ? `; restart to apply: ${fixed.join(", ")}` : "") + "\n",
    );
    return next;
  } catch (e) {
    log.write(`carbon-ops governor: config reload failed, keeping the old one: ${message(e)}\n`);
    return null;
  }
}
