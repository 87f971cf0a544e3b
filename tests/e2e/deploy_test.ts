import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";

Deno.test("deploy example config validates against the config schema", async () => {
  const path = `${REPO_ROOT}deploy/config.jsonc`;
  const config = resolveConfig({ fileText: await Deno.readTextFile(path), filePath: path });
  assert.equal(config.governor.socketMode, "0660");
  assert.equal(config.governor.allowMsr, false);
});

Deno.test("deploy cron entry runs report with a state file and a key outside the ledger", async () => {
  const cron = await Deno.readTextFile(`${REPO_ROOT}deploy/carbon-ops-report.cron`);
  const line = cron.split("\n").find((l) =>
    /^\S+ \S+ \S+ \S+ \S+ carbon-ops carbon-ops report /.test(l)
  );
  assert.ok(line, "a report line");
  assert.match(line, /--ledger \S+ --key \S+ --state \S+/);
});
