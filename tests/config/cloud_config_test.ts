import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { resolveConfig } from "../../lib/config/resolve.ts";

Deno.test("the cloud section has its documented defaults", () => {
  const c = resolveConfig({ fileText: null }).cloud;
  assertEquals(c, {
    dmiRoot: "/sys/class/dmi/id",
    metadataUrl: null,
    metadata: "auto",
    metadataTimeoutMs: 300,
    provider: null,
    instanceType: null,
    region: null,
    zone: null,
    cachePath: null,
  });
});

Deno.test("cloud keys come from the file and the environment, and bad values are refused", () => {
  const c = resolveConfig({
    fileText: '{ "cloud": { "instanceType": "aws:m5.large", "metadata": "never" } }',
    env: { CARBON_OPS_CLOUD_METADATA_TIMEOUT_MS: "1000" },
  }).cloud;
  assertEquals([c.instanceType, c.metadata, c.metadataTimeoutMs], ["aws:m5.large", "never", 1000]);
  assertThrows(() => resolveConfig({ fileText: '{ "cloud": { "metadata": "sometimes" } }' }));
  assertThrows(() => resolveConfig({ fileText: '{ "cloud": { "provider": "oci" } }' }));
});

Deno.test("governor.raplMode accepts instance", () => {
  const c = resolveConfig({ fileText: '{ "governor": { "raplMode": "instance" } }' });
  assertEquals(c.governor.raplMode, "instance");
});
