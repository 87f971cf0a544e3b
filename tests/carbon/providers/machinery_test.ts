import assert from "node:assert/strict";
import { assertLessOrEqual } from "../../_kit/assert.ts";
import fc from "fast-check";
import { backoffDelayMs, parseRetryAfterMs } from "../../../lib/carbon/providers/backoff.ts";
import { TtlLruCache } from "../../../lib/carbon/providers/ttl_lru_cache.ts";
import { CoolDown, isTransient } from "../../../lib/carbon/providers/cool_down.ts";
import { batchPages, pageStarts, tidyReadings } from "../../../lib/carbon/providers/span_pages.ts";
import type { IntensityReading } from "../../../lib/carbon/provider.ts";
import { VirtualClock } from "../../../lib/base/clock.ts";

Deno.test("TtlLruCache counts a miss then a hit when a key is set and read", () => {
  const cache = new TtlLruCache<string>(new VirtualClock(), { maxEntries: 4 });
  assert.deepEqual(cache.get("a"), undefined);
  cache.set("a", "A", 1000);
  assert.deepEqual(cache.get("a"), "A");
  const s = cache.stats();
  assert.deepEqual([s.hits, s.misses, s.size, s.evictions], [1, 1, 1, 0]);
});

Deno.test("TtlLruCache expires an entry when its TTL has passed on the injected clock", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const cache = new TtlLruCache<number>(clock);
  cache.set("k", 7, 1000);
  await clock.advance(999);
  assert.deepEqual(cache.get("k"), 7);
  await clock.advance(1);
  assert.deepEqual(cache.get("k"), undefined);
  const s = cache.stats();
  assert.deepEqual([s.hits, s.misses, s.expirations, s.size], [1, 1, 1, 0]);
});

Deno.test("TtlLruCache evicts the least recently used entry when full", () => {
  const cache = new TtlLruCache<number>(new VirtualClock(), { maxEntries: 2 });
  cache.set("a", 1);
  cache.set("b", 2);
  assert.deepEqual(cache.get("a"), 1); // a is now most recent
  cache.set("c", 3); // evicts b
  assert.deepEqual(cache.get("b"), undefined);
  assert.deepEqual(cache.get("a"), 1);
  assert.deepEqual(cache.get("c"), 3);
  assert.deepEqual(cache.stats().evictions, 1);
  assert.deepEqual(cache.stats().size, 2);
});

Deno.test("TtlLruCache never holds more than maxEntries for any sequence of sets", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 8 }),
    fc.array(fc.string({ maxLength: 3 }), { maxLength: 60 }),
    (max, keys) => {
      const cache = new TtlLruCache<string>(new VirtualClock(), { maxEntries: max });
      for (const k of keys) cache.set(k, k);
      const distinct = new Set(keys).size;
      assert.deepEqual(cache.stats().size, Math.min(max, distinct));
      if (keys.length > 0) {
        assert.deepEqual(cache.get(keys[keys.length - 1]), keys[keys.length - 1]);
      }
    },
  ));
});

Deno.test("TtlLruCache rejects a maxEntries below 1", () => {
  let threw = false;
  try {
    new TtlLruCache(new VirtualClock({ sleep: "manual" }), { maxEntries: 0 });
  } catch (e) {
    threw = e instanceof RangeError;
  }
  assert.ok(threw);
});

Deno.test("backoffDelayMs stays within 0 and min(cap, base * 2^retry) for any random draw", () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 40 }),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    fc.integer({ min: 1, max: 10_000 }),
    fc.integer({ min: 1, max: 100_000 }),
    (retry, r, base, cap) => {
      const d = backoffDelayMs(retry, () => r, { baseDelayMs: base, maxDelayMs: cap });
      assert.ok(d >= 0);
      assertLessOrEqual(d, Math.min(cap, base * 2 ** retry));
    },
  ));
});

