/**
 * readLineBatches reads a file over 64 KiB ahead (the next chunk's read runs while the caller
 * works on this chunk's lines, into a second buffer). These tests check that a batch's lines,
 * views into a read buffer with `reuse: true`, stay intact while the caller holds them and lets
 * the read ahead finish, on random files, chunk sizes and ranges; and that stopping early closes
 * the file.
 */
import assert from "node:assert/strict";
import { tempDir } from "../_kit/temp_dir.ts";
import { readLineBatches } from "../../lib/ledger/line_stream.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import { seededRandom } from "../../lib/base/prng.ts";

interface Expected {
  readonly text: string;
  readonly offset: number;
  readonly terminated: boolean;
}

/** The lines of `text` from byte `start` (a line start) to byte `end`, as the stream frames them. */
function expectedLines(bytes: Uint8Array, start: number, end: number): Expected[] {
  const out: Expected[] = [];
  let from = start;
  while (from < end) {
    const nl = bytes.subarray(0, end).indexOf(0x0a, from);
    if (nl < 0) {
      out.push({
        text: new TextDecoder().decode(bytes.subarray(from, end)),
        offset: from,
        terminated: false,
      });
      break;
    }
    out.push({
      text: new TextDecoder().decode(bytes.subarray(from, nl)),
      offset: from,
      terminated: true,
    });
    from = nl + 1;
  }
  return out;
}

/** One macrotask: long enough for a read ahead that was started to complete. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("lines read ahead stay intact while held, on 60 random files, chunk sizes and ranges", async () => {
  await using dir = await tempDir();
  const random = seededRandom(1818);
  const letters = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (let round = 0; round < 60; round++) {
    // Files of 70-400 KiB: over the 64 KiB below which the stream reads synchronously.
    const target = 70_000 + Math.floor(random() * 330_000);
    let text = "";
    let line = 0;
    while (text.length < target) {
      const length = random() < 0.05
        ? 3_000 + Math.floor(random() * 9_000)
        : Math.floor(random() * 900);
      // Each line's content names its number, so a line overwritten by another read shows.
      let body = `${line++}:`;
      while (body.length < length) body += letters[Math.floor(random() * letters.length)];
      text += body + "\n";
    }
    if (random() < 0.5) text += "torn-tail";
    const bytes = new TextEncoder().encode(text);
    const path = dir.join(`l${round}`);
    await Deno.writeFile(path, bytes);
    const starts = expectedLines(bytes, 0, bytes.length).map((l) => l.offset);
    const start = random() < 0.3 ? starts[Math.floor(random() * Math.min(starts.length, 20))] : 0;
    const end = random() < 0.3
      ? start + Math.floor(random() * (bytes.length - start))
      : bytes.length;
    const chunkBytes = 257 + Math.floor(random() * 40_000);
    const maxLineBytes = random() < 0.5 ? 2_048 + Math.floor(random() * 8_000) : undefined;

    const want = expectedLines(bytes, start, end);
    const got: Expected[] = [];
    const oversize: { offset: number; length: number; leaf: string }[] = [];
    for await (
      const batch of readLineBatches(path, { start, end, chunkBytes, maxLineBytes, reuse: true })
    ) {
      await settle();
      for (const l of batch) {
        if (l.oversize) {
          oversize.push({
            offset: l.offset,
            length: l.oversize.length,
            leaf: l.oversize.leaf.toHex(),
          });
          got.push({ text: "", offset: l.offset, terminated: l.terminated });
        } else {got.push({
            text: new TextDecoder().decode(l.bytes),
            offset: l.offset,
            terminated: l.terminated,
          });}
      }
    }
    const label =
      `round ${round}: ${bytes.length} bytes, start ${start}, end ${end}, chunk ${chunkBytes}`;
    const encoder = new TextEncoder();
    const long = (e: Expected) =>
      maxLineBytes !== undefined && encoder.encode(e.text).length > maxLineBytes;
    assert.deepEqual(got, want.map((e) => (long(e) ? { ...e, text: "" } : e)), label);
    assert.deepEqual(
      oversize,
      want.filter(long).map((e) => ({
        offset: e.offset,
        length: encoder.encode(e.text).length,
        leaf: sha256(new Uint8Array([0]), encoder.encode(e.text)).toHex(),
      })),
      label,
    );
  }
});

Deno.test("a caller that stops after the first batch of a file read ahead leaves no file open", async () => {
  await using dir = await tempDir();
  const path = dir.join("l");
  await Deno.writeTextFile(path, ("y".repeat(99) + "\n").repeat(5_000));
  const openFiles = () => [...Deno.readDirSync("/proc/self/fd")].length;
  const before = openFiles();
  for (let i = 0; i < 20; i++) {
    for await (const batch of readLineBatches(path, { chunkBytes: 4_096, reuse: true })) {
      assert.equal(batch[0].offset, 0);
      break;
    }
  }
  assert.equal(openFiles(), before);
});
