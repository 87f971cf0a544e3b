import assert from "node:assert/strict";
import { formatExample } from "../../scripts/ledger_format_example.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { parseTrustFile, trustFileText } from "../../lib/ledger/trust.ts";
import { verifyingKeyFromPem } from "../../lib/ledger/keys.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const DOC = new URL("../../docs/ledger-format.md", import.meta.url);

Deno.test("docs/ledger-format.md shows exactly the bytes the code produces for its worked example", async () => {
  const doc = await Deno.readTextFile(DOC);
  const ex = await formatExample();
  assert.ok(doc.includes("```\n" + ex.lines.join("\n") + "\n```"), "record lines");
  for (const leaf of ex.leaves) assert.ok(doc.includes(leaf), leaf);
  assert.ok(doc.includes(ex.publicKeyPem.trimEnd()), "public key");
  assert.ok(doc.includes(`kid = \`${ex.kid}\``), "kid");
  assert.ok(doc.includes(ex.verifierKey), "verifier key");
  assert.ok(doc.includes("```\n" + ex.checkpoint.trimEnd() + "\n```"), "checkpoint");
});

Deno.test("the documented example ledger and checkpoint verify (exit 0)", async () => {
  await using dir = await tempDir();
  const ex = await formatExample();
  await Deno.writeTextFile(dir.join("ledger.jsonl"), ex.lines.map((l) => l + "\n").join(""));
  const origin = JSON.parse(ex.lines[0]).body.origin;
  const trust = parseTrustFile(
    trustFileText({
      origin,
      keys: [{ key: verifyingKeyFromPem(ex.publicKeyPem), role: "both", seqFrom: 0, seqTo: null }],
    }),
  );
  const report = await verifyLedger(dir.path, {
    trust,
    checkpoints: [{ source: "doc", note: ex.checkpoint }],
  });
  assert.equal(report.exitCode, 0, JSON.stringify(report.errors));
  assert.equal(report.checkpoints[0].status, "consistent");
});
