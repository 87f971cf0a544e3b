/**
 * SHA-256 benchmarks: `sha256` (lib/ledger/sha256.ts, plain TypeScript up to 64 KiB) against
 * `node:crypto` `createHash("sha256")` on the ledger's hot inputs, measured in the same run:
 *
 * - a Merkle node: 65 bytes in one part (`0x01 || left || right`, as `nodeHash` passes it);
 * - Merkle leaves: `sha256(0x00, line)`, two parts, for record lines of 769 and 1,199 bytes
 *   (770 and 1,200 bytes hashed; ledger lines are about 770-1,200 bytes).
 *
 * - `deno bench -A bench/sha256_bench.ts`: one `deno bench` group per input, node:crypto the
 *   baseline (`deno bench` prints the ratio).
 * - `deno run -A bench/sha256_bench.ts [--rounds 9] [--also FILE]`: the report for
 *   docs/benchmarks.md. Each round times a batch of node:crypto calls, then the same batch of
 *   `sha256` calls, for each input in turn (interleaved); it prints, per input, the ratio
 *   sha256 / node:crypto of each round as the median and the range, from process CPU time (less
 *   disturbed than wall time by other work on a shared machine), with the load average. `--also
 *   FILE` adds another implementation exporting the same `sha256` (for example the previous
 *   version: `git show HEAD~1:lib/ledger/sha256.ts > /tmp/sha256_before.ts`), measured in the
 *   same rounds.
 */

import { createHash } from "node:crypto";
import process from "node:process";
import { sha256 } from "../lib/ledger/sha256.ts";

type Sha256 = (...parts: Uint8Array[]) => Uint8Array;

/** One benchmarked input: its parts and how many calls make one timed batch. */
interface Input {
  name: string;
  parts: Uint8Array[];
  batch: number;
}

/** A printable ASCII line of `n` bytes, like a canonical JSON record. */
const line = (n: number) => new Uint8Array(n).map((_, i) => 0x20 + (i * 7) % 0x5f);

const INPUTS: Input[] = [
  {
    name: "65 B Merkle node (1 part)",
    parts: [new Uint8Array(65).map((_, i) => i * 13)],
    batch: 40_000,
  },
  { name: "770 B Merkle leaf (0x00, line)", parts: [Uint8Array.of(0), line(769)], batch: 10_000 },
  { name: "1200 B Merkle leaf (0x00, line)", parts: [Uint8Array.of(0), line(1199)], batch: 8_000 },
];

/** node:crypto the way a caller without `sha256` would hash the same parts. */
function nodeCrypto(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Process CPU time (user + system) in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU microseconds per call of `f` on `input`, over one batch. */
function timeBatch(f: Sha256, input: Input): number {
  const [a, b] = input.parts;
  const t = cpuMs();
  if (input.parts.length === 1) {
    for (let i = 0; i < input.batch; i++) f(a);
  } else {
    for (let i = 0; i < input.batch; i++) f(a, b);
  }
  return (cpuMs() - t) * 1000 / input.batch;
}

async function report(rounds: number, alsoPath: string | undefined): Promise<void> {
  const subjects: [string, Sha256][] = [["sha256", sha256]];
  if (alsoPath !== undefined) {
    const also: { sha256: Sha256 } = await import(new URL(alsoPath, `file://${Deno.cwd()}/`).href);
    subjects.push([alsoPath, also.sha256]);
  }
  for (const input of INPUTS) {
    const expected = nodeCrypto(...input.parts).toHex();
    for (const [name, f] of subjects) {
      if (f(...input.parts).toHex() !== expected) {
        throw new Error(`${name} gives a wrong digest for ${input.name}: fix it before timing it`);
      }
    }
  }
  const log = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
  log(
    `sha256 vs node:crypto createHash("sha256"), same run: ${rounds} rounds (+1 warm-up), ` +
      `Deno ${Deno.version.deno}, load average at start ${Deno.loadavg().join(" ")}`,
  );
  log("ratio: CPU time per call / node:crypto's in the same round, median (min-max) over rounds");
  const us = new Map<string, number[]>();
  const record = (key: string, value: number) => us.set(key, [...(us.get(key) ?? []), value]);
  for (let round = 0; round <= rounds; round++) {
    for (const input of INPUTS) {
      const floor = timeBatch(nodeCrypto, input);
      const times = subjects.map(([, f]) => timeBatch(f, input));
      if (round === 0) continue; // warm-up: lets V8 optimise every path first
      record(`${input.name}|node:crypto`, floor);
      subjects.forEach(([name], i) => {
        record(`${input.name}|${name}`, times[i]);
        record(`${input.name}|${name}|ratio`, times[i] / floor);
      });
    }
  }
  for (const input of INPUTS) {
    log(input.name);
    const floor = median(us.get(`${input.name}|node:crypto`)!);
    for (const [name] of subjects) {
      const ratios = us.get(`${input.name}|${name}|ratio`)!;
      log(
        `  ${name.padEnd(28)} ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${
          Math.max(...ratios).toFixed(2)
        })    ${median(us.get(`${input.name}|${name}`)!).toFixed(2)} us vs node:crypto ${
          floor.toFixed(2)
        } us`,
      );
    }
  }
  log(`load average at end ${Deno.loadavg().join(" ")}`);
}

if (import.meta.main) {
  const arg = (flag: string) => {
    const at = Deno.args.indexOf(flag);
    return at >= 0 ? Deno.args[at + 1] : undefined;
  };
  await report(Number(arg("--rounds") ?? 9), arg("--also"));
} else {
  for (const input of INPUTS) {
    const [a, b] = input.parts;
    Deno.bench(
      { name: `node:crypto createHash, ${input.name}`, group: input.name, baseline: true },
      () => {
        if (b === undefined) nodeCrypto(a);
        else nodeCrypto(a, b);
      },
    );
    Deno.bench({ name: `sha256, ${input.name}`, group: input.name }, () => {
      if (b === undefined) sha256(a);
      else sha256(a, b);
    });
  }
}
