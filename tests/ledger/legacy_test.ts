import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { verifyLegacyLedger } from "../../lib/ledger/legacy/legacy.ts";
import {
  isPythonNumberLexeme,
  parsePyJson,
  pyDumps,
  pyString,
  pythonFloatRepr,
} from "../../lib/ledger/legacy/legacy_json.ts";
import {
  legacyKey,
  pythonAvailable,
  writeLegacyPython,
  writeLegacyTs,
} from "../_kit/legacy_writer.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const enc = new TextEncoder();
const KEY = legacyKey(7);
const OTHER = legacyKey(9);

/** Payloads that exercise every Python byte rule in section 7b. */
const PAYLOADS = [
  '{"timestamp": "2025-03-01T12:00:00+00:00", "operation": "train", "carbon_emissions_gco2": 420.0, ' +
  '"energy_consumed_kwh": 1e-05, "region": "Z\\u00fcrich", ' +
  '"labels": {"team": "\\u6771\\u4eac", "emoji": "\\ud83d\\ude00\\ud83c\\udf0d", "clef": "\\ud834\\udd1e"}}',
  '{"x": 1.5e-07, "y": 1.2345678901234568e+20, "z": -0.0, "n": 12345678901234567890, "nan": NaN, ' +
  '"inf": Infinity, "ninf": -Infinity, "ctrl": "a\\u0001b\\u007f/\\\\\\"\\n\\t\\r\\b\\f", ' +
  '"keys": {"\\uffff": 1, "\\ud83d\\ude00": 2, "a": 3, "Z": 4, "\\u00e9": 5}}',
  '{"empty": {}, "list": [1, 2.5, [], {"k": null}], "t": true, "f": false, "big": 1e+16, "small": 0.0001}',
  '{"operation": "infer", "carbon_emissions_gco2": 0.1, "energy_consumed_kwh": 100.0}',
];

const ledger = () => writeLegacyTs(PAYLOADS, { priv: KEY.priv });
const verify = (text: string | Uint8Array, pub = KEY.pubHex) =>
  verifyLegacyLedger(typeof text === "string" ? enc.encode(text) : text, { publicKeyHex: pub });

function lines(text: string): string[] {
  return text.split("\n").slice(0, -1);
}

function expectProblem(text: string | Uint8Array, code: string, line: number): void {
  const r = verify(text);
  assert.equal(r.ok, false, `expected ${code} at line ${line}`);
  assert.equal(r.problem?.code, code, r.problem?.message);
  assert.equal(r.problem?.line, line);
  assert.equal(r.verifiedEntries, line - 1);
}

