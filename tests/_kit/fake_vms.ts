/**
 * The three fake cloud VMs the cloud-context tests run on: the DMI tree kind (fake_dmi.ts), the
 * metadata server it answers with (fake_imds.ts), and the instance and catalog region ids the
 * product must name for it (the fake servers' default instance types and regions).
 *
 * @module
 */

import type { FakeDmiKind } from "./fake_dmi.ts";
import type { FakeImdsOptions } from "./fake_imds.ts";

/** One fake VM and what it must be recognised as. */
export interface FakeVm {
  /** DMI tree of the provider's hypervisor. */
  readonly kind: FakeDmiKind;
  /** Metadata the fake server answers. */
  readonly server: FakeImdsOptions;
  /** Instance id the catalog must name, `provider:type`. */
  readonly instance: string;
  /** Catalog region id, `provider:region`. */
  readonly region: string;
}

/** A fake AWS (Nitro), GCP and Azure VM. */
export const FAKE_VMS: readonly FakeVm[] = [
  { kind: "aws-nitro", server: { aws: {} }, instance: "aws:m5.large", region: "aws:eu-west-1" },
  { kind: "gcp", server: { gcp: {} }, instance: "gcp:n2-standard-4", region: "gcp:europe-west1" },
  {
    kind: "azure",
    server: { azure: {} },
    instance: "azure:Standard_D4s_v5",
    region: "azure:westeurope",
  },
];
