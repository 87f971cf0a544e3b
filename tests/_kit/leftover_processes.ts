/**
 * Fails the test task when the suite left a process of ours running: a process whose command line
 * names this checkout (its `main.ts`, a test or an example) or a test temp directory, and whose
 * parent is gone (it was orphaned and adopted by PID 1). `deno task test` runs it twice:
 *
 *   deno run -A tests/_kit/leftover_processes.ts before   # remember orphans that already exist
 *   deno test ...
 *   deno run -A tests/_kit/leftover_processes.ts after    # any new orphan of ours: exit 1
 *
 * An orphan is reported with its PID and command line so it can be traced to the test or example
 * that started it, and then killed (so one bad run does not fail the next).
 *
 * @module
 */

// deno-lint-ignore-file no-console
import { REPO_ROOT } from "./run_cli.ts";

const SNAPSHOT = `${Deno.env.get("TMPDIR") ?? "/tmp"}/carbon-ops-leftovers-${Deno.uid()}.json`;
const MARKERS = [REPO_ROOT, "carbon-ops-test-", "carbon-ops-cron-"];

/** One process of ours whose parent is gone. */
export interface Orphan {
  readonly pid: number;
  readonly cmdline: string;
}

/** Processes whose command line names this checkout or a test temp dir and whose parent is 1. */
export async function ourOrphans(): Promise<Orphan[]> {
  const found: Orphan[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (pid === Deno.pid) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const [state, ppid] = [fields[0], Number(fields[1])];
      if (ppid !== 1 || state === "Z") continue;
      const cmdline = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).replaceAll("\0", " ")
        .trim();
      if (MARKERS.some((m) => cmdline.includes(m))) found.push({ pid, cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

if (import.meta.main) {
  const mode = Deno.args[0];
  if (mode === "before") {
    await Deno.writeTextFile(SNAPSHOT, JSON.stringify((await ourOrphans()).map((o) => o.pid)));
  } else if (mode === "after") {
    const before = new Set<number>(
      JSON.parse(await Deno.readTextFile(SNAPSHOT).catch(() => "[]")) as number[],
    );
    const left = (await ourOrphans()).filter((o) => !before.has(o.pid));
    if (left.length > 0) {
      console.error(`leftover processes: the test run left ${left.length} process(es) running:`);
      for (const o of left) {
        console.error(`  pid ${o.pid}: ${o.cmdline}`);
        try {
          Deno.kill(o.pid, "SIGTERM");
        } catch { /* already gone */ }
      }
      console.error(
        "Each was stopped now. Find the test or example that started it and stop it there.",
      );
      Deno.exit(1);
    }
    console.error("leftover processes: none");
  } else {
    console.error("usage: leftover_processes.ts before|after");
    Deno.exit(2);
  }
}
