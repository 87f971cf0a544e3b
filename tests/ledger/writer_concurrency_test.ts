import assert from "node:assert/strict";
import { writeKeyPair } from "../../lib/ledger/key_files.ts";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { leafHex } from "../../lib/ledger/record.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger } from "../_kit/ledger_fixture.ts";
import { readLedgerLines, verifyDir } from "../_kit/ledger_tamper.ts";

const WORKER = new URL("../_kit/ledger_append_worker.ts", import.meta.url).pathname;

function spawnWorker(
  dir: string,
  keyPath: string,
  count: number,
  label: string,
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", WORKER, dir, keyPath, String(count), label],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function reported(stdout: Uint8Array | string): { seq: number; leaf: string }[] {
  const text = typeof stdout === "string" ? stdout : new TextDecoder().decode(stdout);
  return text.split("\n").filter((l) => /^\d+ [0-9a-f]{64}$/.test(l))
    .map((l) => {
      const [seq, leaf] = l.split(" ");
      return { seq: Number(seq), leaf };
    });
}

async function ledgerWithKeyFile(dir: string) {
  const built = await buildLedger(`${dir}/ledger`);
  const { keyPath } = await writeKeyPair(`${dir}/keys`, built.key);
  return { ...built, keyPath, ledgerDir: `${dir}/ledger` };
}

Deno.test("8 processes x 200 concurrent appends give 1600 contiguous, valid records", async () => {
  await using dir = await tempDir();
  const l = await ledgerWithKeyFile(dir.path);
  const workers = Array.from(
    { length: 8 },
    (_, i) => spawnWorker(l.ledgerDir, l.keyPath, 200, `w${i}`),
  );
  const done = Promise.all(workers.map((w) => w.output()));
  // Verifying while others append never sees a half-written line (the size is read under a
  // shared lock) or a broken chain.
  let finished = false;
  done.then(() => (finished = true));
  let verifications = 0;
  while (!finished) {
    const during = await verifyDir(l.ledgerDir, l.trust);
    assert.equal(during.exitCode, 0, JSON.stringify(during.errors.slice(0, 3)));
    verifications++;
  }
  assert.ok(verifications > 0);
  const outputs = await done;
  for (const out of outputs) assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const all = outputs.flatMap((o) => reported(o.stdout));
  assert.equal(all.length, 1600);
  assert.deepEqual(
    all.map((r) => r.seq).sort((a, b) => a - b),
    Array.from({ length: 1600 }, (_, i) => i + 1),
  );
  const lines = await readLedgerLines(l.ledgerDir);
  assert.equal(lines.length, 1601);
  for (const r of all) {
    assert.equal(leafHex(new TextEncoder().encode(lines[r.seq])), r.leaf, `seq ${r.seq}`);
  }
  const report = await verifyDir(l.ledgerDir, l.trust);
  assert.equal(report.exitCode, 0, JSON.stringify(report.errors.slice(0, 3)));
  assert.equal(report.entries, 1601);
});

/** Reads a child's stdout line by line, so a test can wait for what a worker has reported. */
class LineReader {
  readonly lines: string[] = [];
  #buffer = "";
  #reader: ReadableStreamDefaultReader<string>;
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** Reads until `enough(lines)` holds; false when the stream ended first. */
  async until(enough: (lines: readonly string[]) => boolean): Promise<boolean> {
    while (!enough(this.lines)) {
      const { value, done } = await this.#reader.read();
      if (done) return false;
      const parts = (this.#buffer + value).split("\n");
      this.#buffer = parts.pop()!;
      this.lines.push(...parts);
    }
    return true;
  }
}

Deno.test("appenders killed with SIGKILL at random moments never lose an acknowledged record", async () => {
  await using dir = await tempDir();
  const l = await ledgerWithKeyFile(dir.path);
  const acknowledged: { seq: number; leaf: string }[] = [];
  let kills = 0;
  let atLeastAcknowledged = 0;
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  while (kills < 50) {
    // Two appenders at a time. Each is killed at a random point of its work, not after a wall-clock
    // delay (start-up can take seconds on a loaded machine): once it has said "ready" and has
    // acknowledged 0 to 3 appends, so the kill lands during start of an append, mid-write or
    // mid-fsync. No timing window has to hold for the test to be meaningful.
    const pair = [0, 1].map((i) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", WORKER, l.ledgerDir, l.keyPath, "0", `k${kills}-${i}`],
        stdout: "piped",
        stderr: "null",
      }).spawn()
    );
    const readers = pair.map((w) => new LineReader(w.stdout));
    await Promise.all(pair.map(async (w, i) => {
      const acks = Math.floor(random() * 4);
      const reached = await readers[i].until((lines) =>
        lines.includes("ready") && reported(lines.join("\n")).length >= acks
      );
      assert.ok(reached, "the worker exited before it was killed");
      atLeastAcknowledged += acks;
      w.kill("SIGKILL");
      kills++;
    }));
    for (const [i, w] of pair.entries()) {
      await readers[i].until(() => false); // the rest of what it reported before it died
      assert.equal((await w.status).signal, "SIGKILL");
      acknowledged.push(...reported(readers[i].lines.join("\n")));
    }
    const verdict = (await verifyDir(l.ledgerDir, l.trust)).exitCode;
    assert.ok(verdict === 0 || verdict === 5, `after ${kills} kills: exit ${verdict}`);
  }
  assert.ok(
    acknowledged.length >= atLeastAcknowledged,
    `${acknowledged.length} appends acknowledged, fewer than the ${atLeastAcknowledged} waited for`,
  );
  assert.ok(atLeastAcknowledged > 0, "some kills came after acknowledged appends");
  const repair = spawnWorker(l.ledgerDir, l.keyPath, 1, "after");
  const out = await repair.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const report = await verifyDir(l.ledgerDir, l.trust);
  assert.equal(report.exitCode, 0, JSON.stringify(report.errors.slice(0, 3)));
  const lines = (await Deno.readTextFile(`${l.ledgerDir}/${LEDGER_JSONL}`)).split("\n");
  for (const r of acknowledged) {
    assert.equal(
      leafHex(new TextEncoder().encode(lines[r.seq])),
      r.leaf,
      `acknowledged seq ${r.seq} is missing or changed`,
    );
  }
});
