/**
 * Disk-full and interrupted-write faults in torn-tail repair, checkpoints and `ledger init`
 * (carbon-ops issue 12, items 7, 8, 9): after space is freed the next command succeeds without
 * manual cleanup, `ledger verify` exits 0, and every acknowledged record is still there.
 * The ENOSPC cases run on a 64 KiB tmpfs (root only; ignored with the reason otherwise).
 */

import assert from "node:assert/strict";
import { writeCheckpoint } from "../../lib/ledger/checkpoint_writer.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { initLedger } from "../../lib/ledger/init.ts";
import { writeKeyPair } from "../../lib/ledger/key_files.ts";
import { generateSigningKey, type SigningKey } from "../../lib/ledger/keys.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { checkpointArchivePath, LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { leafHex } from "../../lib/ledger/record.ts";
import { sha256 } from "../../lib/ledger/sha256.ts";
import { trustFileText } from "../../lib/ledger/trust.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { CAN_MOUNT_TMPFS, onSmallTmpfs, TMPFS_IGNORED_REASON } from "../_kit/small_tmpfs.ts";

const PAGE_BYTES = 4096;

/** Fills the file system of `path` until ENOSPC, then frees `leavePages` pages again. */
async function fillDisk(path: string, leavePages = 0): Promise<void> {
  using f = await Deno.open(path, { write: true, createNew: true });
  const page = new Uint8Array(PAGE_BYTES).fill(0x2e);
  let size = 0;
  for (;;) {
    try {
      const n = await f.write(page);
      size += n;
      if (n < page.length) break;
    } catch {
      break;
    }
  }
  const full = Math.floor(size / PAGE_BYTES) * PAGE_BYTES;
  await f.truncate(Math.max(0, full - leavePages * PAGE_BYTES));
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) out.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

/** `carbon-ops ledger verify DIR --trust FILE` (ledger checkpoint included): its exit code. */
async function cliVerify(dir: string, trustPath: string): Promise<number> {
  const r = await runCli(["ledger", "verify", dir, "--trust", trustPath]);
  assert.equal(r.code, 0, `ledger verify: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.code;
}

async function writeTrust(dir: string, origin: string, key: SigningKey): Promise<string> {
  const path = `${dir}/trust-copy.json`;
  await Deno.writeTextFile(
    path,
    trustFileText({ origin, keys: [{ key, role: "both", seqFrom: 0, seqTo: null }] }),
  );
  return path;
}

function assertAcknowledged(text: string, acknowledged: { seq: number; leaf: string }[]): void {
  const lines = text.split("\n");
  for (const r of acknowledged) {
    assert.equal(leafHex(new TextEncoder().encode(lines[r.seq])), r.leaf, `seq ${r.seq}`);
  }
}

// --- item 7: torn-tail repair -------------------------------------------------------------------

Deno.test({
  name:
    `a full disk during torn-tail repair fails with 'disk full while moving', leaves no quarantine file, and the same writer repairs once space is freed${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const mnt = dir.join("small");
    await onSmallTmpfs(mnt, async () => {
      const l = await buildLedger(`${mnt}/ledger`, { records: 0 });
      await using writer = await LedgerWriter.open(`${mnt}/ledger`, { key: l.key });
      const acknowledged: { seq: number; leaf: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await writer.append("emission", sampleEmission());
        acknowledged.push({ seq: r.seq, leaf: r.leaf });
      }
      // A crash mid-write left a torn line; then the disk filled up.
      const torn = new TextEncoder().encode(`{"body":{"text":"${"x".repeat(3000)}`);
      await Deno.writeFile(`${mnt}/ledger/${LEDGER_JSONL}`, torn, { append: true });
      const sizeBefore = (await Deno.stat(`${mnt}/ledger/${LEDGER_JSONL}`)).size;
      await fillDisk(`${mnt}/filler`);

      const failure = await writer.append("note", { text: "while full" }).then(
        () => null,
        (err) => err,
      );
      assert.ok(failure instanceof LedgerError, String(failure));
      assert.equal(failure.code, "WRITE_FAILED", failure.message);
      assert.ok(
        failure.message.startsWith(`disk full while moving ${torn.length} torn bytes at offset `),
        failure.message,
      );
      assert.doesNotMatch(failure.message, /fsync/i);
      assert.deepEqual(await names(`${mnt}/ledger/quarantine`), []);
      assert.equal((await Deno.stat(`${mnt}/ledger/${LEDGER_JSONL}`)).size, sizeBefore);

      await Deno.remove(`${mnt}/filler`);
      const next = await writer.append("note", { text: "space again" });
      assert.ok(next.repair, "the append repaired the torn line first");
      assert.equal(next.repair.length, torn.length);
      assert.deepEqual(await Deno.readFile(`${mnt}/ledger/${next.repair.quarantine}`), torn);
      assertAcknowledged(await Deno.readTextFile(`${mnt}/ledger/${LEDGER_JSONL}`), acknowledged);
      await writeCheckpoint(`${mnt}/ledger`, l.key);
      await cliVerify(`${mnt}/ledger`, await writeTrust(dir.path, l.origin, l.key));
    });
  },
});

