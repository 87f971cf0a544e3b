import assert from "node:assert/strict";
import { escapeXml, renderLineChart } from "../../lib/report/svg_chart.ts";

Deno.test("svg chart draws one path per series with legend names escaped", () => {
  const svg = renderLineChart([
    { name: "truth <J>", points: [[0, 0], [10, 100]] },
    { name: "scraper", points: [[0, 0], [10, 40]], dashed: true },
  ], { title: "a & b", id: "energy" });
  assert.equal((svg.match(/<path class="series"/g) ?? []).length, 2);
  assert.match(svg, /data-name="truth &lt;J&gt;"/);
  assert.match(svg, /id="energy"/);
  assert.match(svg, />a &amp; b</);
  assert.match(svg, /stroke-dasharray/);
  assert.ok(svg.endsWith("</svg>"));
});

Deno.test("svg chart maps the largest y above the smallest on the page", () => {
  const svg = renderLineChart([{ name: "s", points: [[0, 0], [1, 50], [2, 100]] }]);
  const d = /class="series" data-name="s" d="([^"]+)"/.exec(svg)![1];
  const ys = [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  assert.ok(ys[0] > ys[1] && ys[1] > ys[2], `y pixels decrease as values grow: ${ys}`);
});

Deno.test("svg chart shades an interval band when given", () => {
  const svg = renderLineChart([{ name: "g", points: [[0, 5], [1, 6]], band: [[4, 6], [5, 7]] }]);
  assert.match(svg, /<polygon class="band" points="[^"]+"/);
});

Deno.test("svg chart says no data instead of failing when empty", () => {
  assert.match(renderLineChart([]), /no data/);
});

Deno.test("escapeXml escapes all five XML specials", () => {
  assert.equal(
    escapeXml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("svg chart draws 200,000 points without overflowing the stack (issue 16)", () => {
  const points = Array.from({ length: 200_000 }, (_, i) => [i, i % 7] as const);
  const band = points.map(([, y]) => [y - 1, y + 1] as const);
  const svg = renderLineChart([{ name: "many", points, band }]);
  assert.match(svg, /<polygon class="band"/);
  assert.ok(svg.endsWith("</svg>"));
});
