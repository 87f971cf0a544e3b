import assert from "node:assert/strict";
import fc from "fast-check";
import {
  generateSigningKey,
  initLedger,
  LedgerWriter,
  type SigningKey,
} from "../../lib/ledger/mod.ts";
import { parseTrustFile, TrustFileError, trustFileText } from "../../lib/ledger/trust.ts";
import { TRUST_FILE_FIELDS } from "../../lib/ledger/trust_fields.ts";
import { witnessVkey } from "../../lib/ledger/witness.ts";
import { runCli } from "../_kit/run_cli.ts";
import { tempDir } from "../_kit/temp_dir.ts";

type Json = Record<string, unknown>;

/** A valid trust file using every level: two keys, two witnesses, one compromised key. */
function fullTrustJson(): Json {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const base = JSON.parse(trustFileText({
    origin: "example.org/trust",
    keys: [
      { key: a, role: "both", seqFrom: 0, seqTo: 9 },
      { key: b, role: "records", seqFrom: 10, seqTo: null },
    ],
  })) as Json;
  return {
    ...base,
    witnesses: [
      { vkey: witnessVkey("witness.example/w1", generateSigningKey()), comment: "first" },
      { vkey: witnessVkey("witness.example/w2", generateSigningKey()) },
    ],
    witness_quorum: 1,
    compromised: [{ kid: a.kid, after_seq: 4, reason: "laptop stolen" }],
  };
}

function refusal(json: Json): TrustFileError {
  try {
    parseTrustFile(JSON.stringify(json));
  } catch (err) {
    if (err instanceof TrustFileError) return err;
    throw err;
  }
  assert.fail("the trust file was accepted");
}

Deno.test("a valid trust file using every level parses", () => {
  const trust = parseTrustFile(JSON.stringify(fullTrustJson()));
  assert.equal(trust.keys.length, 2);
  assert.equal(trust.witnesses.length, 2);
  assert.equal(trust.witnessQuorum, 1);
  assert.equal(trust.compromised[0].afterSeq, 4);
});

Deno.test("a misspelled top-level 'compromized' is refused and 'compromised' suggested", () => {
  const json = fullTrustJson();
  const { compromised, ...rest } = json;
  const err = refusal({ ...rest, compromized: compromised });
  assert.match(err.message, /unknown field 'compromized'/);
  assert.match(err.message, /did you mean compromised\?/);
});

Deno.test("a misspelled top-level 'witness_quorom' is refused and 'witness_quorum' suggested", () => {
  const json = fullTrustJson();
  const { witness_quorum, ...rest } = json;
  const err = refusal({ ...rest, witness_quorom: witness_quorum });
  assert.match(err.message, /unknown field 'witness_quorom'/);
  assert.match(err.message, /did you mean witness_quorum\?/);
});

Deno.test("unknown fields in keys, witnesses and compromised entries are refused with their path", () => {
  const cases: [string, (json: Json) => void, RegExp][] = [
    ["keys[1].rol", (j) => {
      const keys = j.keys as Json[];
      const { role, ...rest } = keys[1];
      keys[1] = { ...rest, rol: role };
    }, /did you mean role\?/],
    ["witnesses[0].coment", (j) => {
      const w = (j.witnesses as Json[])[0];
      w.coment = w.comment;
      delete w.comment;
    }, /did you mean comment\?/],
    ["compromised[0].afterseq", (j) => {
      const c = (j.compromised as Json[])[0];
      c.afterseq = c.after_seq;
      delete c.after_seq;
    }, /did you mean after_seq\?/],
    ["keys[0].Seq_To", (j) => {
      const k = (j.keys as Json[])[0];
      k.Seq_To = k.seq_to;
      delete k.seq_to;
    }, /did you mean seq_to\?/],
  ];
  for (const [path, mutate, hint] of cases) {
    const json = fullTrustJson();
    mutate(json);
    const err = refusal(json);
    assert.ok(err.message.includes(`unknown field '${path}'`), `${path}: ${err.message}`);
    assert.match(err.message, hint, path);
  }
});

