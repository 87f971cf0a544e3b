import assert from "node:assert/strict";
import { cloudFromDmi, readDmi } from "../../lib/cloud/dmi.ts";
import { fakeDmi } from "../_kit/fake_dmi.ts";
import { tempDir } from "../_kit/temp_dir.ts";

Deno.test("DMI names AWS Nitro and its instance type from product_name", async () => {
  await using dir = await tempDir();
  const root = await fakeDmi(dir.join("dmi"), "aws-nitro", { instanceType: "c6i.xlarge" });
  const verdict = cloudFromDmi(await readDmi(root));
  assert.deepEqual([verdict.provider, verdict.instanceType], ["aws", "c6i.xlarge"]);
});

Deno.test("DMI names AWS on Xen from the amazon BIOS version, without an instance type", async () => {
  await using dir = await tempDir();
  const verdict = cloudFromDmi(await readDmi(await fakeDmi(dir.join("dmi"), "aws-xen")));
  assert.deepEqual([verdict.provider, verdict.instanceType], ["aws", null]);
});

Deno.test("DMI names GCP and Azure, each without an instance type", async () => {
  await using dir = await tempDir();
  const gcp = cloudFromDmi(await readDmi(await fakeDmi(dir.join("gcp"), "gcp")));
  const azure = cloudFromDmi(await readDmi(await fakeDmi(dir.join("azure"), "azure")));
  assert.deepEqual([gcp.provider, gcp.instanceType], ["gcp", null]);
  assert.deepEqual([azure.provider, azure.instanceType], ["azure", null]);
});

Deno.test("DMI of plain Hyper-V, QEMU and a laptop names no cloud", async () => {
  await using dir = await tempDir();
  for (const kind of ["hyperv", "qemu", "laptop"] as const) {
    const verdict = cloudFromDmi(await readDmi(await fakeDmi(dir.join(kind), kind)));
    assert.equal(verdict.provider, null, kind);
  }
  const hyperv = cloudFromDmi(await readDmi(dir.join("hyperv")));
  assert.match(hyperv.reason, /without the Azure chassis asset tag/);
});

Deno.test("a missing DMI directory (a container) is no DMI, not an error", async () => {
  await using dir = await tempDir();
  assert.equal(await readDmi(dir.join("absent")), null);
  assert.equal(cloudFromDmi(null).provider, null);
});

Deno.test("an AWS product_name that is not an instance type is not taken for one", () => {
  const verdict = cloudFromDmi({ sys_vendor: "Amazon EC2", product_name: "Not Specified" });
  assert.deepEqual([verdict.provider, verdict.instanceType], ["aws", null]);
});