Deno.test("legacy json pythonFloatRepr matches Python repr for the documented forms", () => {
  const cases: [number, string][] = [
    [420, "420.0"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [1.2345678901234568e20, "1.2345678901234568e+20"],
    [-0, "-0.0"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [9999999999999998, "9999999999999998.0"],
    [0.1, "0.1"],
    [1e100, "1e+100"],
    [5e-324, "5e-324"],
    [123.456, "123.456"],
  ];
  for (const [x, repr] of cases) assert.equal(pythonFloatRepr(x), repr, String(x));
  for (const ok of ["0", "-12", "12345678901234567890", "420.0", "1e-05", "NaN", "-Infinity"]) {
    assert.ok(isPythonNumberLexeme(ok), ok);
  }
  for (const bad of ["-0", "420.00", "1E-05", "0.00001", "1e-5", "1.0e-05", "1e16", "01"]) {
    assert.ok(!isPythonNumberLexeme(bad), bad);
  }
});

Deno.test("legacy json pyString escapes like json.encoder for both ensure_ascii settings", () => {
  const s = 'é😀/\u0001\u007f"\\\n\r\t\b\f\u2028';
  assert.equal(
    pyString(s, true),
    '"\\u00e9\\ud83d\\ude00/\\u0001\\u007f\\"\\\\\\n\\r\\t\\b\\f\\u2028"',
  );
  assert.equal(pyString(s, false), '"é😀/\\u0001\u007f\\"\\\\\\n\\r\\t\\b\\f\u2028"');
});

Deno.test("legacy json sort_keys orders by code point, not UTF-16 units", () => {
  const r = parsePyJson('{"\\uffff": 1, "\\ud83d\\ude00": 2, "a": 3}');
  assert.ok(r.ok);
  // U+FFFF < U+1F600 by code point; JavaScript's default sort would put the emoji first.
  assert.equal(
    pyDumps(r.value, { sortKeys: true, compact: true }),
    '{"a":3,"\\uffff":1,"\\ud83d\\ude00":2}',
  );
});

Deno.test("legacy json parse errors are values with offsets, and duplicates are refused", () => {
  for (const bad of ['{"a": 1, "a": 2}', '{"a" 1}', "[1, 2", '"\\x"', "{} x", "nul"]) {
    const r = parsePyJson(bad);
    assert.equal(r.ok, false, bad);
  }
  const dup = parsePyJson('{"a": 1, "a": 2}');
  assert.ok(!dup.ok && /duplicate/.test(dup.reason));
});

Deno.test("legacy verify accepts a ledger written with every byte rule", () => {
  const text = ledger();
  assert.ok([...text].every((c) => c.charCodeAt(0) < 0x80), "legacy lines are pure ASCII");
  assert.ok(text.includes("420.0") && text.includes("1e-05") && text.includes("\\ud83d\\ude00"));
  const r = verify(text);
  assert.equal(r.problem, undefined);
  assert.ok(r.ok);
  assert.equal(r.verifiedEntries, PAYLOADS.length);
  const first = lines(text)[0];
  assert.equal(r.entries[0].lineSha256, createHash("sha256").update(first).digest("hex"));
  assert.ok(!first.includes("prev_hash"));
  assert.ok(lines(text)[1].includes(`"prev_hash": "${r.entries[0].chainHash}"`));
  assert.equal(r.headChainHash, r.entries.at(-1)!.chainHash);
});

Deno.test("legacy verify matches real Python json.dumps and cryptography byte for byte", {
  ignore: !(await pythonAvailable()),
}, async () => {
  await using dir = await tempDir();
  const py = await writeLegacyPython(PAYLOADS, {
    seedHex: KEY.seedHex,
    path: dir.join("l.ndjson"),
  });
  // Ed25519 is deterministic: the TypeScript writer must produce the same bytes as Python.
  assert.equal(new TextDecoder().decode(py), ledger());
  const r = verify(py);
  assert.ok(r.ok, r.problem?.message);
  assert.equal(r.verifiedEntries, PAYLOADS.length);
});

Deno.test("legacy verify reports every tamper case at the right line without throwing", () => {
  const good = ledger();
  const ls = lines(good);
  const join = (xs: string[]) => xs.join("\n") + "\n";
  const edit = (i: number, f: (l: string) => string) => join(ls.map((l, j) => j === i ? f(l) : l));
  expectProblem(edit(0, (l) => l.replace("420.0", "421.0")), "BAD_SIGNATURE", 1);
  expectProblem(edit(0, (l) => l.replace("420.0", "420")), "BAD_SIGNATURE", 1);
  expectProblem(edit(0, (l) => l.replace("1e-05", "0.00001")), "NON_CANONICAL_NUMBER", 1);
  expectProblem(edit(0, (l) => l.replace("1e-05", "1E-05")), "NON_CANONICAL_NUMBER", 1);
  expectProblem(edit(1, (l) => l.replace('"x": ', '"x":')), "NON_CANONICAL", 2);
  expectProblem(edit(0, (l) => l.replace("Z\\u00fcrich", "Zürich")), "NON_CANONICAL", 1);
  expectProblem(edit(0, (l) => l.replace("\\u00fc", "\\u00FC")), "NON_CANONICAL", 1);
  expectProblem(edit(1, (l) => l.replace("/", "\\/")), "NON_CANONICAL", 2);
  // One CR before LF is a CRLF line ending (accepted, flagged); any other whitespace is not.
  expectProblem(edit(2, (l) => l + " "), "NON_CANONICAL", 3);
  expectProblem(edit(2, (l) => l + "\r\r"), "NON_CANONICAL", 3);
  expectProblem(edit(2, (l) => " " + l), "NON_CANONICAL", 3);
  expectProblem("\ufeff" + good, "MALFORMED_JSON", 1);
  expectProblem(join([ls[0], " x", ...ls.slice(1)]), "MALFORMED_JSON", 2);
  expectProblem(good.slice(0, -5), "TORN_LINE", 4);
  expectProblem(join(ls.slice(1)), "UNEXPECTED_PREV_HASH", 1);
  expectProblem(join([ls[0], ls[2], ls[3]]), "CHAIN_BROKEN", 2);
  expectProblem(join([ls[0], ls[2], ls[1], ls[3]]), "CHAIN_BROKEN", 2);
  expectProblem(join([ls[0], ls[1], ls[1], ls[2], ls[3]]), "CHAIN_BROKEN", 3);
  expectProblem(edit(3, (l) => l.replace('"ed25519"', '"ed448"')), "UNSUPPORTED_ALGORITHM", 4);
  expectProblem(
    edit(
      3,
      (l) =>
        l.replace(/"signature": "([0-9a-f]+)"/, (_m, s) => `"signature": "${s.toUpperCase()}"`),
    ),
    "BAD_LAYOUT",
    4,
  );
  expectProblem(
    edit(2, (l) => l.replace(/"signature": "[0-9a-f]{2}/, '"signature": "')),
    "BAD_LAYOUT",
    3,
  );
  expectProblem(
    edit(1, (l) => l.replace(/("signature": "[0-9a-f]+"), ("signing_key": "[0-9a-f]+")/, "$2, $1")),
    "BAD_LAYOUT",
    2,
  );
  // Deleting the last entry cannot be seen without an anchor: the head and count change.
  const cut = verify(join(ls.slice(0, 3)));
  assert.ok(
    cut.ok && cut.verifiedEntries === 3 && cut.headChainHash !== verify(good).headChainHash,
  );
  // Invalid UTF-8 and an empty file.
  const bytes = enc.encode(good);
  const broken = new Uint8Array([
    ...bytes.subarray(0, ls[0].length + 1),
    0xff,
    ...bytes.subarray(ls[0].length + 1),
  ]);
  expectProblem(broken, "INVALID_UTF8", 2);
  const empty = verify("");
  assert.equal(empty.problem?.code, "EMPTY_LEDGER");
  assert.equal(verify(good, "zz").problem?.code, "BAD_PUBLIC_KEY");
});

Deno.test("legacy verify rejects foreign keys, re-signing, dropped prev_hash and malleable signatures", () => {
  // The attacker re-signs everything with their own key and embeds it: the pinned key refuses.
  const forged = writeLegacyTs(PAYLOADS, { priv: OTHER.priv });
  expectProblem(forged, "FOREIGN_KEY", 1);
  // The attacker signs with their key but names the pinned key: the signature fails.
  expectProblem(
    writeLegacyTs(PAYLOADS, { priv: OTHER.priv, pubHex: KEY.pubHex }),
    "BAD_SIGNATURE",
    1,
  );
  // 0.1's defect: a damaged head made the next append drop prev_hash; it is signed but unlinked.
  expectProblem(
    writeLegacyTs(PAYLOADS, { priv: KEY.priv, prevOverride: (i) => i === 2 ? "omit" : undefined }),
    "MISSING_PREV_HASH",
    3,
  );
  expectProblem(
    writeLegacyTs(PAYLOADS, {
      priv: KEY.priv,
      prevOverride: (i) => i === 1 ? "0".repeat(64) : undefined,
    }),
    "CHAIN_BROKEN",
    2,
  );
  // Edited value re-signed by the legitimate key breaks the next link.
  const edited = [...PAYLOADS];
  edited[1] = edited[1].replace("1.5e-07", "2.5e-07");
  const mixed = lines(ledger());
  mixed[1] = lines(writeLegacyTs(edited, { priv: KEY.priv }))[1];
  expectProblem(mixed.join("\n") + "\n", "CHAIN_BROKEN", 3);
  // S + L is the same signature in malleable form: rejected.
  const ls = lines(ledger());
  const sigHex = /"signature": "([0-9a-f]{128})"/.exec(ls[0])![1];
  const sig = Buffer.from(sigHex, "hex");
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += (1n << 252n) + 27742317777372353535851937790883648493n;
  for (let i = 32; i < 64; i++, s >>= 8n) sig[i] = Number(s & 0xffn);
  ls[0] = ls[0].replace(sigHex, sig.toString("hex"));
  expectProblem(ls.join("\n") + "\n", "BAD_SIGNATURE", 1);
  // A lone surrogate cannot be signed by Python 0.1.
  const lone = writeLegacyTs(['{"a": "x"}'], { priv: KEY.priv }).replace('"x"', '"\\ud800"');
  expectProblem(lone, "UNSIGNABLE", 1);
});

Deno.test("legacy verify never accepts a ledger with any bit flipped or any byte deleted", () => {
  const small = enc.encode(
    writeLegacyTs([PAYLOADS[3], '{"a": 1e-05}', '{"b": "\\u00e9"}'], { priv: KEY.priv }),
  );
  assert.ok(verify(small).ok);
  for (let i = 0; i < small.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const m = small.slice();
      m[i] ^= 1 << bit;
      assert.ok(!verify(m).ok, `bit ${bit} of byte ${i} flipped was accepted`);
    }
    const d = new Uint8Array([...small.subarray(0, i), ...small.subarray(i + 1)]);
    assert.ok(!verify(d).ok, `byte ${i} deleted was accepted`);
  }
});

Deno.test("legacy verify round-trips random payloads written by the TypeScript writer", () => {
  const leaf = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => pyString(s, true)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(pythonFloatRepr),
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
    fc.constantFrom("true", "false", "null", "NaN", "Infinity"),
  );
  const payload = fc.dictionary(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).filter((k) =>
      !["prev_hash", "signature", "signing_key", "signature_algorithm"].includes(k)
    ),
    leaf,
    { maxKeys: 6 },
  )
    .map((d) =>
      "{" + Object.entries(d).map(([k, v]) => `${pyString(k, true)}: ${v}`).join(", ") + "}"
    );
  fc.assert(
    fc.property(fc.array(payload, { minLength: 1, maxLength: 4 }), (ps) => {
      const r = verify(writeLegacyTs(ps, { priv: KEY.priv }));
      assert.ok(r.ok, r.problem?.message);
    }),
    { numRuns: 60 },
  );
});