Deno.test("an empty or partial quarantine file left by an older version is rewritten and the append succeeds", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.join("ledger"), { records: 2 });
  const path = dir.join("ledger", LEDGER_JSONL);
  const offset = (await Deno.stat(path)).size;
  const torn = new TextEncoder().encode('{"body":{"text":"half a line');
  const name = `quarantine/torn-${String(offset).padStart(20, "0")}-${
    toHex(sha256(torn)).slice(0, 16)
  }.bin`;
  for (const leftover of [new Uint8Array(), torn.subarray(0, 9)]) {
    await Deno.writeFile(path, torn, { append: true });
    await Deno.mkdir(dir.join("ledger", "quarantine"), { recursive: true });
    await Deno.writeFile(dir.join("ledger", name), leftover);
    // A temporary file of an interrupted atomic write is removed too.
    await Deno.writeFile(dir.join("ledger", `${name}.tmp-123-0a1b2c3d`), torn.subarray(0, 4));
    {
      await using writer = await LedgerWriter.open(dir.join("ledger"), { key: l.key });
      const r = await writer.append("note", { text: `after a ${leftover.length}-byte leftover` });
      assert.equal(r.repair?.quarantine, name);
    }
    assert.deepEqual(await Deno.readFile(dir.join("ledger", name)), torn);
    assert.deepEqual(await names(dir.join("ledger", "quarantine")), [name.slice(11)]);
    // Next round: the same torn bytes at the same offset again, with the repair truncated away.
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.slice(0, offset));
  }
  // A file of that name with other bytes is still refused: nothing is overwritten.
  await Deno.writeFile(path, torn, { append: true });
  await Deno.writeTextFile(dir.join("ledger", name), "something else");
  await using writer = await LedgerWriter.open(dir.join("ledger"), { key: l.key });
  await assert.rejects(
    () => writer.append("note", { text: "conflict" }),
    (err: unknown) => err instanceof LedgerError && err.code === "HEAD_INVALID",
  );
});

// --- item 8: checkpoints -------------------------------------------------------------------------

