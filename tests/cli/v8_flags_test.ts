import assert from "node:assert/strict";
import { SHIPPED_V8_FLAGS } from "../../lib/cli/v8_flags.ts";
import { binScript } from "../../scripts/install_files.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, ROOT));

Deno.test("every way the program ships runs it with the same V8 flags", async () => {
  const tasks = JSON.parse(await read("deno.json")).tasks as Record<string, string>;
  assert.ok(tasks.compile.includes(` --v8-flags=${SHIPPED_V8_FLAGS} `), "deno task compile");
  assert.match(
    await read("deploy/carbon-ops-governor.service"),
    new RegExp(`^Environment=DENO_V8_FLAGS=${SHIPPED_V8_FLAGS}$`, "m"),
  );
  assert.ok(
    (await read("deploy/kubernetes/daemonset.yaml")).includes(
      `{ name: DENO_V8_FLAGS, value: "${SHIPPED_V8_FLAGS}" }`,
    ),
    "the DaemonSet",
  );
  for (const image of ["Containerfile", "Containerfile.source"]) {
    assert.match(
      await read(`deploy/container/${image}`),
      new RegExp(`^ENV DENO_V8_FLAGS=${SHIPPED_V8_FLAGS}$`, "m"),
      image,
    );
  }
});

Deno.test("the installed command's script passes the shipped V8 flags unless the caller sets its own", async () => {
  await using dir = await tempDir();
  // A stand-in for the copied Deno that prints the flags it was started with.
  await Deno.writeTextFile(`${dir.path}/deno`, '#!/bin/sh\nprintf "%s" "$DENO_V8_FLAGS"\n', {
    mode: 0o755,
  });
  await Deno.writeTextFile(`${dir.path}/carbon-ops`, binScript(dir.path, "0.0.0"), { mode: 0o755 });
  const run = async (env: Record<string, string>, clear: boolean) => {
    const out = await new Deno.Command(`${dir.path}/carbon-ops`, {
      env,
      clearEnv: clear,
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    return new TextDecoder().decode(out.stdout);
  };
  assert.equal(await run({ PATH: "/usr/bin:/bin" }, true), SHIPPED_V8_FLAGS);
  assert.equal(
    await run({ PATH: "/usr/bin:/bin", DENO_V8_FLAGS: "--max-old-space-size=64" }, true),
    "--max-old-space-size=64",
  );
});
