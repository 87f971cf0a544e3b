import assert from "node:assert/strict";
import {
  bucketStart,
  bucketUnitFor,
  renderCumulativeChart,
  renderStackedChart,
} from "../../lib/report/date_chart.ts";
import { ReportAggregator } from "../../lib/report/report_aggregate.ts";
import { reportBody } from "../_kit/report_fixture.ts";

function days(n: number, spanDays: number) {
  const agg = new ReportAggregator();
  for (let i = 0; i < n; i++) {
    agg.add({ seq: i + 1, type: "emission", body: reportBody(i, n, spanDays) });
  }
  return agg.finish().days;
}

const ticks = (svg: string) => [...svg.matchAll(/class="x-tick"[^>]*>([^<]+)</g)].map((m) => m[1]);

Deno.test("date charts label the x axis with dates, in buckets chosen by the span", () => {
  for (
    const [span, unit, pattern] of [
      [20, "day", /^\d{4}-\d{2}-\d{2}$/],
      [365, "week", /^\d{4}-\d{2}-\d{2}$/],
      [3 * 365, "month", /^\d{4}-\d{2}$/],
    ] as const
  ) {
    const svg = renderStackedChart(days(600, span), { stackBy: "label:team" });
    const labels = ticks(svg);
    assert.ok(labels.length >= 3 && labels.length <= 8, `${unit}: ${labels}`);
    for (const l of labels) assert.match(l, pattern);
    assert.ok(labels.every((l, i) => i === 0 || l > labels[i - 1]), "dates ascend");
    assert.match(svg, new RegExp(`${unit === "day" ? "daily" : `${unit}ly`} buckets`));
    assert.equal(bucketUnitFor(span), unit);
  }
});

Deno.test("stacked chart stacks each bucket's groups and folds small groups into other", () => {
  const svg = renderStackedChart(days(300, 20), { stackBy: "label:project", maxGroups: 3 });
  const groups = new Set([...svg.matchAll(/class="bar" data-group="([^"]+)"/g)].map((m) => m[1]));
  assert.equal(groups.size, 3);
  assert.ok(groups.has("other"));
  // 20 days in daily buckets: at most 20 bars per group.
  const bars = (svg.match(/class="bar" data-group="other"/g) ?? []).length;
  assert.ok(bars > 0 && bars <= 20, `${bars}`);
});

Deno.test("cumulative chart ends at the total with a band around it", () => {
  const ds = days(100, 40);
  const svg = renderCumulativeChart(ds);
  const last = ds[ds.length - 1].cumulative;
  assert.ok(last.lowerG < last.centralG && last.centralG < last.upperG);
  assert.match(svg, /<polygon class="band"/);
  assert.match(svg, /total at the end of each day: /);
  assert.match(renderCumulativeChart([]), /no data/);
});

Deno.test("weeks start on Monday and months on the first", () => {
  const thu = Date.UTC(2026, 0, 1) / 86_400_000; // Thursday
  assert.equal(new Date(bucketStart(thu, "week") * 86_400_000).getUTCDay(), 1);
  assert.equal(bucketStart(thu + 40, "month"), Date.UTC(2026, 1, 1) / 86_400_000);
});