Deno.test({
  name:
    `a full disk during 'ledger checkpoint' fails with 'disk full while writing', leaves no empty archive note, and the next checkpoint succeeds once space is freed${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const mnt = dir.join("small");
    await onSmallTmpfs(mnt, async () => {
      const l = await buildLedger(`${mnt}/ledger`, { records: 0 });
      const acknowledged: { seq: number; leaf: string }[] = [];
      let failures = 0;
      // Leave 0, 1, 2, 3 free pages: the archive note, then `checkpoint`, then the frontier cache
      // run out of space in turn.
      for (let free = 0; free <= 3; free++) {
        {
          await using writer = await LedgerWriter.open(`${mnt}/ledger`, { key: l.key });
          const r = await writer.append("emission", sampleEmission());
          acknowledged.push({ seq: r.seq, leaf: r.leaf });
        }
        const size = acknowledged.length + 1;
        await fillDisk(`${mnt}/filler`, free);
        const failure = await writeCheckpoint(`${mnt}/ledger`, l.key).then(() => null, (e) => e);
        if (failure !== null) {
          failures++;
          assert.ok(failure instanceof LedgerError, String(failure));
          assert.equal(failure.code, "WRITE_FAILED", failure.message);
          assert.match(failure.message, /^disk full while writing /);
          assert.match(failure.message, /run 'carbon-ops ledger checkpoint .*' again/);
          // No empty or partial note: absent, or complete and signed.
          const note = await Deno.readTextFile(checkpointArchivePath(`${mnt}/ledger`, size))
            .catch(() => null);
          assert.ok(note === null || note.startsWith(`${l.origin}\n${size}\n`), String(note));
        }
        assert.deepEqual(
          (await names(`${mnt}/ledger/checkpoints`)).filter((n) => n.includes(".tmp-")),
          [],
        );
        await Deno.remove(`${mnt}/filler`);
        const cp = await writeCheckpoint(`${mnt}/ledger`, l.key);
        assert.equal(cp.size, size);
        assert.equal(await Deno.readTextFile(`${mnt}/ledger/checkpoint`), cp.note);
        assert.equal(await Deno.readTextFile(cp.archivePath), cp.note);
      }
      assert.ok(failures >= 2, `only ${failures} checkpoint(s) hit the full disk`);
      assertAcknowledged(await Deno.readTextFile(`${mnt}/ledger/${LEDGER_JSONL}`), acknowledged);
      await cliVerify(`${mnt}/ledger`, await writeTrust(dir.path, l.origin, l.key));
    });
  },
});

Deno.test("an empty or partial archive note left by an older version is rewritten; a partial note of another root is refused", async () => {
  await using dir = await tempDir();
  const l = await buildLedger(dir.join("ledger"), { records: 3 });
  const archive = checkpointArchivePath(dir.join("ledger"), 4);
  await Deno.writeTextFile(archive, "");
  const cp = await writeCheckpoint(dir.join("ledger"), l.key);
  assert.equal(cp.size, 4);
  assert.equal(await Deno.readTextFile(archive), cp.note);
  // A partial copy of the same note (signatures are deterministic) is completed.
  await Deno.writeTextFile(archive, cp.note.slice(0, cp.note.length - 20));
  assert.equal((await writeCheckpoint(dir.join("ledger"), l.key)).note, cp.note);
  assert.equal(await Deno.readTextFile(archive), cp.note);
  // A partial note naming another root: evidence of a rewrite, never overwritten.
  await Deno.writeTextFile(archive, `${l.origin}\n4\nAAAAAAAA`);
  await assert.rejects(
    () => writeCheckpoint(dir.join("ledger"), l.key),
    (err: unknown) => err instanceof LedgerError && err.code === "CHECKPOINT_CONFLICT",
  );
  assert.equal(await Deno.readTextFile(archive), `${l.origin}\n4\nAAAAAAAA`);
});

// --- item 9: ledger init -------------------------------------------------------------------------

Deno.test({
  name:
    `a full disk at any step of 'ledger init' leaves nothing behind, and the same command succeeds once space is freed${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const key = generateSigningKey();
    const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
    const mnt = dir.join("small");
    await onSmallTmpfs(mnt, async () => {
      let failures = 0;
      // 0 free pages: the genesis fails; 1: the first checkpoint; 2..: later files.
      for (let free = 0; free <= 5; free++) {
        const ledger = `${mnt}/l${free}`;
        const origin = `carbon-ops.example/l${free}`;
        await fillDisk(`${mnt}/filler`, free);
        const failure = await initLedger(ledger, {
          origin,
          key,
          trustPath: `${ledger}/trust.json`,
        }).then(() => null, (e) => e);
        if (failure !== null) {
          failures++;
          assert.ok(failure instanceof LedgerError, String(failure));
          assert.equal(failure.code, "WRITE_FAILED", failure.message);
          assert.match(failure.message, /^disk full while /);
          assert.match(failure.message, /nothing was created at/);
          // Nothing half-built is left: not the ledger, not its build directory.
          assert.deepEqual((await names(mnt)).filter((n) => n.startsWith(".")), []);
          assert.deepEqual(await names(ledger), []);
        }
        await Deno.remove(`${mnt}/filler`);
        if (failure !== null) {
          const again = await runCli([
            "ledger",
            "init",
            ledger,
            "--origin",
            origin,
            "--key",
            keyPath,
          ]);
          assert.equal(again.code, 0, again.stderr);
        }
        await cliVerify(ledger, `${ledger}/trust.json`);
        await Deno.remove(ledger, { recursive: true }); // room for the next round
      }
      assert.ok(failures >= 2, `only ${failures} init(s) hit the full disk`);
    });
  },
});

