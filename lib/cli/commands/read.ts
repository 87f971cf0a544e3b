/**
 * `carbon-ops read`: ask the governor for its energy totals, once or repeatedly.
 *
 * @module
 */

import type { TextSink } from "../../base/text_sink.ts";
import { numberOption, parseCommandArgs } from "../args.ts";
import { type Command, type CommandContext, writeJson } from "../command.ts";
import { GovernorClient, GovernorUnavailableError } from "../../energy/governor_client.ts";
import { encodeBody, type GovernorReading, type GovernorWorkloads } from "../../energy/wire.ts";
import { rfc3339 } from "../../base/clock.ts";
import { UsageError } from "../../base/errors.ts";

const USAGE =
  "carbon-ops read [--socket PATH] [--json] [--watch] [--interval-ms N] [--count N] [--timeout-ms N]\n" +
  "       carbon-ops read --workloads [--json] [--top N] [--socket PATH] [--timeout-ms N]";

const NAMED_BUCKETS = ["(idle)", "(system)", "(other)"];

/** Exact joules with 6 decimals from microjoules. */
function exactJoules(uj: bigint): string {
  return `${uj / 1_000_000n}.${(uj % 1_000_000n).toString().padStart(6, "0")}`;
}

/** Share of `part` in `whole` as a percentage with 2 decimals (exact integer arithmetic). */
function percent(part: bigint, whole: bigint): string {
  if (whole === 0n) return "-";
  const hundredths = (part * 10_000n + whole / 2n) / whole;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}%`;
}

/** The per-workload table: per domain the top `top` workloads by energy, named buckets always. */
function printWorkloads(out: TextSink, t: GovernorWorkloads, top: number): void {
  const lines = [
    `${rfc3339(t.timeMs)}  instance ${t.instance}  policy ${t.policy}  ${t.intervals} ` +
    `interval${t.intervals === 1 ? "" : "s"} attributed`,
  ];
  const domains = Object.entries(t.domains);
  if (domains.length === 0) lines.push("no interval attributed yet: ask again in a moment");
  for (const [name, d] of domains) {
    const rows = Object.entries(d.buckets);
    const named = rows.filter(([k]) => NAMED_BUCKETS.includes(k));
    const workloads = rows.filter(([k]) => !NAMED_BUCKETS.includes(k))
      .sort(([ka, a], [kb, b]) => (a === b ? (ka < kb ? -1 : 1) : a > b ? -1 : 1));
    const shown = workloads.slice(0, top);
    const rest = workloads.slice(top);
    const labelOf = (k: string) => {
      const who = t.workloads[k];
      const pod = who?.podUid ? `  pod ${who.podUid}${who.qos ? ` (${who.qos})` : ""}` : "";
      const ctr = who?.containerId ? `  container ${who.containerId.slice(0, 12)}` : "";
      return `${k}${pod}${ctr}`;
    };
    const table: [string, bigint][] = [
      ...shown.map(([k, v]): [string, bigint] => [labelOf(k), v]),
      ...named.map(([k, v]): [string, bigint] => [k, v]),
    ];
    if (rest.length > 0) {
      table.push([
        `(${rest.length} more workload${rest.length === 1 ? "" : "s"})`,
        rest.reduce((a, [, v]) => a + v, 0n),
      ]);
    }
    lines.push("", `${name}: host ${exactJoules(d.hostUj)} J`);
    lines.push(`${"energy J".padStart(20)}  ${"share".padStart(7)}  workload`);
    for (const [label, uj] of table) {
      lines.push(`${exactJoules(uj).padStart(20)}  ${percent(uj, d.hostUj).padStart(7)}  ${label}`);
    }
  }
  out.write(lines.join("\n") + "\n");
}

function joules(uj: bigint): string {
  const frac = (uj % 1_000_000n).toString().padStart(6, "0").slice(0, 3);
  return `${uj / 1_000_000n}.${frac} J`;
}

/**
 * The reading as on the socket (the wire module's encoding); with --watch each domain also gets
 * `power_w`, the average power since the previous reading (null when unknown).
 */
function readingJson(r: GovernorReading, powerW: Record<string, number> | null): unknown {
  const wire = encodeBody("read", r);
  if (powerW === null) return wire;
  const domains = Object.fromEntries(
    Object.entries(wire.domains).map(([n, d]) => [n, { ...d, power_w: powerW[n] ?? null }]),
  );
  return { ...wire, domains };
}

function printText(out: TextSink, r: GovernorReading, powerW: Record<string, number> | null) {
  const names = Object.keys(r.domains);
  const width = Math.max(6, ...names.map((n) => n.length)) + 2;
  const lines = [
    `${r.time}  source ${r.source}${
      r.source === "sim" ? " (SIMULATED)" : ""
    }  instance ${r.instance}`,
    ...(r.source === "instance" && r.model
      ? [
        `model ${r.model.name} for ${r.model.instanceId} (MODELLED)  match ${r.model.match}` +
        (r.model.flags.length > 0 ? `  flags ${r.model.flags.join(", ")}` : ""),
      ]
      : []),
    `${"domain".padEnd(width)}${"energy".padStart(18)}${
      powerW ? "   power W" : ""
    }  wraps resets ` +
    `errors coverage`,
  ];
  for (const n of names) {
    const d = r.domains[n];
    const flags = [d.stalled ? "STALLED" : "", d.discarded ? `${d.discarded} discarded` : ""]
      .filter(Boolean).join(", ");
    lines.push(
      `${n.padEnd(width)}${joules(d.totalUj).padStart(18)}` +
        (powerW ? `${(powerW[n] ?? 0).toFixed(2).padStart(10)}` : "") +
        `  ${String(d.wraps).padStart(5)} ${String(d.resets).padStart(6)} ` +
        `${String(d.readErrors).padStart(6)} ${(d.coverage * 100).toFixed(2).padStart(7)}%` +
        (flags ? `  ${flags}` : ""),
    );
  }
  lines.push(
    `${"host".padEnd(width)}${joules(r.hostTotalUj).padStart(18)}  (${
      r.hostTotalDomains.join(" + ") || "no domains"
    })`,
  );
  out.write(lines.join("\n") + "\n");
}

/**
 * The `read` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { readCommand } from "./read.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [readCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * const dir = await Deno.makeTempDir();
 * try {
 *   const code = await runCli(["read", "--socket", `${dir}/none.sock`, "--timeout-ms", "100"], options);
 *   assert.equal(code, 1);
 *   assert.match(stderr.text(), /no governor is running at/);
 * } finally {
 *   await Deno.remove(dir, { recursive: true });
 * }
 * ```
 */
