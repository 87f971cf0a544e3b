/**
 * DMI (SMBIOS) hints from sysfs: which cloud a VM runs on, and on AWS Nitro its instance type,
 * with no network and no root (only the world-readable files are read). The rules follow
 * `/work/shared/data/cloud-instances/imds.md` section 4.
 *
 * @module
 */

import type { CloudProvider } from "./imds.ts";

/**
 * The world-readable DMI files carbon-ops reads (a missing file is absent from `DmiFacts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DMI_FILES } from "./dmi.ts";
 * assert.ok(DMI_FILES.includes("chassis_asset_tag"));
 * ```
 */
export const DMI_FILES: readonly DmiFile[] = Object.freeze(
  [
    "sys_vendor",
    "product_name",
    "product_version",
    "board_vendor",
    "board_asset_tag",
    "chassis_vendor",
    "chassis_asset_tag",
    "bios_vendor",
    "bios_version",
  ] as const,
);

/**
 * The name of one DMI file carbon-ops reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DmiFile } from "./dmi.ts";
 * const name: DmiFile = "sys_vendor";
 * assert.equal(name, "sys_vendor");
 * ```
 */
export type DmiFile =
  | "sys_vendor"
  | "product_name"
  | "product_version"
  | "board_vendor"
  | "board_asset_tag"
  | "chassis_vendor"
  | "chassis_asset_tag"
  | "bios_vendor"
  | "bios_version";

/**
 * The contents of the DMI files that exist, trimmed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DmiFacts } from "./dmi.ts";
 * const facts: DmiFacts = { sys_vendor: "Google", product_name: "Google Compute Engine" };
 * assert.equal(facts.board_asset_tag, undefined);
 * ```
 */
export type DmiFacts = { readonly [K in DmiFile]?: string };

/**
 * The chassis asset tag Azure sets; without it, vendor Microsoft and product Virtual Machine mean
 * plain Hyper-V.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AZURE_CHASSIS_ASSET_TAG } from "./dmi.ts";
 * assert.equal(AZURE_CHASSIS_ASSET_TAG.split("-").length, 7);
 * ```
 */
export const AZURE_CHASSIS_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77";

/**
 * Reads the DMI files under `root` (default `/sys/class/dmi/id`). Returns null when the directory
 * does not exist (containers often lack it); files that are missing or unreadable are left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readDmi } from "./dmi.ts";
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/sys_vendor`, "Amazon EC2\n");
 * assert.deepEqual(await readDmi(root), { sys_vendor: "Amazon EC2" });
 * assert.equal(await readDmi(`${root}/missing`), null);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readDmi(root = "/sys/class/dmi/id"): Promise<DmiFacts | null> {
  try {
    if (!(await Deno.stat(root)).isDirectory) return null;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new Error(`cannot read the DMI directory ${root}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const facts: Record<string, string> = {};
  for (const name of DMI_FILES) {
    try {
      facts[name] = (await Deno.readTextFile(`${root}/${name}`)).trim();
    } catch {
      // Absent when the firmware does not provide the field, or not readable: no hint.
    }
  }
  return facts;
}

/**
 * What DMI says: the provider (null when not a known cloud), the instance type when DMI names it
 * (AWS Nitro's `product_name`), and a one-line reason naming the deciding fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DmiVerdict } from "./dmi.ts";
 * const verdict: DmiVerdict = { provider: null, instanceType: null, reason: "no DMI" };
 * assert.equal(verdict.provider, null);
 * ```
 */
export interface DmiVerdict {
  /** The cloud the host runs on, or null. */
  readonly provider: CloudProvider | null;
  /** The instance type DMI gives (AWS Nitro only), or null. */
  readonly instanceType: string | null;
  /** Why: e.g. `sys_vendor "Amazon EC2"`. */
  readonly reason: string;
}

/** An AWS instance type as Nitro's product_name gives it: family.size, e.g. m5.large. */
const AWS_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/**
 * Decides the provider from DMI facts (pure). AWS: `sys_vendor` `Amazon EC2` (Nitro, instance type
 * in `product_name`) or `Xen` with `amazon` in `bios_version`; GCP: `sys_vendor` or `bios_vendor`
 * `Google`, or `product_name` `Google Compute Engine`; Azure: `Microsoft Corporation` /
 * `Virtual Machine` with the Azure chassis asset tag (without it, plain Hyper-V: not a cloud).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AZURE_CHASSIS_ASSET_TAG, cloudFromDmi } from "./dmi.ts";
 * const nitro = cloudFromDmi({ sys_vendor: "Amazon EC2", product_name: "m5.large" });
 * assert.deepEqual([nitro.provider, nitro.instanceType], ["aws", "m5.large"]);
 * const hyperv = { sys_vendor: "Microsoft Corporation", product_name: "Virtual Machine" };
 * assert.equal(cloudFromDmi(hyperv).provider, null);
 * const azure = { ...hyperv, chassis_asset_tag: AZURE_CHASSIS_ASSET_TAG };
 * assert.equal(cloudFromDmi(azure).provider, "azure");
 * assert.equal(cloudFromDmi(null).provider, null);
 * ```
 */
export function cloudFromDmi(facts: DmiFacts | null): DmiVerdict {
  if (facts === null) {
    return {
      provider: null,
      instanceType: null,
      reason: "no DMI directory (containers often have none)",
    };
  }
  const vendor = facts.sys_vendor ?? "";
  const product = facts.product_name ?? "";
  if (vendor === "Amazon EC2" || facts.bios_vendor === "Amazon EC2") {
    const type = AWS_TYPE.test(product) ? product : null;
    return { provider: "aws", instanceType: type, reason: `sys_vendor "${vendor}" (AWS Nitro)` };
  }
  if (vendor === "Xen" && /amazon/i.test(facts.bios_version ?? "")) {
    return {
      provider: "aws",
      instanceType: null,
      reason: `sys_vendor "Xen" with bios_version "${facts.bios_version}" (AWS Xen)`,
    };
  }
  if (
    vendor === "Google" || facts.bios_vendor === "Google" ||
    product === "Google Compute Engine"
  ) {
    return { provider: "gcp", instanceType: null, reason: `sys_vendor "${vendor}" (GCE)` };
  }
  if (vendor === "Microsoft Corporation" && product === "Virtual Machine") {
    if (facts.chassis_asset_tag === AZURE_CHASSIS_ASSET_TAG) {
      return {
        provider: "azure",
        instanceType: null,
        reason: "Microsoft Virtual Machine with the Azure chassis asset tag",
      };
    }
    return {
      provider: null,
      instanceType: null,
      reason: "Microsoft Virtual Machine without the Azure chassis asset tag (Hyper-V, not Azure)",
    };
  }
  const shown = vendor === "" ? "no sys_vendor" : `sys_vendor "${vendor}"`;
  return { provider: null, instanceType: null, reason: `${shown} is not a known cloud` };
}
