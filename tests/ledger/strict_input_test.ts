/**
 * Issue 12, items 4, 10 and 11: impossible timestamps in records, ledger files that are not
 * regular files or not readable, and record lines over the size limit.
 */
import assert from "node:assert/strict";
import { tempDir } from "../_kit/temp_dir.ts";
import { runCli } from "../_kit/run_cli.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { nobodyWorkspace, runDenoScriptAsNobody } from "../_kit/run_as_nobody.ts";
import { verifyLedger } from "../../lib/ledger/verify.ts";
import { checkBody } from "../../lib/ledger/record_types.ts";
import { decodeRecordLine, signRecord } from "../../lib/ledger/record.ts";
import { leafHash } from "../../lib/ledger/merkle.ts";
import { toHex } from "../../lib/ledger/encoding.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";
import { LedgerError } from "../../lib/ledger/ledger_error.ts";
import { trustFileText } from "../../lib/ledger/trust.ts";
import { type LineStreamStats, MAX_RECORD_BYTES, readLines } from "../../lib/ledger/line_stream.ts";

const MIB = 1024 * 1024;

Deno.test("an emission whose activity period starts on 2026-02-31 fails verification instead of becoming March 3", async () => {
  await using dir = await tempDir();
  const body = {
    ...sampleEmission(),
    activity_period: { start: "2026-02-31T00:00:00Z", end: "2026-03-05T00:00:00Z" },
  };
  const built = await buildLedger(dir.path, {
    records: 1,
    bodies: () => ({ type: "emission", body }),
  });
  const report = await verifyLedger(dir.path, { trust: built.trust });
  assert.equal(report.status, "invalid");
  assert.deepEqual(report.errors.map((e) => [e.code, e.seq]), [["BODY_INVALID", 1]]);
  assert.match(
    report.errors[0].message,
    /activity_period\/start: must be a real RFC 3339 date-time/,
  );
  assert.match(report.errors[0].message, /February 2026 has 28 days/);
});

Deno.test("hour 24, minute 60 and Feb 29 of a common year are refused in every record timestamp field", () => {
  const period = (start: string) => ({
    ...sampleEmission(),
    activity_period: { start, end: "2026-12-31T00:00:00Z" },
  });
  for (const bad of ["2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z", "2025-02-29T00:00:00Z"]) {
    assert.ok(checkBody("emission", period(bad)).length > 0, bad);
  }
  assert.deepEqual(checkBody("emission", period("2024-02-29T00:00:00Z")), []);
  const genesis = {
    origin: "example.org/h",
    created: "2026-01-01T24:00:00.000Z",
    software: { name: "carbon-ops", version: "0.3.0" },
    key: { kid: "0".repeat(64), spki: "AAAA", verifier_key: "x" },
  };
  assert.match(
    checkBody("genesis", genesis).join(),
    /\/created: must be a real RFC 3339 date-time/,
  );
  assert.deepEqual(checkBody("genesis", { ...genesis, created: "2026-01-01T23:00:00.000Z" }), []);
});

Deno.test("a record whose ts is 24:00:00 or February 30 is RECORD_INVALID", async () => {
  const { generateSigningKey } = await import("../../lib/ledger/keys.ts");
  const key = generateSigningKey();
  for (const ts of ["2026-01-01T24:00:00.000Z", "2026-02-30T00:00:00.000Z"]) {
    const r = signRecord(
      { seq: 0, ts, type: "note", body: { text: "x" }, prev: "0".repeat(64) },
      key,
    );
    assert.throws(() => decodeRecordLine(r.lineBytes), { code: "RECORD_INVALID" });
  }
});

async function ledgerWithFile(dir: string): Promise<{ trust: string; ledger: string }> {
  const built = await buildLedger(`${dir}/l`, { records: 2 });
  const trust = `${dir}/trust.json`;
  await Deno.writeTextFile(trust, trustFileText(built.trust));
  return { trust, ledger: `${dir}/l` };
}

Deno.test("ledger verify of a FIFO ledger.jsonl returns LEDGER_NOT_REGULAR in text and JSON instead of blocking", async () => {
  await using dir = await tempDir();
  const { trust, ledger } = await ledgerWithFile(dir.path);
  await Deno.remove(`${ledger}/ledger.jsonl`);
  const made = await new Deno.Command("mkfifo", { args: [`${ledger}/ledger.jsonl`] }).output();
  assert.ok(made.success, "mkfifo failed");
  assert.ok((await Deno.stat(`${ledger}/ledger.jsonl`)).isFifo);
  // The timeout is only a safety net (the old code blocks in open(2) forever); the assertion is
  // on the verdict, not on time.
  const json = await runCli(["ledger", "verify", ledger, "--trust", trust, "--json"], {
    timeoutMs: 120_000,
  });
  assert.equal(json.code, 1, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.status, "invalid");
  assert.equal(report.errors[0].code, "LEDGER_NOT_REGULAR");
  assert.match(report.errors[0].message, /is a FIFO \(named pipe\), not a regular file/);
  const text = await runCli(["ledger", "verify", ledger, "--trust", trust], { timeoutMs: 120_000 });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /error LEDGER_NOT_REGULAR.*FIFO/);
  // A fleet run reads the genesis record first: it must not block either.
  const fleet = await runCli(["ledger", "verify", ledger, ledger, "--trust", trust], {
    timeoutMs: 120_000,
  });
  assert.equal(fleet.code, 1);
  assert.match(fleet.stdout, /FIFO/);
});