export const readCommand: Command = {
  name: "read",
  summary: "Read energy totals from the governor's socket (once or --watch)",
  help: `Usage: ${USAGE}

Asks the governor (carbon-ops governor) for its exact energy totals over its Unix socket. Needs
membership of the socket's group (carbon-users by default), not root.

With --workloads, prints the governor's per-workload attribution instead: per RAPL domain, the
host energy attributed since the governor started attributing and each workload's (cgroup's)
part of it by CPU time, with the named buckets (idle), (system) and (other); the parts sum to
the host energy exactly. --json prints the socket's 'workloads' body: microjoules as decimal
strings (parse them with BigInt to check the sums).

Options:
  --socket PATH       governor socket (default: governor.socketPath, /run/carbon-ops.sock)
  --workloads         per-workload energy (op 'workloads'; needs a governor that attributes)
  --top N             --workloads table: the N workloads with most energy per domain (default
                      20; the rest are summed on one line)
  --json              print JSON (bigints as decimal strings, as on the socket)
  --watch             repeat every --interval-ms, with the average power since the last reading
  --interval-ms N     period of --watch (default 1000)
  --count N           stop --watch after N readings (default: until interrupted)
  --timeout-ms N      timeout per request (default 1000)

Exit codes: 0 ok, 1 governor unavailable (not running, no permission, wrong protocol),
2 usage error.

Examples:
  carbon-ops read
  carbon-ops read --workloads --top 10
  carbon-ops read --workloads --json
  carbon-ops read --json --socket /run/carbon-ops.sock
  carbon-ops read --watch --interval-ms 500 --count 10
`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, {
      options: {
        socket: { type: "string" },
        json: { type: "boolean" },
        watch: { type: "boolean" },
        "interval-ms": { type: "string" },
        count: { type: "string" },
        "timeout-ms": { type: "string" },
        workloads: { type: "boolean" },
        top: { type: "string" },
      },
      usage: USAGE,
    });
    if (values.workloads && (values.watch || values.count !== undefined)) {
      throw new UsageError("--workloads reads one snapshot: drop --watch and --count", {
        usage: USAGE,
      });
    }
    if (values.top !== undefined && !values.workloads) {
      throw new UsageError("--top goes with --workloads", { usage: USAGE });
    }
    const top = values.top === undefined
      ? 20
      : numberOption(values.top, "--top", { min: 1, integer: true });
    const intervalMs = values["interval-ms"] === undefined
      ? 1000
      : numberOption(values["interval-ms"], "--interval-ms", { min: 10, integer: true });
    const count = values.count === undefined
      ? (values.watch ? Infinity : 1)
      : numberOption(values.count, "--count", { min: 1, integer: true });
    const timeoutMs = values["timeout-ms"] === undefined
      ? 1000
      : numberOption(values["timeout-ms"], "--timeout-ms", { min: 1, integer: true });
    const config = await ctx.loadConfig({ governor: { socketPath: values.socket } });
    const client = new GovernorClient({ socketPath: config.governor.socketPath, timeoutMs });
    if (values.workloads) {
      try {
        const totals = await client.workloads();
        if (values.json) writeJson(ctx.stdout, encodeBody("workloads", totals));
        else printWorkloads(ctx.stdout, totals, top);
        return 0;
      } catch (e) {
        return unavailable(ctx, e);
      } finally {
        client.close();
      }
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    if (values.watch) Deno.addSignalListener("SIGINT", onSignal);
    let prev: GovernorReading | null = null;
    try {
      for (let i = 0; i < count && !stop.signal.aborted; i++) {
        if (i > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, intervalMs);
            stop.signal.addEventListener("abort", () => {
              clearTimeout(t);
              resolve();
            }, { once: true });
          });
          if (stop.signal.aborted) break;
        }
        const r = await client.read();
        let powerW: Record<string, number> | null = null;
        if (values.watch && prev && prev.instance === r.instance && r.monoNs > prev.monoNs) {
          const dtS = Number(r.monoNs - prev.monoNs) / 1e9;
          powerW = {};
          for (const [n, d] of Object.entries(r.domains)) {
            const before = prev.domains[n];
            if (before) powerW[n] = Number(d.totalUj - before.totalUj) / 1e6 / dtS;
          }
        } else if (values.watch && prev && prev.instance !== r.instance) {
          ctx.stderr.write(
            `carbon-ops read: governor restarted (instance ${prev.instance} -> ${r.instance}` +
              `${
                r.continues === prev.instance ? ", totals continued" : ", totals restarted at 0"
              })\n`,
          );
        }
        if (values.json) {
          // one JSON document per line when watching, pretty-printed for a single read
          if (values.watch) ctx.stdout.write(JSON.stringify(readingJson(r, powerW)) + "\n");
          else writeJson(ctx.stdout, readingJson(r, powerW));
        } else {
          printText(ctx.stdout, r, powerW);
        }
        prev = r;
      }
      return 0;
    } catch (e) {
      return unavailable(ctx, e);
    } finally {
      if (values.watch) Deno.removeSignalListener("SIGINT", onSignal);
      client.close();
    }
  },
};

/** Exit 1 with the client's message when the governor cannot be reached; anything else throws. */
function unavailable(ctx: CommandContext, e: unknown): number {
  if (!(e instanceof GovernorUnavailableError)) throw e;
  ctx.stderr.write(`carbon-ops read: ${e.message}\n`);
  return 1;
}
