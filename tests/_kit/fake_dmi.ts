/**
 * Fake `/sys/class/dmi/id` trees with the world-readable strings each provider sets
 * (`/work/shared/data/cloud-instances/imds.md` section 4), written into a directory the test owns.
 */

/** Which machine the tree imitates. */
export type FakeDmiKind =
  | "aws-nitro"
  | "aws-xen"
  | "gcp"
  | "azure"
  | "hyperv"
  | "qemu"
  | "laptop";

const AZURE_TAG = "7783-7084-3265-9085-8269-3286-77";

/** The files of each kind (file name to content, without the trailing newline). */
export function dmiFiles(kind: FakeDmiKind, instanceType = "m5.large"): Record<string, string> {
  switch (kind) {
    case "aws-nitro":
      return {
        sys_vendor: "Amazon EC2",
        product_name: instanceType,
        board_vendor: "Amazon EC2",
        board_asset_tag: "i-0af01c0123456789a",
        chassis_vendor: "Amazon EC2",
        chassis_asset_tag: "Amazon EC2",
        bios_vendor: "Amazon EC2",
        bios_version: "1.0",
      };
    case "aws-xen":
      return {
        sys_vendor: "Xen",
        product_name: "HVM domU",
        product_version: "4.2.amazon",
        bios_vendor: "Xen",
        bios_version: "4.2.amazon",
      };
    case "gcp":
      return {
        sys_vendor: "Google",
        product_name: "Google Compute Engine",
        board_vendor: "Google",
        chassis_vendor: "Google",
        bios_vendor: "Google",
        bios_version: "Google",
      };
    case "azure":
      return {
        sys_vendor: "Microsoft Corporation",
        product_name: "Virtual Machine",
        product_version: "7.0",
        board_vendor: "Microsoft Corporation",
        chassis_vendor: "Microsoft Corporation",
        chassis_asset_tag: AZURE_TAG,
        bios_vendor: "Microsoft Corporation",
        bios_version: "Hyper-V UEFI Release v4.1",
      };
    case "hyperv":
      return {
        sys_vendor: "Microsoft Corporation",
        product_name: "Virtual Machine",
        chassis_vendor: "Microsoft Corporation",
        chassis_asset_tag: "0000-0000-0000-0000-0000-0000-00",
        bios_vendor: "Microsoft Corporation",
      };
    case "qemu":
      return {
        sys_vendor: "QEMU",
        product_name: "Standard PC (Q35 + ICH9, 2009)",
        bios_vendor: "SeaBIOS",
        bios_version: "1.16.3-debian-1.16.3-2",
      };
    case "laptop":
      return {
        sys_vendor: "LENOVO",
        product_name: "21HMCTO1WW",
        board_vendor: "LENOVO",
        bios_vendor: "LENOVO",
        bios_version: "R2BET33W (1.19 )",
      };
  }
}

/** Writes a fake DMI tree of `kind` at `root` (created) and returns `root`. */
export async function fakeDmi(
  root: string,
  kind: FakeDmiKind,
  options: { instanceType?: string } = {},
): Promise<string> {
  await Deno.mkdir(root, { recursive: true });
  for (const [name, value] of Object.entries(dmiFiles(kind, options.instanceType))) {
    await Deno.writeTextFile(`${root}/${name}`, `${value}\n`, { mode: 0o444 });
  }
  return root;
}