Deno.test("an unknown field with no close known field lists the known fields of its level", () => {
  const json = fullTrustJson();
  (json.keys as Json[])[0].xyzzy_plugh = true;
  const err = refusal(json);
  assert.match(err.message, /unknown field 'keys\[0\]\.xyzzy_plugh'/);
  assert.match(err.message, /known fields there: kid, public_key, role, seq_from, seq_to, comment/);
});

Deno.test("property: any extra key added at any level of a valid trust file is refused", () => {
  const base = fullTrustJson();
  const levels = ["top", "keys", "witnesses", "compromised"] as const;
  const extra = fc.record({
    level: fc.constantFrom(...levels),
    index: fc.nat({ max: 1 }),
    name: fc.oneof(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.constantFrom("__proto__", "constructor", "toString", "Role", "KEYS", "v ", ""),
    ),
    value: fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant([])),
  }).filter(({ level, name }) => !TRUST_FILE_FIELDS[level].includes(name));
  fc.assert(
    fc.property(extra, ({ level, index, name, value }) => {
      const json = structuredClone(base);
      let path = name;
      if (level === "top") json[name] = value;
      else {
        const entries = json[level] as Json[];
        const i = Math.min(index, entries.length - 1);
        entries[i] = { ...entries[i], [name]: value };
        path = `${level}[${i}].${name}`;
      }
      const err = refusal(json);
      assert.ok(err.message.includes(`unknown field '${path}'`), err.message);
    }),
    { numRuns: 300 },
  );
});

async function ledgerWithCompromisedKey(
  root: string,
): Promise<{ dir: string; key: SigningKey; trust: Json }> {
  const dir = `${root}/ledger`;
  const key = generateSigningKey();
  const { trustText } = await initLedger(dir, { origin: "example.org/strict", key });
  await using w = await LedgerWriter.open(dir, { key });
  await w.append("note", { text: "written after the laptop was stolen" });
  return { dir, key, trust: JSON.parse(trustText) as Json };
}

Deno.test("ledger verify exits 2 with the path and suggestion for a misspelled 'compromized'", async () => {
  await using tmp = await tempDir();
  const { dir, key, trust } = await ledgerWithCompromisedKey(tmp.path);
  const compromised = [{ kid: key.kid, after_seq: 0, reason: "laptop stolen" }];

  const right = tmp.join("right.json");
  await Deno.writeTextFile(right, JSON.stringify({ ...trust, compromised }));
  const rejected = await runCli(["ledger", "verify", dir, "--trust", right, "--json"]);
  assert.equal(rejected.code, 4, rejected.stdout + rejected.stderr);
  assert.match(rejected.stdout, /KEY_COMPROMISED/);

  // Before the fix this trust file was accepted and the ledger verified with exit 0.
  const typo = tmp.join("typo.json");
  await Deno.writeTextFile(typo, JSON.stringify({ ...trust, compromized: compromised }));
  const refused = await runCli(["ledger", "verify", dir, "--trust", typo]);
  assert.equal(refused.code, 2, refused.stdout + refused.stderr);
  assert.equal(refused.stdout, "");
  assert.ok(refused.stderr.includes(`--trust ${typo}`), refused.stderr);
  assert.match(refused.stderr, /unknown field 'compromized' \(did you mean compromised\?\)/);
});

Deno.test("ledger verify exits 2 for a misspelled 'witness_quorom' and a nested 'keys[0].rol'", async () => {
  await using tmp = await tempDir();
  const { dir, trust } = await ledgerWithCompromisedKey(tmp.path);
  const quorum = tmp.join("quorum.json");
  await Deno.writeTextFile(quorum, JSON.stringify({ ...trust, witness_quorom: 1 }));
  const q = await runCli(["ledger", "verify", dir, "--trust", quorum]);
  assert.equal(q.code, 2, q.stderr);
  assert.match(q.stderr, /unknown field 'witness_quorom' \(did you mean witness_quorum\?\)/);

  const [key] = trust.keys as Json[];
  const { role, ...rest } = key;
  const nested = tmp.join("nested.json");
  await Deno.writeTextFile(nested, JSON.stringify({ ...trust, keys: [{ ...rest, rol: role }] }));
  const n = await runCli(["ledger", "verify", dir, "--trust", nested]);
  assert.equal(n.code, 2, n.stderr);
  assert.match(n.stderr, /unknown field 'keys\[0\]\.rol' \(did you mean role\?\)/);
});
