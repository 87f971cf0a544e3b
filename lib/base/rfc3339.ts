/**
 * The one strict RFC 3339 date-time parser of the program. Every timestamp carbon-ops reads (ledger
 * records, CLI `--start/--end`, estimator inputs, provider responses, schema `format: date-time`)
 * goes through `parseRfc3339`, so `2026-02-31`, `24:00:00` or a missing offset are refused
 * everywhere instead of being rolled over to another instant by `Date.parse`.
 *
 * Grammar (RFC 3339 section 5.6 `date-time`, with the choices below):
 *
 * ```text
 * date-time = YYYY "-" MM "-" DD "T" hh ":" mm ":" ss [ "." 1*9DIGIT ] ( "Z" / ( "+" / "-" ) hh ":" mm )
 * ```
 *
 * - `T` and `Z` must be upper case; a space instead of `T` is refused (one spelling per instant).
 * - Seconds are required. The fraction has 1 to 9 digits and is truncated to whole milliseconds.
 * - Month 01-12, day 01 to the month's length (Gregorian leap years), hour 00-23, minute 00-59,
 *   second 00-59: leap seconds (`:60`) are refused, since epoch milliseconds (POSIX time) cannot
 *   represent them. Offsets are -23:59 to +23:59; `-00:00` (offset unknown) is read as UTC.
 *
 * @module
 */

/**
 * A parsed date-time: the instant and the fields as written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRfc3339, type Rfc3339Time } from "./rfc3339.ts";
 * const t: Rfc3339Time = parseRfc3339("2025-01-01T01:00:00.5+01:00");
 * assert.equal(t.epochMs, Date.UTC(2025, 0, 1, 0, 0, 0, 500));
 * assert.equal(t.offsetMinutes, 60);
 * assert.equal(t.fraction, "5");
 * ```
 */
export interface Rfc3339Time {
  /** The instant, in milliseconds since 1970-01-01T00:00:00Z (fraction truncated to ms). */
  readonly epochMs: number;
  /** Year as written (0-9999). */
  readonly year: number;
  /** Month as written (1-12). */
  readonly month: number;
  /** Day of the month as written (1-31). */
  readonly day: number;
  /** Hour as written (0-23). */
  readonly hour: number;
  /** Minute as written (0-59). */
  readonly minute: number;
  /** Second as written (0-59). */
  readonly second: number;
  /** Fraction digits as written, without the dot ("" when absent). */
  readonly fraction: string;
  /** The UTC offset in minutes (0 for `Z`). */
  readonly offsetMinutes: number;
  /** True when the zone was written `Z`. */
  readonly zulu: boolean;
}

const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const EXAMPLE = "2025-01-31T12:00:00Z or 2025-01-31T13:00:00.250+01:00";

/**
 * True for Gregorian leap years.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLeapYear } from "./rfc3339.ts";
 * assert.deepEqual([1900, 2000, 2024, 2025].map(isLeapYear), [false, true, true, false]);
 * ```
 */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Days in `month` (1-12) of `year`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { daysInMonth } from "./rfc3339.ts";
 * assert.deepEqual([daysInMonth(2024, 2), daysInMonth(2025, 2), daysInMonth(2025, 4)], [29, 28, 30]);
 * ```
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to the given civil date (proleptic Gregorian), by integer arithmetic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { daysFromCivil } from "./rfc3339.ts";
 * assert.equal(daysFromCivil(1970, 1, 1), 0);
 * assert.equal(daysFromCivil(2000, 3, 1), 11017);
 * assert.equal(daysFromCivil(1969, 12, 31), -1);
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil: years start in March so the leap day is last.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function refuse(text: string, why: string): never {
  throw new RangeError(
    `${JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}...` : text)} is not an RFC 3339 ` +
      `date-time: ${why}; write it like ${EXAMPLE}`,
  );
}

/**
 * Parses an RFC 3339 date-time strictly (see the module doc for the exact grammar). Throws a
 * `RangeError` that says what is wrong (shape, impossible date or time, offset) and shows a valid
 * example.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRfc3339 } from "./rfc3339.ts";
 * assert.equal(parseRfc3339("2026-01-01T00:00:00.000Z").epochMs, Date.UTC(2026, 0, 1));
 * assert.throws(() => parseRfc3339("2026-02-31T00:00:00Z"), /February 2026 has 28 days/);
 * assert.throws(() => parseRfc3339("2026-01-01T24:00:00Z"), /hour 24/);
 * assert.throws(() => parseRfc3339("2026-01-01T00:00Z"), /not an RFC 3339 date-time/);
 * ```
 */
export function parseRfc3339(text: string): Rfc3339Time {
  if (typeof text !== "string") refuse(String(text), "not a string");
  const m = SHAPE.exec(text);
  if (!m) {
    return refuse(
      text,
      "expected YYYY-MM-DDThh:mm:ss[.fraction] followed by Z or +hh:mm/-hh:mm " +
        "(upper-case T and Z, seconds and offset required)",
    );
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const fraction = m[7] ?? "";
  if (month < 1 || month > 12) refuse(text, `month ${m[2]} does not exist (01-12)`);
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays) {
    refuse(text, `day ${m[3]} does not exist: ${MONTHS[month - 1]} ${m[1]} has ${monthDays} days`);
  }
  if (hour > 23) refuse(text, `hour ${m[4]} does not exist (00-23; write the next day's 00)`);
  if (minute > 59) refuse(text, `minute ${m[5]} does not exist (00-59)`);
  if (second > 59) {
    refuse(text, `second ${m[6]} does not exist (00-59; leap seconds are not accepted)`);
  }
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) refuse(text, `offset ${m[9]}${m[10]}:${m[11]} is out of range`);
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const ms = fraction === "" ? 0 : Number(fraction.padEnd(3, "0").slice(0, 3));
  const epochMs = daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 +
    minute * 60_000 + second * 1000 + ms - offsetMinutes * 60_000;
  return {
    epochMs,
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction,
    offsetMinutes,
    zulu: m[8] !== undefined,
  };
}

/**
 * Like `parseRfc3339`, but returns null instead of throwing (for validators that report many
 * problems at once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tryParseRfc3339 } from "./rfc3339.ts";
 * assert.equal(tryParseRfc3339("2025-02-29T00:00:00Z"), null);
 * assert.equal(tryParseRfc3339("2024-02-29T00:00:00Z")?.epochMs, Date.UTC(2024, 1, 29));
 * ```
 */
export function tryParseRfc3339(text: string): Rfc3339Time | null {
  try {
    return parseRfc3339(text);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/**
 * The epoch milliseconds of an RFC 3339 date-time (strict; throws `RangeError` like
 * `parseRfc3339`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rfc3339Ms } from "./rfc3339.ts";
 * assert.equal(rfc3339Ms("1970-01-01T00:00:01Z"), 1000);
 * assert.throws(() => rfc3339Ms("2025-02-30T00:00:00Z"), RangeError);
 * ```
 */
export function rfc3339Ms(text: string): number {
  return parseRfc3339(text).epochMs;
}
