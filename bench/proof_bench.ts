/**
 * Ledger proof benchmarks (issue 7): inclusion proof generation for one record of a
 * 1,000,000-record ledger with the tree hash cache on disk (target < 50 ms), proof
 * verification rate (target > 10,000/s), consistency proofs, and opening / rebuilding the
 * cache from `ledger.jsonl`.
 *
 * Run: node_modules/.bin/deno bench -A bench/proof_bench.ts
 */

import { consistencyProof, inclusionProof } from "../lib/ledger/merkle_proofs.ts";
import { leafHash } from "../lib/ledger/merkle.ts";
import { verifyConsistency, verifyInclusion } from "../lib/ledger/merkle_verify.ts";
import { TreeHashCache } from "../lib/ledger/tree_cache.ts";
import { signCheckpoint } from "../lib/ledger/checkpoint.ts";
import { generateSigningKey } from "../lib/ledger/keys.ts";
import { FileHashStore, openLedgerTree } from "../lib/ledger/tree_cache_file.ts";

const N = 1_000_000;
const REBUILD_N = 100_000;
const dir = await Deno.makeTempDir({ prefix: "carbon-ops-proof-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

// A 1M-line ledger file (record-sized lines) and its cache, built once.
const pad = "x".repeat(400);
const enc = new TextEncoder();
{
  using f = await Deno.open(`${dir}/ledger.jsonl`, { create: true, write: true });
  let batch = "";
  for (let i = 0; i < N; i++) {
    batch += `{"body":{"pad":"${pad}"},"seq":${i},"v":1}\n`;
    if (batch.length > 1 << 20) {
      await f.write(enc.encode(batch));
      batch = "";
    }
  }
  await f.write(enc.encode(batch));
}
{
  const small = `${dir}/small`;
  await Deno.mkdir(small);
  const text = await Deno.readTextFile(`${dir}/ledger.jsonl`).then((t) =>
    t.slice(0, nthNewline(t, REBUILD_N) + 1)
  );
  await Deno.writeTextFile(`${small}/ledger.jsonl`, text);
}
const t0 = performance.now();
(await openLedgerTree(dir, { rebuild: true }))[Symbol.dispose]();
const rebuildMs = performance.now() - t0;
Deno.stderr.writeSync(enc.encode(`cache rebuild for ${N} records: ${rebuildMs.toFixed(0)} ms\n`));

const store = FileHashStore.open(`${dir}/cache/tree-hashes`);
const tree = new TreeHashCache(store);
const root = tree.root(N);
// A signed checkpoint over the synthetic lines, so the CLI can prove against it.
await Deno.writeTextFile(
  `${dir}/checkpoint`,
  signCheckpoint({ origin: "bench.example/log", size: N, root }, generateSigningKey()),
);
const MAIN = new URL("../main.ts", import.meta.url).pathname;
let seed = 12345;
const nextIndex = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % N;
};

function nthNewline(text: string, n: number): number {
  let at = -1;
  for (let k = 0; k < n; k++) at = text.indexOf("\n", at + 1);
  return at;
}

// Pre-generated proofs for the verification benchmark.
const proofs = Array.from({ length: 1000 }, () => {
  const index = nextIndex();
  return { index, leaf: tree.leafHash(index), proof: inclusionProof(tree, { index, size: N }) };
});

Deno.bench("proof: inclusion proof for 1 record of 1M (file cache, root checked)", {
  group: "prove",
  baseline: true,
}, () => {
  const index = nextIndex();
  const proof = inclusionProof(tree, { index, size: N });
  if (tree.root(N).length !== 32 || proof.length === 0) throw new Error("bad proof");
});

Deno.bench("proof: consistency proof 999,000 -> 1M (file cache)", { group: "prove" }, () => {
  const p = consistencyProof(tree, { size1: N - 1000 - (nextIndex() % 1000), size2: N });
  if (p.length === 0) throw new Error("empty proof");
});

Deno.bench(
  "proof: open cache (current) + prove, 1M-record ledger",
  { group: "prove" },
  async () => {
    using lt = await openLedgerTree(dir);
    inclusionProof(lt.tree, { index: nextIndex(), size: N });
  },
);

Deno.bench("proof: CLI 'ledger prove' as a cold process, 1M records (cache current)", {
  group: "prove",
  n: 5,
  warmup: 1,
}, async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "ledger", "prove", dir, "--seq", String(nextIndex())],
    env: { CARBON_OPS_CONFIG: "", NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
});

Deno.bench("proof: baseline, 'ledger prove --help' as a cold process", {
  group: "prove",
  n: 5,
  warmup: 1,
}, async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "ledger", "prove", "--help"],
    env: { CARBON_OPS_CONFIG: "", NO_COLOR: "1" },
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error("help failed");
});

Deno.bench("proof: verify 1,000 inclusion proofs, 1M records (rate = 1000 / time)", {
  group: "verify",
}, () => {
  for (const p of proofs) {
    if (!verifyInclusion(p.leaf, { index: p.index, size: N, proof: p.proof, root }).ok) {
      throw new Error("proof failed");
    }
  }
});

const oldRoot = tree.root(N - 777);
const cp = consistencyProof(tree, { size1: N - 777, size2: N });
Deno.bench("proof: verify 1,000 consistency proofs, 1M records", { group: "verify" }, () => {
  for (let i = 0; i < 1000; i++) {
    const v = verifyConsistency({
      size1: N - 777,
      size2: N,
      root1: oldRoot,
      root2: root,
      proof: cp,
    });
    if (!v.ok) throw new Error("proof failed");
  }
});

Deno.bench("proof: leaf hash of a 450-byte record", { group: "verify" }, () => {
  leafHash(enc.encode(pad));
});

Deno.bench(
  `proof: rebuild cache from ledger.jsonl, ${REBUILD_N} records`,
  { n: 5, warmup: 1 },
  async () => {
    using lt = await openLedgerTree(`${dir}/small`, { rebuild: true });
    if (lt.tree.size !== REBUILD_N) throw new Error("wrong size");
  },
);
