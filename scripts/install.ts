/**
 * `deno task install`: installs the `carbon-ops` command from this checkout, offline, into
 * `$PREFIX/bin` (PREFIX from the environment, default `~/.local`), running on the pinned Deno
 * copied beside it. What is installed and why: scripts/install_files.ts.
 *
 *   node_modules/.bin/deno task install [--prefix DIR] [--uninstall]
 *
 * Exit codes: 0 done, 1 the install or removal failed (the message says what to do), 2 usage.
 *
 * @module
 */

// deno-lint-ignore-file no-console
import { parseArgs } from "node:util";
import { installCarbonOps, pathNotes, resolvePrefix, uninstallCarbonOps } from "./install_files.ts";

const HELP = `Usage: deno task install [--prefix DIR] [--uninstall]

Installs the carbon-ops command from this checkout, without the network:
  PREFIX/bin/carbon-ops              a small sh script
  PREFIX/lib/carbon-ops/VERSION/     the program (main.ts and what it loads), the npm packages
                                     it imports, and the pinned Deno it runs on
The command does not use the checkout, the deno on PATH, the network, or a writable HOME or
DENO_DIR, so it keeps working when the checkout moves and under systemd with a read-only file
system. A reinstall replaces the earlier install only once the new copy has run.

Options:
  --prefix DIR   install prefix (default: $PREFIX, else ~/.local); PREFIX=/usr/local as root
                 for a system-wide install (the systemd unit runs /usr/local/bin/carbon-ops)
  --uninstall    remove what an earlier install put in the prefix
  -h, --help     this help
`;

function usage(message: string): void {
  console.error(`install: ${message}\n\n${HELP}`);
  Deno.exitCode = 2;
}

function causeChain(err: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = err; e !== undefined && lines.length < 8;) {
    lines.push(lines.length === 0 ? String((e as Error).message ?? e) : `  caused by: ${e}`);
    e = (e as { cause?: unknown })?.cause;
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        prefix: { type: "string" },
        uninstall: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return usage((err as Error).message);
  }
  if (values.help) {
    console.log(HELP.trimEnd());
    return;
  }
  let prefix: string;
  try {
    prefix = resolvePrefix(values.prefix);
  } catch (err) {
    return usage((err as Error).message);
  }
  try {
    if (values.uninstall) {
      const r = await uninstallCarbonOps(prefix);
      if (r.version === null && r.removed.length === 0) {
        console.log(`carbon-ops is not installed in ${prefix}: nothing to remove`);
      } else {
        console.log(`Removed carbon-ops ${r.version ?? ""} from ${prefix}:`);
        for (const path of r.removed) console.log(`  ${path}`);
      }
      return;
    }
    const r = await installCarbonOps(prefix);
    const replaced = r.replacedVersion === null ? "" : ` (replacing ${r.replacedVersion})`;
    console.log(`Installed carbon-ops ${r.version}${replaced} into ${prefix}:`);
    console.log(`  ${r.command}  the command (a sh script)`);
    console.log(
      `  ${r.programDir}/  the program (${r.files} files; npm: ${
        r.npmPackages.join(", ") || "none"
      }) and Deno ${r.denoVersion} (${r.denoLinked ? "hard link" : "copy"})`,
    );
    console.log(`$ carbon-ops --version\n${r.versionLine}`);
    for (const note of await pathNotes(`${prefix}/bin`, Deno.env.get("PATH") ?? "")) {
      console.log(`note: ${note}`);
    }
  } catch (err) {
    console.error(`install: ${causeChain(err)}`);
    Deno.exitCode = 1;
  }
}

await main();
