import assert from "node:assert/strict";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { exportLedger, parseCsv } from "../../lib/ledger/export.ts";
import { leafHex, signRecord } from "../../lib/ledger/record.ts";
import type { RecordBody } from "../../lib/ledger/record.ts";

/** The label names the export's first pass found before it skipped whole-line parses. */
function labelNamesByFullParse(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const rec = JSON.parse(line);
    if (rec.type !== "emission") continue;
    const labels = rec.body?.labels;
    if (labels !== null && typeof labels === "object") { for (const n in labels) names.add(n); }
  }
  return [...names].sort().map((n) => `label.${n}`);
}

function withLabels(labels: Record<string, string> | undefined): RecordBody {
  const { labels: _, ...body } = sampleEmission() as Record<string, unknown>;
  return (labels === undefined ? body : { ...body, labels }) as RecordBody;
}

Deno.test("ledger export finds exactly the label names a whole-line parse finds, on canonical and hand-written lines", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  const bodies: Record<number, { type: string; body: RecordBody }> = {
    1: { type: "emission", body: withLabels({ team: "ml" }) },
    2: { type: "emission", body: withLabels({ 'we"ird': "x", "é 🌍": "y", "a\\b": "z" }) },
    3: { type: "emission", body: withLabels({ team: '"labels":{"fake":"1"}},"labels":{' }) },
    4: { type: "emission", body: withLabels(undefined) },
    // Invalid (a labels key nested in method) but superseded below: exported by no one, yet its
    // own labels name a column, as before.
    5: {
      type: "emission",
      body: {
        ...withLabels({ superseded: "1" }),
        method: { formula: "f", labels: { nested: "n" } },
      } as unknown as RecordBody,
    },
    6: { type: "note", body: { text: 'x "labels":{"notelabel":"1"},"type":"emission","v":1}' } },
  };
  const built = await buildLedger(ledger, { records: 6, bodies: (seq) => bodies[seq] });
  const path = `${ledger}/ledger.jsonl`;
  const canonical = await Deno.readTextFile(path);
  const lines = canonical.split("\n");
  const correction = signRecord({
    seq: 7,
    ts: "2026-01-01T00:00:07.000Z",
    type: "correction",
    body: {
      supersedes: { seq: 5, leaf: leafHex(new TextEncoder().encode(lines[5])) },
      reason: "test",
    },
    prev: "0".repeat(64),
  }, built.key);
  // Hand-written lines (the export does not verify signatures): not canonical, or canonical in
  // ways a byte scan could misread.
  const rec = JSON.parse(lines[1]);
  const variant = (seq: number, labelsText: string) =>
    JSON.stringify({ ...rec, seq, ts: `2026-01-01T00:00:${seq}.000Z` })
      .replace('"labels":{"team":"ml"}', labelsText);
  const hand = [
    variant(10, '"labels" :{"spaced":"1"}'),
    variant(11, '"labels":{"first":"1"},"labels":{"second":"1"}'),
    variant(12, '"label\\u0073":{"escaped":"1"}'),
    JSON.stringify({ type: "emission", ...rec, seq: 13, ts: "2026-01-01T00:00:13.000Z" })
      .replace('"labels":{"team":"ml"}', '"labels":{"reordered":"1"}')
      .replace(',"type":"emission","v":1}', ',"v":1}'),
  ];
  const text = canonical + correction.line + "\n" + hand.join("\n") + "\n";
  await Deno.writeTextFile(path, text);

  let csv = "";
  const summary = await exportLedger(ledger, { write: (t) => void (csv += t) });
  const [header] = parseCsv(csv, { maxRecords: 1 });
  const labelColumns = header.filter((c) => c.startsWith("label."));
  assert.deepEqual(labelColumns, labelNamesByFullParse(text));
  for (const want of ["label.spaced", "label.second", "label.escaped", "label.reordered"]) {
    assert.ok(labelColumns.includes(want), want);
  }
  for (const not of ["label.first", "label.fake", "label.nested", "label.notelabel"]) {
    assert.ok(!labelColumns.includes(not), not);
  }
  assert.equal(summary.rows, 8);
  assert.equal(summary.superseded, 1);
});

Deno.test("ledger export hands the same output to write and to writeBytes, whatever the chunk size", async () => {
  await using dir = await tempDir();
  const ledger = dir.join("ledger");
  await buildLedger(ledger, {
    records: 30,
    bodies: (seq) =>
      seq % 3 === 0
        ? { type: "note", body: { text: `note ${seq}` } }
        : { type: "emission", body: withLabels({ team: seq % 2 ? "€ 12,5 🌍" : 'a "b"' }) },
  });
  const decoder = new TextDecoder();
  for (const format of ["csv", "jsonl"] as const) {
    let whole = "";
    await exportLedger(ledger, { format, write: (t) => void (whole += t) });
    for (const chunkChars of [1, 100, 1 << 20]) {
      const texts: string[] = [];
      await exportLedger(ledger, { format, chunkChars, write: (t) => void texts.push(t) });
      assert.equal(texts.join(""), whole, `${format} ${chunkChars}`);
      const chunks: Uint8Array[] = [];
      await exportLedger(ledger, {
        format,
        chunkChars,
        write: () => assert.fail("writeBytes was given"),
        writeBytes: (b) => void chunks.push(b.slice()),
      });
      assert.equal(chunks.map((c) => decoder.decode(c, { stream: true })).join(""), whole);
      if (chunkChars === 1) assert.ok(chunks.length >= 20, `${chunks.length} chunks`);
    }
  }
});
