import { ok as assert } from "node:assert/strict";
import { governorCommand } from "../../governor/command.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";

const unit = await Deno.readTextFile(`${REPO_ROOT}deploy/carbon-ops-governor.service`);
const directives = new Map<string, string[]>();
for (const line of unit.split("\n")) {
  const m = /^([A-Za-z]+)=(.*)$/.exec(line);
  if (m) directives.set(m[1], [...directives.get(m[1]) ?? [], m[2]]);
}
const one = (key: string) => directives.get(key)?.at(-1) ?? "";

Deno.test("governor unit starts the governor with options the command knows", () => {
  const exec = one("ExecStart").split(/\s+/);
  assert(exec[0].endsWith("/carbon-ops") && exec[1] === "governor", exec.join(" "));
  // --config is the program's own option (runCli), the rest the governor's
  for (const word of exec.slice(2).filter((w) => w.startsWith("--") && w !== "--config")) {
    assert(governorCommand.help.includes(word.split("=")[0]), `unknown option ${word}`);
  }
  // the socket, group and state file come from the config file the cron jobs read too
  assert(
    exec.includes("--config") &&
      exec[exec.indexOf("--config") + 1] === "/etc/carbon-ops/config.jsonc",
  );
  assert(one("ExecReload").includes("-HUP"), "reload sends SIGHUP");
  assert(one("KillSignal") === "SIGTERM");
  const noRetry = one("RestartPreventExitStatus").split(/\s+/).sort();
  assert(noRetry.join(" ") === "2 3", "config errors (2) and no RAPL (3) are not retried");
  assert(governorCommand.help.includes("3 no RAPL"), "the command documents exit 3");
});

Deno.test("governor unit is hardened and keeps only what the daemon needs", () => {
  for (
    const [key, value] of [
      ["NoNewPrivileges", "yes"],
      ["ProtectSystem", "strict"],
      ["ProtectHome", "yes"],
      ["PrivateTmp", "yes"],
      ["ProtectKernelTunables", "yes"],
      ["ProtectKernelModules", "yes"],
      ["ProtectControlGroups", "yes"],
      ["RestrictNamespaces", "yes"],
      ["LockPersonality", "yes"],
      ["DevicePolicy", "closed"],
      ["UMask", "0077"],
    ]
  ) assert(one(key) === value, `${key}=${one(key)}, expected ${value}`);
  const caps = one("CapabilityBoundingSet").split(/\s+/).sort();
  assert(JSON.stringify(caps) === JSON.stringify(["CAP_CHOWN", "CAP_SYS_RAWIO"]), caps.join(" "));
  // V8 needs W^X off; the socket directory and state directory stay writable
  assert(one("MemoryDenyWriteExecute") === "no");
  assert(one("ReadWritePaths").split(/\s+/).includes("/run"));
  // never the cron user's directory: systemd would chown a StateDirectory to root
  assert(!one("ReadWritePaths").includes("/var/lib/carbon-ops"));
  assert(one("StateDirectory") === "carbon-ops-governor", one("StateDirectory"));
  assert(one("RestrictAddressFamilies").split(/\s+/).includes("AF_UNIX"));
});