Deno.test("parseRetryAfterMs reads delta-seconds and HTTP dates, and rejects junk", () => {
  assert.deepEqual(parseRetryAfterMs("3", 0), 3000);
  assert.deepEqual(parseRetryAfterMs(" 0 ", 0), 0);
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  assert.deepEqual(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000);
  assert.deepEqual(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now), 0);
  assert.deepEqual(parseRetryAfterMs("soon", now), undefined);
  assert.deepEqual(parseRetryAfterMs("-5", now), undefined);
  assert.deepEqual(parseRetryAfterMs(null, now), undefined);
});

Deno.test("pageStarts covers the span with aligned pages and nothing outside it", () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 1, max: 5_000 }),
    fc.integer({ min: 1, max: 700 }),
    (start, len, page) => {
      const pages = pageStarts(start, start + len, page);
      assert.ok(pages.length > 0);
      assert.ok(pages[0] <= start && start < pages[0] + page);
      const last = pages[pages.length - 1];
      assert.ok(last < start + len && start + len <= last + page);
      pages.forEach((p, i) => {
        assert.deepEqual(p % page, 0);
        if (i > 0) assert.deepEqual(p - pages[i - 1], page);
      });
    },
  ));
});

Deno.test("batchPages keeps every page once, in order, in consecutive runs of at most maxPages", () => {
  fc.assert(fc.property(
    fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
    fc.integer({ min: 1, max: 10 }),
    (idx, max) => {
      const pages = [...idx].sort((a, b) => a - b).map((i) => i * 10);
      const batches = batchPages(pages, 10, max);
      assert.deepEqual(batches.flatMap((b) => b.pages), pages);
      for (const b of batches) {
        assert.ok(b.pages.length >= 1 && b.pages.length <= max);
        assert.deepEqual(b.startMs, b.pages[0]);
        assert.deepEqual(b.endMs, b.pages[b.pages.length - 1] + 10);
        assert.deepEqual(b.endMs - b.startMs, b.pages.length * 10);
      }
    },
  ));
});

function reading(startMs: number, endMs: number, measured = true): IntensityReading {
  return {
    startMs,
    endMs,
    intensityGPerKwh: 100,
    source: "t",
    dataset: "t",
    datasetVersion: "1",
    year: 2025,
    basis: "lifecycle",
    zone: "Z",
    uncertaintyPct: 10,
    measured,
  };
}

Deno.test("tidyReadings returns sorted, non-overlapping readings that all touch the span", () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 200 }))),
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 1, max: 500 }),
    (raw, start, len) => {
      const out = tidyReadings(raw.map(([s, l]) => reading(s, s + l)), start, start + len);
      for (let i = 0; i < out.length; i++) {
        assert.ok(out[i].endMs > out[i].startMs);
        assert.ok(out[i].endMs > start && out[i].startMs < start + len);
        if (i > 0) assert.ok(out[i - 1].endMs <= out[i].startMs);
      }
    },
  ));
});

Deno.test("tidyReadings prefers a measured reading over an estimate with the same start", () => {
  const out = tidyReadings([reading(0, 10, false), reading(0, 10, true)], 0, 10);
  assert.deepEqual(out.length, 1);
  assert.deepEqual(out[0].measured, true);
});

Deno.test("isTransient is true only for outages, slowness, rate limits and 5xx", () => {
  assert.deepEqual(
    [
      isTransient("timeout"),
      isTransient("network"),
      isTransient("rate_limited", 429),
      isTransient("http", 503),
      isTransient("http", 404),
      isTransient("http"),
      isTransient("auth", 401),
      isTransient("malformed"),
      isTransient("empty"),
    ],
    [true, true, true, true, false, false, false, false, false],
  );
});

Deno.test("CoolDown opens on a transient failure, closes on success and after its time", async () => {
  const clock = new VirtualClock({ sleep: "manual" });
  const breaker = new CoolDown(clock, 1000);
  breaker.record({ kind: "auth", message: "no", status: 401 });
  assert.deepEqual(breaker.blocked(), undefined);
  breaker.record({ kind: "http", message: "boom", status: 502 });
  assert.deepEqual(breaker.blocked()?.status, 502);
  await clock.advance(1000);
  assert.deepEqual(breaker.blocked(), undefined);
  breaker.record({ kind: "network", message: "refused" });
  breaker.record("ok");
  assert.deepEqual(breaker.blocked(), undefined);
});
