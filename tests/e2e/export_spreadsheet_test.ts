/**
 * A spreadsheet reads `ledger export --csv`: LibreOffice Calc, headless, imports the export and
 * writes it back cell for cell, and sums its co2e_g column to `ledger totals`. Needs `soffice`
 * (Debian package libreoffice-calc-nogui, installed by .ci/system_packages); ignored only when it
 * is missing.
 */
import assert from "node:assert/strict";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";
import { buildLedger, sampleEmission } from "../_kit/ledger_fixture.ts";
import { Decimal } from "../../lib/ledger/decimal.ts";
import { parseCsv } from "../../lib/ledger/export.ts";
import { showRecords } from "../../lib/ledger/query.ts";
import { LedgerWriter } from "../../lib/ledger/writer.ts";

async function findSoffice(): Promise<string | null> {
  const out = await new Deno.Command("sh", {
    args: ["-c", "command -v soffice libreoffice | head -n 1"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const path = new TextDecoder().decode(out.stdout).trim();
  return path === "" ? null : path;
}

const soffice = await findSoffice();

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

/**
 * Converts `csvPath` with Calc to CSV in `outDir` and returns the text. The import options:
 * comma, double quote, UTF-8 (76), from line 1, no "quoted field as text", no special-number
 * detection, and formulas evaluated only when `evaluate`; the export writes full-precision values
 * (not "as shown").
 */
async function calcRoundTrip(
  csvPath: string,
  outDir: string,
  profile: string,
  evaluate: boolean,
): Promise<string> {
  const out = await new Deno.Command(soffice!, {
    args: [
      `-env:UserInstallation=file://${profile}`,
      "--headless",
      "--norestore",
      `--infilter=CSV:44,34,76,1,,0,false,false,false,false,false,-1,${evaluate}`,
      "--convert-to",
      "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false",
      "--outdir",
      outDir,
      csvPath,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(240_000),
  }).output();
  const dec = new TextDecoder();
  const name = csvPath.slice(csvPath.lastIndexOf("/") + 1);
  assert.equal(out.code, 0, `soffice failed:\n${dec.decode(out.stdout)}${dec.decode(out.stderr)}`);
  return await Deno.readTextFile(`${outDir}/${name}`);
}

/** Spreadsheet column letters of a 0-based index (0 → A, 26 → AA). */
function columnLetters(index: number): string {
  let s = "";
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  }
  return s;
}

/** `d` rounded half up to `scale` fraction digits, as an integer of 10^-scale units. */
function scaled(d: Decimal, scale: number): bigint {
  if (d.scale <= scale) return d.units * 10n ** BigInt(scale - d.scale);
  const div = 10n ** BigInt(d.scale - scale);
  const sign = d.units < 0n ? -1n : 1n;
  const abs = d.units * sign;
  return sign * ((abs + div / 2n) / div);
}

Deno.test("scaled rounds half up at the given scale, so the spreadsheet comparison can fail", () => {
  assert.equal(scaled(Decimal.parse("211.662990000001"), 6), 211662990n);
  assert.equal(scaled(Decimal.parse("211.6629905"), 6), 211662991n);
  assert.equal(scaled(Decimal.parse("2"), 6), 2000000n);
  assert.notEqual(scaled(Decimal.parse("211.662989"), 6), scaled(Decimal.parse("211.66299"), 6));
  assert.equal(columnLetters(0), "A");
  assert.equal(columnLetters(40), "AO");
  assert.equal(columnLetters(26 * 27), "AAA");
});

Deno.test({
  name:
    "LibreOffice reads ledger export --csv cell for cell and sums its co2e_g column to ledger totals",
  ignore: soffice === null,
  async fn() {
    await using dir = await tempDir("carbon-ops-calc-");
    const ledger = dir.join("ledger");
    const teams = ["ml", 'web "front", end', "data\nplatform", "=1+1", "équipe €"];
    const built = await buildLedger(ledger, {
      records: 400,
      bodies: (seq) =>
        seq % 10 === 0 ? { type: "note", body: { text: `note ${seq}` } } : {
          type: "emission",
          body: sampleEmission({
            // Up to 6 fraction digits, some with trailing zeros, some whole grams.
            co2eG: seq % 7 === 0
              ? `${seq * 3}`
              : `${(seq * 7919) % 900}.${String((seq * 104729) % 1_000_000).padStart(6, "0")}`,
            energyKwh: `0.${String(seq * 37).padStart(5, "0")}`,
            month: `2026-${String(1 + (seq % 12)).padStart(2, "0")}`,
            team: teams[seq % teams.length],
          }),
        },
    });
    const [target] = await showRecords(ledger, { seq: 11 });
    {
      await using w = await LedgerWriter.open(ledger, { key: built.key });
      await w.append("correction", { supersedes: { seq: 11, leaf: target.leaf }, reason: "x" });
    }
    const csvPath = dir.join("export.csv");
    ok(await runCli(["ledger", "export", ledger, "--csv", "--out", csvPath]), "export");
    const totals = JSON.parse(ok(await runCli(["ledger", "totals", ledger, "--json"]), "t").stdout);
    const exported = parseCsv(await Deno.readTextFile(csvPath));
    const [header, ...rows] = exported;
    assert.equal(rows.length, totals.total.records);
    const profile = dir.join("profile");

    // 1. Imported with formulas off, the sheet holds every cell of the export: text as written
    //    (quotes, commas, line breaks, UTF-8, a leading '='), numbers equal as exact decimals.
    await Deno.mkdir(dir.join("plain"));
    const back = parseCsv(await calcRoundTrip(csvPath, dir.join("plain"), profile, false));
    assert.equal(back.length, exported.length);
    for (const [i, row] of exported.entries()) {
      for (const [j, cell] of row.entries()) {
        const got = back[i][j] ?? "";
        const where = `row ${i} ${header[j]}: '${cell}' read back as '${got}'`;
        if (cell !== got && Decimal.isDecimal(cell) && Decimal.isDecimal(got)) {
          assert.equal(Decimal.parse(cell).compare(Decimal.parse(got)), 0, where);
        } else assert.equal(got, cell, where);
      }
    }
    const team = header.indexOf("label.team");
    assert.ok(back.some((row) => row[team] === "=1+1"), "a label is never run as a formula");
    assert.ok(back.some((row) => row[team] === "data\nplatform"));

    // 2. The spreadsheet sums the co2e_g column: a row with =SUM(...) under it, evaluated.
    const co2e = header.indexOf("co2e_g");
    const letter = columnLetters(co2e);
    const sumCsv = dir.join("sum.csv");
    const formula = `${",".repeat(co2e)}=SUM(${letter}2:${letter}${rows.length + 1})\r\n`;
    await Deno.writeTextFile(sumCsv, (await Deno.readTextFile(csvPath)) + formula);
    await Deno.mkdir(dir.join("sum"));
    const summed = parseCsv(await calcRoundTrip(sumCsv, dir.join("sum"), profile, true));
    const sheetSum = summed[summed.length - 1][co2e];
    assert.ok(Decimal.isDecimal(sheetSum), `the sheet's sum '${sheetSum}'`);
    // Inputs have at most 6 fraction digits; the sheet sums in binary floating point, so the
    // comparison is on integers of 10^-6 g (exact while the sum is far below 2^53 µg).
    assert.equal(
      scaled(Decimal.parse(sheetSum), 6),
      scaled(Decimal.parse(totals.total.co2e_g), 6),
      `sheet ${sheetSum} vs ledger totals ${totals.total.co2e_g}`,
    );
  },
});
