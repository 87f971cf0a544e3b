import assert from "node:assert/strict";
import { pae, RECORD_PAYLOAD_TYPE } from "../../lib/ledger/dsse.ts";
import { fromBase64, fromBase64Url } from "../../lib/ledger/encoding.ts";
import { opensslVerifyBytes } from "../../demo/openssl_check.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const OPENSSL = "/usr/bin/openssl";
const hasOpenssl = await Deno.stat(OPENSSL).then(() => true, () => false);

Deno.test({
  name: `records and checkpoints written by the CLI verify with openssl pkeyutl -verify -rawin${
    hasOpenssl ? "" : " (ignored: /usr/bin/openssl not found)"
  }`,
  ignore: !hasOpenssl,
  async fn() {
    await using dir = await tempDir();
    const keys = dir.join("keys");
    const ledger = dir.join("ledger");
    const origin = "carbon-ops.example/openssl";
    assert.equal(
      (await runCli(["keys", "generate", "--out", keys, "--name", "host", "--origin", origin]))
        .code,
      0,
    );
    const key = `${keys}/host.key`;
    const pub = `${keys}/host.pub`;
    assert.equal(
      (await runCli(["ledger", "init", ledger, "--origin", origin, "--key", key])).code,
      0,
    );
    const note = await runCli([
      "ledger",
      "append",
      ledger,
      "--key",
      key,
      "--type",
      "note",
      "--body",
      "-",
    ], { stdin: '{"text":"caf\\u00e9 \\ud83d\\ude00 ok"}' });
    assert.equal(note.code, 0, note.stderr);
    const cp = await runCli(["ledger", "checkpoint", ledger, "--key", key]);
    assert.equal(cp.code, 0, cp.stderr);

    const lines = (await Deno.readTextFile(`${ledger}/ledger.jsonl`)).trimEnd().split("\n");
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const record = JSON.parse(line);
      const { sig, ...unsigned } = record;
      // Independent of our canonicaliser: the payload is the stored line minus its sig member.
      const payload = line.replace(`,"sig":"${sig}"`, "");
      assert.deepEqual(JSON.parse(payload), unsigned);
      const message = pae(RECORD_PAYLOAD_TYPE, new TextEncoder().encode(payload));
      assert.equal(new TextDecoder().decode(message.subarray(0, 8)), "DSSEv1 4");
      const ok = await opensslVerifyBytes(pub, message, fromBase64Url(sig));
      assert.ok(ok.ok, `record ${record.seq}: ${ok.output}`);
      const bad = await opensslVerifyBytes(
        pub,
        new Uint8Array([...message, 0x20]),
        fromBase64Url(sig),
      );
      assert.ok(bad.ran && !bad.ok, bad.output);
    }

    const [text, sigBlock] = cp.stdout.split("\n\n");
    assert.equal(text, `${origin}\n2\n${text.split("\n")[2]}`);
    const blob = fromBase64(sigBlock.trim().split(" ")[2]);
    assert.equal(blob.length, 68);
    const ok = await opensslVerifyBytes(
      pub,
      new TextEncoder().encode(text + "\n"),
      blob.subarray(4),
    );
    assert.ok(ok.ok, `checkpoint: ${ok.output}`);
  },
});
