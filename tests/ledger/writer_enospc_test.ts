import assert from "node:assert/strict";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { LEDGER_JSONL } from "../../lib/ledger/ledger_files.ts";
import { leafHex } from "../../lib/ledger/record.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { verifyDir } from "../_kit/ledger_tamper.ts";
import { CAN_MOUNT_TMPFS, onSmallTmpfs, TMPFS_IGNORED_REASON } from "../_kit/small_tmpfs.ts";

Deno.test({
  name:
    `a full disk (ENOSPC) fails the append with WRITE_FAILED, loses nothing acknowledged, and the next append repairs${TMPFS_IGNORED_REASON}`,
  ignore: !CAN_MOUNT_TMPFS,
  async fn() {
    await using dir = await tempDir();
    const mnt = dir.join("small");
    await onSmallTmpfs(mnt, async () => {
      const l = await buildLedger(`${mnt}/ledger`, { records: 0 });
      await using writer = await LedgerWriter.open(`${mnt}/ledger`, { key: l.key });
      const acknowledged: { seq: number; leaf: string }[] = [];
      let failure: unknown;
      for (let i = 0; i < 200 && failure === undefined; i++) {
        try {
          const r = await writer.append("emission", sampleEmission());
          acknowledged.push({ seq: r.seq, leaf: r.leaf });
        } catch (err) {
          failure = err;
        }
      }
      assert.ok(failure instanceof LedgerError && failure.code === "WRITE_FAILED", String(failure));
      assert.match(failure.message, /No space left|os error 28/i);
      assert.ok(acknowledged.length > 10);
      const verdict = (await verifyDir(`${mnt}/ledger`, l.trust)).exitCode;
      assert.ok(verdict === 0 || verdict === 5, `exit ${verdict}`);
      const lines = (await Deno.readTextFile(`${mnt}/ledger/${LEDGER_JSONL}`)).split("\n");
      for (const r of acknowledged) {
        assert.equal(leafHex(new TextEncoder().encode(lines[r.seq])), r.leaf);
      }
      // Free space (drop the checkpoint archive) and append again: repaired and valid.
      await Deno.remove(`${mnt}/ledger/checkpoints`, { recursive: true });
      await Deno.remove(`${mnt}/ledger/checkpoint`);
      const tail = acknowledged.length;
      const next = await writer.append("note", { text: "space again" });
      assert.ok(next.seq >= tail + 1);
      assert.equal((await verifyDir(`${mnt}/ledger`, l.trust)).exitCode, 0);
    });
  },
});
