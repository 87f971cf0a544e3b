/**
 * A test worker: appends note records to a ledger through the library (not the CLI, to keep
 * process start-up out of the timing) and prints "<seq> <leaf>" on stdout after each append
 * has been fsynced. It prints "ready" once the ledger is open, before the first append, so a test
 * can wait for that signal instead of guessing how long start-up takes.
 * Usage: deno run -A tests/_kit/ledger_append_worker.ts DIR KEYFILE COUNT LABEL
 * (COUNT 0 = until killed).
 */

import { loadSigningKey } from "../../lib/ledger/key_files.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";

const [dir, keyPath, countText, label] = Deno.args;
const count = Number(countText);
const key = await loadSigningKey(keyPath);
const enc = new TextEncoder();
await using ledger = await LedgerWriter.open(dir, { key });
Deno.stdout.writeSync(enc.encode("ready\n"));
for (let i = 0; count === 0 || i < count; i++) {
  const r = await ledger.append("note", { text: `${label} ${i}`, labels: { worker: label } });
  // writeSync: the line is out before the next append starts, so a kill never loses a report.
  Deno.stdout.writeSync(enc.encode(`${r.seq} ${r.leaf}\n`));
}
