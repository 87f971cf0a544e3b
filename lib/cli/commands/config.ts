/**
 * `carbon-ops config`: print the effective configuration after all layers, or fail with the
 * place of the first problem. Useful before deploying a config file.
 *
 * @module
 */

import { parseCommandArgs } from "../args.ts";
import { type Command, writeJson } from "../command.ts";
import { CONFIG_SCHEMA } from "../../config/schema.ts";
import { hideUrlCredentials } from "../../config/redact.ts";
import { envName } from "../../config/resolve_layers.ts";

const USAGE = "carbon-ops config [--json] [--config FILE]";

/**
 * The `config` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCli } from "../run_cli.ts";
 * import { bufferSink } from "../sinks.ts";
 * import { configCommand } from "./config.ts";
 * const stdout = bufferSink(), stderr = bufferSink();
 * const options = { commands: [configCommand], stdout, stderr, env: { CARBON_OPS_CONFIG: "" } };
 * assert.equal(await runCli(["config", "--json"], options), 0);
 * assert.equal(JSON.parse(stdout.text()).governor.intervalMs, 100);
 * ```
 */
export const configCommand: Command = {
  name: "config",
  summary: "Show the effective configuration (defaults, file, environment) or where it is wrong",
  help: `Usage: ${USAGE}

Loads the configuration exactly as every command does (defaults, then the JSONC file, then
CARBON_OPS_* variables) and prints each key with its value and environment variable. Credentials
(API tokens, passwords) are shown only as "(set, hidden)", and user names and passwords inside
URLs (https://user:pass@host) as "(hidden)". The whole configuration is checked exactly as the
other commands check it (including the governor's and the carbon providers' rules), so a setting
they reject is reported here with the file, line and column or the variable, and exit code 2.

Options:
  --json   print the configuration as JSON
`,
  async run(ctx) {
    const { values } = parseCommandArgs(ctx.argv, {
      options: { json: { type: "boolean" } },
      usage: USAGE,
    });
    const config = await ctx.loadConfig();
    const shown: Record<string, Record<string, unknown>> = {};
    for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
      const current = config[section as keyof typeof config] as Record<string, unknown>;
      shown[section] = {};
      for (const [key, spec] of Object.entries(fields)) {
        const secret = "secret" in spec && spec.secret;
        shown[section][key] = secret && current[key] !== null
          ? "(set, hidden)"
          : hideUrlCredentials(current[key]);
      }
    }
    if (values.json) {
      writeJson(ctx.stdout, shown);
      return 0;
    }
    const lines: string[] = [];
    for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
      lines.push(`[${section}]`);
      const current = shown[section];
      for (const [key, spec] of Object.entries(fields)) {
        const from = "fileOnly" in spec && spec.fileOnly
          ? "config file only"
          : envName(section, key);
        lines.push(`  ${key} = ${JSON.stringify(current[key])}    (${from})`);
      }
    }
    ctx.stdout.write(lines.join("\n") + "\n");
    return 0;
  },
};
