/**
 * The ledger options of the emitting commands, apart from the code that uses them
 * (`emission.ts`, which loads the ledger): a command parses them and loads the ledger code only
 * when one of them is given, so `estimate` without `--ledger` starts without it.
 *
 * @module
 */

/**
 * The ledger options every emitting command takes (`--ledger DIR --key FILE` and the rest), in
 * `parseArgs` form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCommandArgs } from "./args.ts";
 * import { EMISSION_OPTIONS } from "./emission_options.ts";
 * const argv = ["--ledger", "/var/lib/l", "--key", "k.key", "--label", "job=a", "--label", "b=c"];
 * const { values } = parseCommandArgs(argv, { options: EMISSION_OPTIONS });
 * assert.equal(values.ledger, "/var/lib/l");
 * assert.deepEqual(values.label, ["job=a", "b=c"]);
 * ```
 */
export const EMISSION_OPTIONS = {
  ledger: { type: "string" },
  key: { type: "string" },
  label: { type: "string", multiple: true },
  "reporting-entity": { type: "string" },
  host: { type: "string" },
  scope: { type: "string" },
  "scope3-category": { type: "string" },
} as const;

/**
 * True when any ledger option was given: then the command loads `emission.ts` and calls its
 * `prepareEmission` (which checks that `--ledger` and `--key` go together); otherwise there is
 * no ledger to write and nothing of the ledger needs loading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emissionRequested } from "./emission_options.ts";
 * assert.equal(emissionRequested({}), false);
 * assert.equal(emissionRequested({ label: ["job=a"] }), true); // prepareEmission rejects it
 * assert.equal(emissionRequested({ ledger: "/var/lib/l", key: "k.key" }), true);
 * ```
 */
export function emissionRequested(
  values: { readonly [K in keyof typeof EMISSION_OPTIONS]?: unknown },
): boolean {
  return (Object.keys(EMISSION_OPTIONS) as (keyof typeof EMISSION_OPTIONS)[]).some((k) =>
    values[k] !== undefined
  );
}
