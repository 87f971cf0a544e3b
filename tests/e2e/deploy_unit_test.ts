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
  for (const word of exec.slice(2).filter((w) => w.startsWith("--"))) {
    assert(governorCommand.help.includes(word.split("=")[0]), `unknown option ${word}`);
  }
  assert(exec.includes("--group") && exec[exec.indexOf("--group") + 1] === "carbon-users");
  assert(one("ExecReload").includes("-HUP"), "reload sends SIGHUP");
  assert(one("KillSignal") === "SIGTERM");
  assert(one("RestartPreventExitStatus") === "2", "config errors are not retried");
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
  assert(one("RestrictAddressFamilies").split(/\s+/).includes("AF_UNIX"));
});
