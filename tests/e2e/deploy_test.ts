import assert from "node:assert/strict";
import { resolveConfig } from "../../lib/config/resolve.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";

Deno.test("deploy example config validates against the config schema", async () => {
  const path = `${REPO_ROOT}deploy/config.jsonc`;
  const config = resolveConfig({ fileText: await Deno.readTextFile(path), filePath: path });
  assert.equal(config.governor.socketMode, "0660");
  assert.equal(config.governor.allowMsr, false);
});

Deno.test("deploy DaemonSet's embedded config validates and mounts powercap read-only", async () => {
  const yaml = await Deno.readTextFile(`${REPO_ROOT}deploy/kubernetes/daemonset.yaml`);
  const block = /config\.jsonc: \|\n((?: {4}.*\n)+)/.exec(yaml);
  assert.ok(block, "ConfigMap holds config.jsonc");
  const text = block[1].replace(/^ {4}/gm, "");
  const config = resolveConfig({ fileText: text, filePath: "daemonset.yaml#config.jsonc" });
  assert.equal(config.governor.metricsListen, "0.0.0.0:9464");
  assert.match(yaml, /mountPath: \/sys\/class\/powercap, readOnly: true/);
  assert.match(yaml, /mountPath: \/dev\/cpu, readOnly: true/);
  assert.match(yaml, /prometheus\.io\/port: "9464"/);
});

Deno.test("deploy cron entry runs report with a state file and a key outside the ledger", async () => {
  const cron = await Deno.readTextFile(`${REPO_ROOT}deploy/carbon-ops-report.cron`);
  const line = cron.split("\n").find((l) =>
    /^\S+ \S+ \S+ \S+ \S+ carbon-ops carbon-ops report /.test(l)
  );
  assert.ok(line, "a report line");
  assert.match(line, /--ledger \S+ --key \S+ --state \S+/);
});
