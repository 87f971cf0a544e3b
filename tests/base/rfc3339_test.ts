import assert from "node:assert/strict";
import fc from "fast-check";
import { daysFromCivil, parseRfc3339, rfc3339Ms, tryParseRfc3339 } from "../../lib/base/rfc3339.ts";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthLength = (y: number, m: number) =>
  [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

/** Epoch ms by counting days year by year and month by month (no formula shared with the parser). */
function referenceMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  offsetMin: number,
): number {
  let days = 0;
  if (y >= 1970) { for (let yy = 1970; yy < y; yy++) days += leap(yy) ? 366 : 365; }
  else for (let yy = y; yy < 1970; yy++) days -= leap(yy) ? 366 : 365;
  for (let mm = 1; mm < mo; mm++) days += monthLength(y, mm);
  days += d - 1;
  return ((((days * 24 + h) * 60 + mi) * 60 + s) * 1000 + ms) - offsetMin * 60_000;
}

const validDateTime = fc.record({
  y: fc.integer({ min: 0, max: 9999 }),
  mo: fc.integer({ min: 1, max: 12 }),
  dayPick: fc.integer({ min: 1, max: 31 }),
  h: fc.integer({ min: 0, max: 23 }),
  mi: fc.integer({ min: 0, max: 59 }),
  s: fc.integer({ min: 0, max: 59 }),
  fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
  offset: fc.option(fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), { nil: undefined }),
}).map((r) => {
  const d = Math.min(r.dayPick, monthLength(r.y, r.mo));
  const zone = r.offset === undefined
    ? "Z"
    : `${r.offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(r.offset) / 60))}:${
      pad(Math.abs(r.offset) % 60)
    }`;
  const text = `${pad(r.y, 4)}-${pad(r.mo)}-${pad(d)}T${pad(r.h)}:${pad(r.mi)}:${pad(r.s)}${
    r.fraction === undefined ? "" : `.${r.fraction}`
  }${zone}`;
  const ms = r.fraction === undefined ? 0 : Number(r.fraction.padEnd(3, "0").slice(0, 3));
  return { ...r, d, ms, text, offsetMin: r.offset ?? 0 };
});

Deno.test("every valid RFC 3339 date-time parses to the instant computed by hand and by Date.UTC", () => {
  fc.assert(
    fc.property(validDateTime, (t) => {
      const parsed = parseRfc3339(t.text);
      const expected = referenceMs(t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms, t.offsetMin);
      assert.equal(parsed.epochMs, expected, t.text);
      const utc = new Date(0);
      utc.setUTCFullYear(t.y, t.mo - 1, t.d); // Date.UTC maps years 0-99 to 1900-1999
      utc.setUTCHours(t.h, t.mi, t.s, t.ms);
      assert.equal(parsed.epochMs, utc.getTime() - t.offsetMin * 60_000, t.text);
      assert.deepEqual(
        [parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second],
        [t.y, t.mo, t.d, t.h, t.mi, t.s],
      );
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a UTC date-time written back with toISOString round-trips to the same instant", () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
      const iso = new Date(ms).toISOString();
      assert.equal(rfc3339Ms(iso), ms, iso);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("every impossible calendar date is refused, where Date.parse rolls it over", () => {
  const impossible = fc.record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    extra: fc.integer({ min: 1, max: 99 - 28 }),
  }).filter((r) => monthLength(r.y, r.mo) + r.extra <= 99)
    .map((r) => `${pad(r.y, 4)}-${pad(r.mo)}-${pad(monthLength(r.y, r.mo) + r.extra)}T00:00:00Z`);
  fc.assert(
    fc.property(impossible, (text) => {
      assert.equal(tryParseRfc3339(text), null, text);
    }),
    { numRuns: 2000 },
  );
  for (
    const text of [
      "2026-02-31T00:00:00Z",
      "2026-02-30T00:00:00.000Z",
      "2025-02-29T00:00:00Z",
      "2100-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-06-31T00:00:00Z",
      "2026-09-31T00:00:00Z",
      "2026-11-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
    ]
  ) {
    assert.throws(() => parseRfc3339(text), RangeError, text);
  }
  // The fault the review found: Date.parse silently moves these to March.
  assert.equal(
    new Date(Date.parse("2026-02-31T00:00:00Z")).toISOString(),
    "2026-03-03T00:00:00.000Z",
  );
});

Deno.test("impossible times, leap seconds, bad offsets and loose spellings are refused", () => {
  for (
    const text of [
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-12-31T23:59:60Z", // leap seconds are not accepted (epoch ms cannot hold them)
      "2026-01-01T00:00:00+24:00",
      "2026-01-01T00:00:00+01:60",
      "2026-01-01T00:00:00+0100",
      "2026-01-01T00:00Z", // seconds required
      "2026-01-01T00:00:00", // offset required
      "2026-01-01t00:00:00Z",
      "2026-01-01T00:00:00z",
      "2026-01-01 00:00:00Z",
      "2026-01-01T00:00:00.Z",
      "2026-01-01T00:00:00.1234567890Z",
      " 2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00Z ",
      "+02026-01-01T00:00:00Z",
      "2026-1-01T00:00:00Z",
      "2026-01-01",
      "",
    ]
  ) {
    assert.equal(tryParseRfc3339(text), null, JSON.stringify(text));
  }
  assert.throws(() => parseRfc3339("2026-01-01T24:00:00Z"), /hour 24 does not exist/);
  assert.throws(() => parseRfc3339("2026-12-31T23:59:60Z"), /leap seconds are not accepted/);
});

Deno.test("fractions are truncated to milliseconds and -00:00 reads as UTC", () => {
  assert.equal(rfc3339Ms("1970-01-01T00:00:00.9999Z"), 999);
  assert.equal(rfc3339Ms("1970-01-01T00:00:00.000000001Z"), 0);
  assert.equal(rfc3339Ms("1970-01-01T00:00:00-00:00"), 0);
  assert.equal(rfc3339Ms("1970-01-01T00:00:00.5-01:30"), 5_400_500);
  assert.equal(daysFromCivil(0, 1, 1), -719528);
});
