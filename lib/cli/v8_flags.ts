/**
 * The V8 flags the shipped program runs with, in one place: the installed command
 * (`deno task install` writes them into its sh script), the compiled binary (`deno task compile`),
 * the systemd unit, the DaemonSet and both images (`DENO_V8_FLAGS`), and `bench:compare`, which
 * measures the program as shipped. A test checks that every one of them says the same.
 *
 * `--max-semi-space-size=1` caps V8's young generation at 1 MiB per semi-space (the default grows
 * to 16 MiB and more): the streaming readers (`ledger verify`, `totals`, `export`, `report`)
 * allocate short-lived objects per line, and a large young generation was most of their peak RSS
 * (measured in docs/benchmarks.md), for no measurable gain in speed.
 *
 * @module
 */

/**
 * The value of `DENO_V8_FLAGS` (or of `deno run --v8-flags=`) the program ships with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SHIPPED_V8_FLAGS } from "./v8_flags.ts";
 * assert.equal(SHIPPED_V8_FLAGS, "--max-semi-space-size=1");
 * ```
 */
export const SHIPPED_V8_FLAGS = "--max-semi-space-size=1";
