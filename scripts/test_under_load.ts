/**
 * Runs the whole test suite several times in a row while two CPU-bound processes run beside it,
 * to show that no test depends on a wall-clock window that load can stretch.
 *
 *   node_modules/.bin/deno task test:load [--runs N] [--workers N]
 *
 * The load is `stress-ng --cpu N` (Debian package `stress-ng`) when it is installed, otherwise N
 * busy-loop processes. Each run's summary line, duration and load average are printed; the exit
 * code is 1 when any run failed. The load is stopped on every exit path.
 *
 * @module
 */

// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "3" },
    workers: { type: "string", default: "2" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: deno task test:load [--runs N (default 3)] [--workers N (default 2)]");
  Deno.exit(0);
}
const runs = Number.parseInt(values.runs, 10);
const workers = Number.parseInt(values.workers, 10);
if (!(runs >= 1 && workers >= 0)) {
  console.error("test:load: --runs must be >= 1 and --workers >= 0 (decimal integers)");
  Deno.exit(2);
}

const repo = new URL("..", import.meta.url).pathname;
const deno = `${repo}node_modules/deno/deno`;

async function hasCommand(name: string): Promise<boolean> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
    .output().catch(() => null);
  return out?.success ?? false;
}

async function loadAverage(): Promise<string> {
  return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

const stressNg = workers > 0 && await hasCommand("stress-ng");
const loaders: Deno.ChildProcess[] = [];
if (workers > 0) {
  if (stressNg) {
    loaders.push(
      new Deno.Command("stress-ng", {
        args: ["--cpu", String(workers), "--quiet"],
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  } else {
    for (let i = 0; i < workers; i++) {
      loaders.push(
        new Deno.Command(deno, {
          args: ["eval", "for (;;) {}"],
          stdout: "null",
          stderr: "null",
        }).spawn(),
      );
    }
  }
}
const stopLoad = async () => {
  for (const c of loaders) {
    try {
      c.kill(stressNg ? "SIGTERM" : "SIGKILL");
    } catch { /* gone */ }
    await c.status;
  }
};
Deno.addSignalListener("SIGINT", () => {
  stopLoad().finally(() => Deno.exit(130));
});

console.log(
  `test:load: ${runs} run(s) of 'deno task test' beside ${
    workers === 0 ? "no load" : stressNg ? `stress-ng --cpu ${workers}` : `${workers} busy loops`
  }`,
);
let failed = 0;
try {
  for (let run = 1; run <= runs; run++) {
    const t0 = performance.now();
    const out = await new Deno.Command(deno, {
      args: ["task", "test"],
      cwd: repo,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const summary = text.split("\n").filter((l) => /^(ok|FAILED) \| \d+ passed/.test(l)).at(-1) ??
      "(no summary line)";
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(
      `run ${run}: exit ${out.code}, ${summary}, ${seconds} s, load average ${await loadAverage()}`,
    );
    if (!out.success) {
      failed++;
      const failures = text.split("\n").filter((l) => / FAILED/.test(l) && l.includes("=>"));
      for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
    }
  }
} finally {
  await stopLoad();
}
Deno.exit(failed > 0 ? 1 : 0);