Deno.test({
  name:
    `'ledger init' on a full disk exits 1 naming the disk, and re-running it after freeing space exits 0${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const key = generateSigningKey();
    const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
    const mnt = dir.join("small");
    await onSmallTmpfs(mnt, async () => {
      const args = [
        "ledger",
        "init",
        `${mnt}/ledger`,
        "--origin",
        "example.org/h",
        "--key",
        keyPath,
      ];
      await fillDisk(`${mnt}/filler`, 1); // room for the genesis, not for the checkpoint
      const full = await runCli(args);
      assert.equal(full.code, 1, full.stderr);
      assert.match(full.stderr, /disk full while writing the first checkpoint/);
      assert.match(full.stderr, /run the same 'carbon-ops ledger init .*' command again/);
      assert.deepEqual(await names(mnt), ["filler"]);
      await Deno.remove(`${mnt}/filler`);
      const again = await runCli(args);
      assert.equal(again.code, 0, again.stderr);
      await cliVerify(`${mnt}/ledger`, `${mnt}/ledger/trust.json`);
    });
  },
});

Deno.test("'ledger init' finishes an init an older version left with a genesis and no trust.json", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
  const ledger = dir.join("ledger");
  // What the old `ledger init` left when it stopped before writing trust.json.
  await initLedger(ledger, { origin: "example.org/host-01", key });
  await Deno.remove(`${ledger}/checkpoint`);
  await Deno.writeTextFile(checkpointArchivePath(ledger, 1), ""); // an empty archive note too
  const r = await runCli([
    "ledger",
    "init",
    ledger,
    "--origin",
    "example.org/host-01",
    "--key",
    keyPath,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /finished the interrupted init/);
  await cliVerify(ledger, `${ledger}/trust.json`);
  // Now complete: a further init is refused.
  const again = await runCli([
    "ledger",
    "init",
    ledger,
    "--origin",
    "example.org/host-01",
    "--key",
    keyPath,
  ]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already holds records/);
});

Deno.test("a half-built ledger of another origin is reported with the exact commands to finish it or start over", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
  const ledger = dir.join("led ger");
  await initLedger(ledger, { origin: "example.org/first", key });
  const r = await runCli([
    "ledger",
    "init",
    ledger,
    "--origin",
    "example.org/second",
    "--key",
    keyPath,
  ]);
  assert.equal(r.code, 1);
  assert.ok(
    r.stderr.includes(
      `finish it with: carbon-ops ledger init '${ledger}' --origin example.org/first --key KEYFILE-OF-THAT-KID --trust-out '${ledger}/trust.json'`,
    ),
    r.stderr,
  );
  assert.ok(r.stderr.includes(`start over with: rm -r -- '${ledger}'`), r.stderr);
  assert.deepEqual(await names(ledger), [
    "checkpoint",
    "checkpoints",
    "ledger.jsonl",
    "ledger.lock",
  ]);
});

Deno.test("'ledger init' redoes a ledger.jsonl with a torn genesis and removes a crashed build's leftover, but not a running one", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
  const ledger = dir.join("ledger");
  await Deno.mkdir(ledger);
  await Deno.writeTextFile(`${ledger}/${LEDGER_JSONL}`, '{"body":{"created":"2026');
  await Deno.writeTextFile(`${ledger}/ledger.lock`, "");
  const crashed = dir.join(".ledger.init-99999-0a1b2c3d");
  await Deno.mkdir(crashed);
  await Deno.writeTextFile(`${crashed}/${LEDGER_JSONL}`, '{"bo');
  const running = dir.join(".ledger.init-99998-0a1b2c3e");
  await Deno.mkdir(running);
  using held = await Deno.open(running, { read: true });
  await held.lock(true);
  await Deno.chmod(ledger, 0o750);

  const r = await runCli([
    "ledger",
    "init",
    ledger,
    "--origin",
    "example.org/host-01",
    "--key",
    keyPath,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /removed .*\.ledger\.init-99999-0a1b2c3d, the half-built copy/);
  assert.deepEqual(await names(dir.path), [".ledger.init-99998-0a1b2c3e", "keys", "ledger"]);
  assert.equal((await Deno.stat(ledger)).mode! & 0o777, 0o750, "the directory keeps its mode");
  await cliVerify(ledger, `${ledger}/trust.json`);
  await held.unlock();
});

Deno.test("'ledger init' with --trust-out outside DIR accepts an identical trust file an interrupted run left", async () => {
  await using dir = await tempDir();
  const key = generateSigningKey();
  const keyPath = (await writeKeyPair(dir.join("keys"), key, { name: "host" })).keyPath;
  const trustOut = dir.join("auditor-trust.json");
  await Deno.writeTextFile(
    trustOut,
    trustFileText({
      origin: "example.org/host-01",
      keys: [{ key, role: "both", seqFrom: 0, seqTo: null }],
    }),
  );
  const args = [
    "ledger",
    "init",
    dir.join("ledger"),
    "--origin",
    "example.org/host-01",
    "--key",
    keyPath,
  ];
  const r = await runCli([...args, "--trust-out", trustOut]);
  assert.equal(r.code, 0, r.stderr);
  await cliVerify(dir.join("ledger"), trustOut);
  // A different file there is never overwritten.
  await Deno.writeTextFile(dir.join("other.json"), "{}\n");
  const refused = await runCli([
    ...args.slice(0, 2),
    dir.join("l2"),
    ...args.slice(3),
    "--trust-out",
    dir.join("other.json"),
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /already exists/);
  assert.equal(await Deno.readTextFile(dir.join("other.json")), "{}\n");
  assert.deepEqual((await names(dir.path)).filter((n) => n.startsWith(".")), []);
});
