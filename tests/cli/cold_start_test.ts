/**
 * Cold start (issue 18, item 4): what a command evaluates is the static import closure of the
 * modules it runs (dynamic imports load when they run). These tests read that closure from
 * `deno info --json` and pin what each hot path must not carry: `--version` only the version,
 * `ledger append` no config, carbon, report or npm code, `estimate` no ledger or cloud catalog and,
 * without a config file or intensity file, no JSONC parser (npm: Node compatibility start-up), and
 * the ledger's read-only commands (totals, export, report) no `node:` module.
 * They rely on deno.json's `"unstable": ["lazy-dynamic-imports"]`: without it `deno run` reads
 * and compiles every statically analysable dynamic import before the program starts.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_kit/run_cli.ts";

interface InfoJson {
  readonly roots: readonly string[];
  readonly redirects?: Readonly<Record<string, string>>;
  readonly modules: readonly {
    readonly specifier: string;
    readonly dependencies?: readonly {
      readonly code?: { readonly specifier?: string };
      readonly isDynamic?: boolean;
    }[];
  }[];
}

/** Modules (paths relative to the repository, or `node:`/npm specifiers) statically reached. */
async function staticClosure(...roots: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const root of roots) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", root],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as InfoJson;
    const byName = new Map(info.modules.map((m) => [m.specifier, m]));
    const stack = [info.roots[0]];
    while (stack.length > 0) {
      const s0 = stack.pop()!;
      const s = info.redirects?.[s0] ?? s0;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const d of byName.get(s)?.dependencies ?? []) {
        if (!d.isDynamic && d.code?.specifier) stack.push(d.code.specifier);
      }
    }
  }
  return new Set([...seen].map((s) => s.replace(`file://${REPO_ROOT}`, "")));
}

function none(modules: Set<string>, prefixes: readonly string[], what: string): void {
  const found = [...modules].filter((m) => prefixes.some((p) => m.startsWith(p) || m.includes(p)));
  assert.deepEqual(found, [], `${what} loads modules it does not need`);
}

Deno.test("cold start: --version loads only main.ts, the command names, the sinks and the version", async () => {
  const m = await staticClosure("main.ts");
  none(
    m,
    ["lib/config/", "lib/ledger/", "lib/carbon/", "lib/cli/run_cli.ts", "node:", "npm"],
    "--version",
  );
  assert.ok(m.size <= 8, `--version loads ${m.size} modules: ${[...m].join(", ")}`);
});

Deno.test("cold start: ledger append loads no config, carbon, report or npm code", async () => {
  const m = await staticClosure(
    "main.ts",
    "lib/cli/run_cli.ts",
    "lib/cli/commands/ledger.ts",
    "lib/cli/commands/ledger_append.ts",
  );
  assert.ok(m.has("lib/ledger/writer.ts"), "the closure is read (the writer is in it)");
  none(m, ["lib/config/", "lib/carbon/", "lib/report/", "lib/cloud/", "node_modules/"], "append");
  none(m, ["lib/cli/commands/ledger_verify.ts", "lib/cli/commands/ledger_report.ts"], "append");
});

Deno.test("cold start: estimate loads no ledger or cloud instance code until --ledger or --instance-type", async () => {
  const m = await staticClosure("main.ts", "lib/cli/run_cli.ts", "lib/cli/commands/estimate.ts");
  assert.ok(m.has("lib/cli/commands/estimate.ts"));
  none(m, ["lib/ledger/", "lib/cloud/", "lib/carbon/data/", "lib/cli/emission.ts"], "estimate");
});

/** What `estimate` runs with the default configuration (static provider only, no files). */
const ESTIMATE_PATH = [
  "main.ts",
  "lib/cli/run_cli.ts",
  "lib/cli/commands/estimate.ts",
  "lib/config/load.ts",
  "lib/config/resolve_layers.ts",
  "lib/cli/config_checks.ts",
  "lib/carbon/providers/provider_names.ts",
  "lib/cli/commands/_estimator_from_config.ts",
];

Deno.test("cold start: estimate without a config file or intensity file loads no JSONC parser or npm code", async () => {
  // What runs: the command, the config loader and, with no file, the layer resolver; the checks;
  // the estimator built from the configuration.
  const m = await staticClosure(...ESTIMATE_PATH);
  assert.ok(m.has("lib/carbon/catalog.ts"), "the closure is read (the catalog is in it)");
  none(
    m,
    ["lib/config/resolve.ts", "lib/carbon/user_file.ts", "node_modules/", "npm:"],
    "estimate",
  );
});

Deno.test("cold start: deno.json loads dynamic imports when they run (lazy-dynamic-imports)", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`)) as {
    unstable?: string[];
  };
  assert.ok(
    config.unstable?.includes("lazy-dynamic-imports"),
    "without it every command pays for reading the whole command table's module graph",
  );
});

Deno.test("cold start: estimate loads no Node built-in (node:util parseArgs alone is a fifth of an empty run)", async () => {
  const m = await staticClosure(...ESTIMATE_PATH);
  assert.ok(m.has("lib/cli/args.ts"), "the closure is read (the option parser is in it)");
  none(m, ["node:"], "estimate");
});

Deno.test("cold start: ledger totals, export and report load no Node built-in (they neither sign nor verify)", async () => {
  for (const command of ["ledger_totals", "ledger_export", "ledger_report"]) {
    const m = await staticClosure(
      "main.ts",
      "lib/cli/run_cli.ts",
      "lib/cli/commands/ledger.ts",
      `lib/cli/commands/${command}.ts`,
    );
    assert.ok(m.has("lib/ledger/line_stream.ts"), `the closure of ${command} is read`);
    none(m, ["node:"], command);
  }
});

Deno.test("cold start: estimate with only the static provider loads no live provider client", async () => {
  const m = await staticClosure(...ESTIMATE_PATH);
  assert.ok(m.has("lib/carbon/estimator.ts"), "the closure is read (the estimator is in it)");
  const providers = [...m].filter((s) => s.startsWith("lib/carbon/providers/"));
  // The names and region-id rules, and the UK region table they use: no HTTP, cache or parser.
  assert.deepEqual(providers.sort(), [
    "lib/carbon/providers/provider_names.ts",
    "lib/carbon/providers/uk_regions.ts",
  ]);
});

Deno.test("cold start: the embedded region figures load as JSON modules, not TypeScript literals", async () => {
  const m = await staticClosure("lib/carbon/catalog.ts");
  for (const name of ["regions_open_gen", "regions_odbl_gen"]) {
    assert.ok(
      m.has(`lib/carbon/data/${name}.json`),
      `${name}.json is not in the catalog's closure`,
    );
    const wrapper = await Deno.readTextFile(`${REPO_ROOT}lib/carbon/data/${name}.ts`);
    assert.ok(
      wrapper.length < 4096,
      `${name}.ts holds the figures again (${wrapper.length} chars)`,
    );
  }
});
