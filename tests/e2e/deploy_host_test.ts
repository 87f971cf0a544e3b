/**
 * The shipped deployment, run for real: docs/deployment.md's commands and the files in deploy/
 * on a throwaway overlay copy of this machine (tests/_kit/host_copy.ts), inside a private mount
 * and PID namespace so nothing outlives the test. Needs root, unshare, overlayfs and systemd's
 * sysusers, tmpfiles and analyze tools (CI installs them through .ci/system_packages).
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

async function works(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const missing: string[] = [];
if (Deno.uid() !== 0) missing.push("root");
for (const tool of ["systemd-sysusers", "systemd-tmpfiles", "systemd-analyze"]) {
  if (!await works(tool, ["--version"])) missing.push(tool);
}
if (!await works("unshare", ["--mount", "--pid", "--fork", "true"])) missing.push("unshare");

Deno.test({
  name:
    "the documented host deployment grows a ledger that verifies and leaves every path writable" +
    (missing.length ? ` (ignored: needs ${missing.join(", ")})` : ""),
  ignore: missing.length > 0,
  async fn() {
    await using work = await tempDir("carbon-ops-host-");
    const resultPath = work.join("result.json");
    const out = await new Deno.Command("unshare", {
      args: [
        "--mount",
        "--pid",
        "--fork",
        "--propagation",
        "private",
        Deno.execPath(),
        "run",
        "--allow-all",
        "--quiet",
        `${REPO_ROOT}tests/e2e/deploy_host_scenario.ts`,
        work.join("copy"),
        resultPath,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const text = dec.decode(out.stdout) + dec.decode(out.stderr);
    assert.equal(out.code, 0, `the deployment scenario failed:\n${text}`);
    const result = JSON.parse(await Deno.readTextFile(resultPath)) as {
      ledgerLines: number[];
      exposure: number;
      exposureVerdict: string;
    };
    assert.deepEqual(result.ledgerLines, [1, 1, 2, 3]);
    await Deno.stdout.write(
      new TextEncoder().encode(
        `  systemd-analyze security: exposure ${result.exposure} ${result.exposureVerdict}\n`,
      ),
    );
    // systemd-analyze's scale: below 4.0 is "OK" or better; the unit scored 2.4 when written
    assert.ok(result.exposure < 4, `exposure ${result.exposure} ${result.exposureVerdict}`);
  },
});