Deno.test("ledger verify of a directory named ledger.jsonl is LEDGER_NOT_REGULAR, and append refuses it", async () => {
  await using dir = await tempDir();
  const { trust, ledger } = await ledgerWithFile(dir.path);
  await Deno.remove(`${ledger}/ledger.jsonl`);
  await Deno.mkdir(`${ledger}/ledger.jsonl`);
  const json = await runCli(["ledger", "verify", ledger, "--trust", trust, "--json"]);
  assert.equal(json.code, 1, json.stderr);
  assert.equal(JSON.parse(json.stdout).errors[0].code, "LEDGER_NOT_REGULAR");
  assert.match(JSON.parse(json.stdout).errors[0].message, /is a directory/);
  const { generateSigningKey } = await import("../../lib/ledger/keys.ts");
  await assert.rejects(
    LedgerWriter.open(ledger, { key: generateSigningKey() }),
    (e) =>
      e instanceof LedgerError && e.code === "NOT_A_LEDGER" && /is a directory/.test(e.message),
  );
});

Deno.test("ledger verify of a ledger only root may read is LEDGER_UNREADABLE with owner, mode and a hint, in text and JSON", async () => {
  await using dir = await tempDir();
  await Deno.chmod(dir.path, 0o755);
  const { trust, ledger } = await ledgerWithFile(dir.path);
  await Deno.chmod(ledger, 0o755);
  await Deno.chmod(trust, 0o644);
  await Deno.chmod(`${ledger}/ledger.jsonl`, 0o600);
  // The `ledger verify` command itself (main.ts needs npm packages nobody cannot resolve here).
  const command = "lib/cli/commands/ledger_verify.ts";
  const workspace = await nobodyWorkspace(dir.path, [command, "lib/cli/sinks.ts"]);
  const script = dir.join("verify_as_nobody.ts");
  await Deno.writeTextFile(
    script,
    `import { ledgerVerifyCommand } from ${JSON.stringify(workspace.moduleUrl(command))};
import { bufferSink } from ${JSON.stringify(workspace.moduleUrl("lib/cli/sinks.ts"))};
const stdout = bufferSink(), stderr = bufferSink();
const fail = () => { throw new Error("no config in this test"); };
const code = await ledgerVerifyCommand.run({
  argv: Deno.args, stdout, stderr, env: {}, debug: false, loadConfig: fail, reloadConfig: fail,
});
console.log(JSON.stringify({ code, stdout: stdout.text(), stderr: stderr.text() }));`,
  );
  await Deno.chmod(script, 0o644);
  const run = async (json: boolean) => {
    const out = await runDenoScriptAsNobody(script, workspace, [
      ledger,
      "--trust",
      trust,
      ...(json ? ["--json"] : []),
    ]);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    return JSON.parse(new TextDecoder().decode(out.stdout)) as {
      code: number;
      stdout: string;
      stderr: string;
    };
  };
  const json = await run(true);
  assert.equal(json.code, 1, json.stderr);
  assert.ok(json.stdout.length > 0, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.equal(report.errors[0].code, "LEDGER_UNREADABLE");
  assert.match(report.errors[0].message, /permission denied \(owner uid 0, mode 0600\)/);
  assert.match(report.errors[0].message, /run as the owner \(uid 0\) instead of uid 65534/);
  const text = await run(false);
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /error LEDGER_UNREADABLE.*permission denied/);
  // Not a side effect of the workspace: the same verify as root is valid.
  const asRoot = await runCli(["ledger", "verify", ledger, "--trust", trust, "--json"]);
  assert.equal(JSON.parse(asRoot.stdout).status, "valid");
});

Deno.test("a 50 MiB line verifies as RECORD_TOO_LARGE at its seq and the chain after it is still checked", async () => {
  await using dir = await tempDir();
  const built = await buildLedger(dir.path, { records: 1 });
  const huge = new Uint8Array(50 * MIB).fill(0x78);
  const file = await Deno.open(`${dir.path}/ledger.jsonl`, { append: true });
  await file.write(huge);
  await file.write(new Uint8Array([0x0a]));
  // A record after it, chained to the huge line's leaf: no PREV_MISMATCH may follow.
  const next = signRecord(
    {
      seq: 3,
      ts: "2026-01-01T00:00:10.000Z",
      type: "note",
      body: { text: "after" },
      prev: toHex(leafHash(huge)),
    },
    built.key,
  );
  await file.write(new TextEncoder().encode(`${next.line}\n`));
  file.close();
  const report = await verifyLedger(dir.path, { trust: built.trust });
  assert.equal(report.status, "invalid");
  assert.equal(report.entries, 4);
  assert.deepEqual(report.errors.map((e) => [e.code, e.seq, e.line]), [["RECORD_TOO_LARGE", 2, 3]]);
  assert.match(report.errors[0].message, /52428800 bytes, over the 1048576-byte record limit/);
});

