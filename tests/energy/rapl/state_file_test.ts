import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { loadState, saveState } from "../../../lib/energy/rapl/state_file.ts";
import { tempDir } from "../../_kit/temp_dir.ts";

const state = (instance: string, totalUj: string) => ({
  v: 1 as const,
  instance,
  savedAtMs: 1,
  domains: { "package-0": { totalUj, wraps: 2, resets: 0, discarded: 1 } },
});

Deno.test("saveState replaces the file atomically and leaves no temporary file", async () => {
  await using dir = await tempDir();
  const path = dir.join("state.json");
  await saveState(path, state("a", "1"));
  await saveState(path, state("b", "18446744073709551621")); // > 2^64: stays exact
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["state.json"]);
  const loaded = await loadState(path, 0);
  assertEquals(loaded.warning, null);
  assertEquals(loaded.state, state("b", "18446744073709551621"));
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o640);
});

Deno.test("loadState gives null for a missing file and sets a corrupt one aside with a warning", async () => {
  await using dir = await tempDir();
  assertEquals(await loadState(dir.join("none.json"), 0), { state: null, warning: null });
  const path = dir.join("state.json");
  for (
    const bad of [
      "",
      "{",
      '{"v":2}',
      '{"v":1,"instance":"x","savedAtMs":0,"domains":{"p":{"totalUj":"1e3"}}}',
    ]
  ) {
    await Deno.writeTextFile(path, bad);
    const r = await loadState(path, 42);
    assertEquals(r.state, null);
    assert(
      r.warning?.includes("corrupt") && r.warning.includes(`${path}.corrupt-42`),
      r.warning ?? "",
    );
    assertEquals(await Deno.readTextFile(`${path}.corrupt-42`), bad);
    await Deno.remove(`${path}.corrupt-42`);
  }
});

Deno.test("saveState fails loudly when the directory does not exist", async () => {
  await using dir = await tempDir();
  const err = await saveState(dir.join("no", "state.json"), state("a", "1")).catch((e) => e);
  assert(err instanceof Deno.errors.NotFound, String(err));
});
