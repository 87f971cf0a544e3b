import assert from "node:assert/strict";
import { cachedLocation, readBootId } from "../../lib/cloud/location_cache.ts";
import { detectLocation, type HostLocation } from "../../lib/cloud/location.ts";
import { fakeDmi } from "../_kit/fake_dmi.ts";
import { fakeImds } from "../_kit/fake_imds.ts";
import { type TempDir, tempDir } from "../_kit/temp_dir.ts";

async function boot(dir: TempDir, id: string): Promise<string> {
  const root = dir.join("proc");
  await Deno.mkdir(`${root}/sys/kernel/random`, { recursive: true });
  await Deno.writeTextFile(`${root}/sys/kernel/random/boot_id`, `${id}\n`);
  return root;
}

Deno.test("the location is detected once per boot and read from the cache after", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ gcp: {} });
  const procRoot = await boot(dir, "3f1c2a9e-0000-4000-8000-000000000001");
  const dmiRoot = await fakeDmi(dir.join("dmi"), "gcp");
  const detect = () => detectLocation({ dmiRoot, metadataUrl: imds.url, timeoutMs: 2000 });
  const options = { path: dir.join("state", "location.json"), key: "k", procRoot };
  const first = await cachedLocation(detect, options);
  assert.equal(first.cache, "stored");
  const asked = imds.connections();
  const second = await cachedLocation(detect, options);
  assert.equal(second.cache, "hit");
  assert.deepEqual(second.location, first.location);
  assert.equal(imds.connections(), asked); // no new metadata request
  const file = JSON.parse(await Deno.readTextFile(options.path));
  assert.equal(file.boot_id, "3f1c2a9e-0000-4000-8000-000000000001");
  assert.equal(file.location.region_id, "gcp:europe-west1");
  // The atomic replace leaves no temporary file behind.
  assert.deepEqual([...Deno.readDirSync(dir.join("state"))].map((e) => e.name), ["location.json"]);
});

Deno.test("a new boot, other inputs, or --refresh detect again", async () => {
  await using dir = await tempDir();
  let detections = 0;
  const detect = async (): Promise<HostLocation> => {
    detections++;
    return await detectLocation({ dmiRoot: dir.join("absent") });
  };
  const path = dir.join("location.json");
  const procRoot = await boot(dir, "boot-a");
  await cachedLocation(detect, { path, key: "k", procRoot });
  await cachedLocation(detect, { path, key: "k", procRoot });
  assert.equal(detections, 1);
  await cachedLocation(detect, { path, key: "other", procRoot });
  assert.equal(detections, 2);
  await boot(dir, "boot-b");
  assert.equal((await cachedLocation(detect, { path, key: "other", procRoot })).cache, "stored");
  assert.equal(detections, 3);
  assert.equal(
    (await cachedLocation(detect, { path, key: "other", procRoot, refresh: true })).cache,
    "stored",
  );
  assert.equal(detections, 4);
});

Deno.test("a failed metadata request is not cached, so the next run asks again", async () => {
  await using dir = await tempDir();
  await using imds = fakeImds({ aws: { imds: "off" } });
  const procRoot = await boot(dir, "boot-a");
  const dmiRoot = await fakeDmi(dir.join("dmi"), "aws-nitro");
  const detect = () => detectLocation({ dmiRoot, metadataUrl: imds.url, timeoutMs: 2000 });
  const options = { path: dir.join("location.json"), key: "k", procRoot };
  const first = await cachedLocation(detect, options);
  assert.equal(first.cache, "not-stored");
  await cachedLocation(detect, options);
  assert.equal(imds.connections(), 2);
  await assert.rejects(Deno.stat(options.path), Deno.errors.NotFound);
});

Deno.test("a damaged cache file is a miss and is replaced", async () => {
  await using dir = await tempDir();
  const procRoot = await boot(dir, "boot-a");
  const path = dir.join("location.json");
  await Deno.writeTextFile(path, '{"v":1,"boot_id":"boot-a","key":"k","location":{"provider":7}}');
  const result = await cachedLocation(() => detectLocation({ dmiRoot: dir.join("absent") }), {
    path,
    key: "k",
    procRoot,
  });
  assert.equal(result.cache, "stored");
  assert.equal(JSON.parse(await Deno.readTextFile(path)).location.provider, null);
});

Deno.test("without a readable boot id nothing is cached; an unwritable path is reported", async () => {
  await using dir = await tempDir();
  assert.equal(await readBootId(dir.join("none")), null);
  const detect = () => detectLocation({ dmiRoot: dir.join("absent") });
  const none = await cachedLocation(detect, {
    path: dir.join("l.json"),
    key: "k",
    procRoot: dir.join("none"),
  });
  assert.equal(none.cache, "not-stored");
  const procRoot = await boot(dir, "boot-a");
  await Deno.writeTextFile(dir.join("file"), "");
  const bad = await cachedLocation(detect, {
    path: dir.join("file", "l.json"),
    key: "k",
    procRoot,
  });
  assert.equal(bad.cache, "failed");
  assert.match(bad.detail, /cannot write/);
  assert.equal(bad.location.provider, null);
});