async function framingWork(path: string, lineBytes: number): Promise<LineStreamStats> {
  await Deno.writeFile(path, new Uint8Array(lineBytes).fill(0x61));
  await Deno.writeFile(path, new TextEncoder().encode("\n{}\n"), { append: true });
  const stats: LineStreamStats = { chunks: 0, bytesScanned: 0, bytesCopied: 0 };
  const lines = [];
  for await (const l of readLines(path, { maxLineBytes: MAX_RECORD_BYTES, stats })) {
    lines.push([l.index, l.oversize?.length ?? l.bytes.length, l.terminated]);
  }
  assert.deepEqual(lines, [[0, lineBytes, true], [1, 2, true]]);
  return stats;
}

Deno.test("line framing is linear: a 40 MiB line costs 4 times the work of a 10 MiB line and never buffers past the limit", async () => {
  await using dir = await tempDir();
  const small = await framingWork(dir.join("a"), 10 * MIB);
  const large = await framingWork(dir.join("b"), 40 * MIB);
  // Each byte is scanned once.
  assert.equal(small.bytesScanned, 10 * MIB + 4);
  assert.equal(large.bytesScanned, 40 * MIB + 4);
  assert.ok(large.chunks <= 4 * small.chunks + 1, `${large.chunks} vs ${small.chunks}`);
  // Bytes held for the line stay under the limit whatever the line length (the old code
  // re-copied the whole carried line for every 1 MiB chunk: about n^2 / 2 MiB bytes).
  assert.ok(small.bytesCopied <= MAX_RECORD_BYTES, String(small.bytesCopied));
  assert.ok(large.bytesCopied <= MAX_RECORD_BYTES, String(large.bytesCopied));
});

Deno.test("lines that span chunks come back intact and each byte is copied at most twice", async () => {
  await using dir = await tempDir();
  const path = dir.join("l");
  const lines = Array.from({ length: 50 }, (_, i) => "y".repeat((i * 7919) % 3000));
  await Deno.writeTextFile(path, lines.join("\n") + "\ntail");
  const stats: LineStreamStats = { chunks: 0, bytesScanned: 0, bytesCopied: 0 };
  const seen: string[] = [];
  for await (const l of readLines(path, { chunkBytes: 256, stats, maxLineBytes: 2048 })) {
    seen.push(l.oversize ? `#${l.oversize.length}` : new TextDecoder().decode(l.bytes));
  }
  assert.deepEqual(
    seen,
    [...lines, "tail"].map((s) => (s.length > 2048 ? `#${s.length}` : s)),
  );
  assert.ok(stats.bytesCopied <= 2 * stats.bytesScanned);
});

Deno.test("append refuses a record over the 1 MiB limit before writing anything", async () => {
  await using dir = await tempDir();
  const built = await buildLedger(dir.path, { records: 1 });
  const before = await Deno.readFile(`${dir.path}/ledger.jsonl`);
  await using writer = await LedgerWriter.open(dir.path, { key: built.key });
  // Label names have no length rule of their own; 64 of 20,000 characters make a 1.2 MiB record.
  const labels = Object.fromEntries(
    Array.from({ length: 64 }, (_, i) => [`${i}`.padStart(20_000, "k"), "v"]),
  );
  await assert.rejects(
    writer.append("note", { text: "big", labels }),
    (e) =>
      e instanceof LedgerError && e.code === "BODY_INVALID" &&
      /over the 1048576-byte record limit; nothing was written/.test(e.message),
  );
  assert.deepEqual(await Deno.readFile(`${dir.path}/ledger.jsonl`), before);
  const ok = await writer.append("note", { text: "small" });
  assert.equal(ok.seq, 2);
});

Deno.test("estimate --start 2025-02-30 is a usage error, not March 2", async () => {
  const out = await runCli([
    "estimate",
    "--energy-wh",
    "10",
    "--start",
    "2025-02-30T00:00:00Z",
    "--duration",
    "3600",
    "--json",
  ]);
  assert.equal(out.code, 2, out.stdout);
  assert.match(out.stderr, /February 2025 has 28 days/);
  const end = await runCli([
    "estimate",
    "--energy-wh",
    "10",
    "--start",
    "2025-02-28T00:00:00Z",
    "--end",
    "2025-02-28T24:00:00Z",
  ]);
  assert.equal(end.code, 2, end.stdout);
  assert.match(end.stderr, /hour 24 does not exist/);
});
