import assert from "node:assert/strict";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildReportLedger } from "../_kit/report_fixture.ts";

/** The page without the time it was generated (the only part that differs between runs). */
const page = async (path: string) =>
  (await Deno.readTextFile(path)).replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, "(now)");

Deno.test("ledger report --trust verifies beside the pass and writes the same page for every --jobs", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 500);
  const trust = dir.join("trust.json");
  const pages: string[] = [];
  for (const jobs of [[], ["--jobs", "1"], ["--jobs", "3"]]) {
    const html = dir.join(`r${jobs.join("")}.html`);
    const r = await runCli([
      "ledger",
      "report",
      dir.path,
      "--html",
      html,
      "--trust",
      trust,
      ...jobs,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /500 emission records, verdict valid/);
    pages.push(await page(html));
  }
  assert.equal(pages[1], pages[0], "--jobs 1 and the default (one per core) agree");
  assert.equal(pages[2], pages[0], "--jobs 3 agrees");
  assert.match(pages[0], /data-status="valid">Verification: VALID \(exit code 0\): 501 records/);
  assert.match(
    pages[0],
    /read from exactly the 501 verified lines: Merkle root <code>[A-Za-z0-9+/=]{44}<\/code>/,
  );
});

Deno.test("ledger report --trust on a tampered ledger writes the page with the verdict not valid", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 30);
  const path = dir.join("ledger.jsonl");
  await Deno.writeTextFile(
    path,
    (await Deno.readTextFile(path)).replace('"co2e_g":"', '"co2e_g":"9'),
  );
  const html = dir.join("r.html");
  const r = await runCli([
    "ledger",
    "report",
    dir.path,
    "--html",
    html,
    "--trust",
    dir.join("trust.json"),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /verdict invalid/);
  const text = await Deno.readTextFile(html);
  assert.match(
    text,
    /class="verdict bad" data-status="invalid">Verification: INVALID \(exit code 1\)/,
  );
  assert.match(text, /BAD_SIGNATURE at seq 1/);
});

Deno.test("ledger report refuses --jobs outside 1..1024 with exit 2", async () => {
  await using dir = await tempDir();
  await buildReportLedger(dir.path, 2);
  for (const jobs of ["0", "1025", "two"]) {
    const r = await runCli([
      "ledger",
      "report",
      dir.path,
      "--html",
      dir.join("r.html"),
      "--jobs",
      jobs,
    ]);
    assert.equal(r.code, 2, jobs);
    assert.match(r.stderr, /--jobs (must be|expects a decimal integer) >= 1 and <= 1024, got/);
  }
});
