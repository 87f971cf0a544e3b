/**
 * docs/auditor-guide.md followed as written: its `sh` blocks are taken from the markdown, grouped
 * by their `## N.` section, and run with bash (`-euo pipefail`, as tests/e2e/docs_snippets_test.ts
 * runs them) in a scratch directory with the installed `carbon-ops` on PATH. Besides the guide's
 * own ledger, each step is run on ledgers an auditor must not be fooled by: records carrying
 * labels named `sig` and `prev`, a deleted record, an edited figure and a gap in `seq` (every
 * signature and `prev` link still holding), and each step's verdict (exit code and the line it
 * prints) is checked.
 *
 * The tools are the ones the guide names: OpenSSL, Python 3, `sha256sum` and Go with
 * golang.org/x/mod (.ci/system_packages installs them); without them the tests are ignored.
 */
import assert from "node:assert/strict";
import { sharedInstall } from "../_kit/installed_command.ts";
import { REPO_ROOT } from "../_kit/run_cli.ts";
import { resign } from "../_kit/ledger_tamper.ts";
import { type TempDir, tempDir } from "../_kit/temp_dir.ts";
import { loadSigningKey } from "../../lib/ledger/key_files.ts";
import { leafHash } from "../../lib/ledger/merkle.ts";
import { toHex } from "../../lib/ledger/encoding.ts";

const GUIDE = `${REPO_ROOT}docs/auditor-guide.md`;
const ORIGIN = "example.org/host-01";

async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const available = await runs("openssl", ["version"]) && await runs("python3", ["--version"]) &&
  await runs("go", ["version"]) &&
  await Deno.stat("/usr/share/gocode/src/golang.org/x/mod/sumdb/note").then(
    () => true,
    () => false,
  );
const IGNORED = available
  ? ""
  : " (ignored: needs openssl, python3, go and golang-golang-x-mod-dev)";

/** The guide's `sh` blocks by section number (`## 0.` ... `## 5.`), in document order. */
function guideSteps(markdown: string): Map<number, string[]> {
  const steps = new Map<number, string[]>();
  let section = -1;
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (\d+)\./.exec(lines[i]);
    if (heading) {
      section = Number(heading[1]);
      continue;
    }
    if (!/^```sh\s*$/.test(lines[i])) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    steps.set(section, [...steps.get(section) ?? [], body.join("\n") + "\n"]);
  }
  return steps;
}

interface BlockRun {
  readonly code: number;
  readonly text: string;
}

/** The guide, with a runner for its blocks in one scratch directory. */
class Auditor {
  readonly steps: Map<number, string[]>;

  constructor(readonly dir: TempDir, readonly bin: string, markdown: string) {
    this.steps = guideSteps(markdown);
    for (const n of [0, 1, 2, 3, 4, 5]) {
      assert.ok((this.steps.get(n) ?? []).length > 0, `the guide has no sh block in step ${n}`);
    }
  }

  static async open(dir: TempDir): Promise<Auditor> {
    return new Auditor(dir, await sharedInstall(), await Deno.readTextFile(GUIDE));
  }

  /** Block `index` of step `step` (optionally rewritten by `edit`), run with bash. */
  async run(step: number, index = 0, edit: (code: string) => string = (c) => c): Promise<BlockRun> {
    const code = edit(this.steps.get(step)![index]);
    const out = await new Deno.Command("bash", {
      args: ["-euo", "pipefail", "-c", code],
      cwd: this.dir.path,
      env: {
        PATH: `${this.bin}:${Deno.env.get("PATH")}`,
        HOME: Deno.env.get("HOME") ?? "/tmp",
        NO_COLOR: "1",
        CARBON_OPS_CONFIG: "",
        DOCS_TMP: this.dir.path,
        REPO_ROOT,
      },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000),
    }).output();
    const dec = new TextDecoder();
    return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
  }

  /** Runs a block and asserts its exit code (`0`, or `"fails"` for any non-zero code). */
  async expect(
    step: number,
    index: number,
    want: 0 | "fails",
    output?: RegExp,
  ): Promise<BlockRun> {
    const r = await this.run(step, index);
    const where = `step ${step} block ${index + 1}`;
    if (want === 0) assert.equal(r.code, 0, `${where} should pass:\n${r.text}`);
    else assert.notEqual(r.code, 0, `${where} should fail:\n${r.text}`);
    if (output) assert.match(r.text, output, `${where} output`);
    return r;
  }

  /** The ledger's lines (no newlines). */
  async lines(): Promise<string[]> {
    return (await Deno.readTextFile(this.dir.join("led/ledger.jsonl"))).split("\n").slice(0, -1);
  }

  async writeLines(lines: readonly string[]): Promise<void> {
    await Deno.writeTextFile(
      this.dir.join("led/ledger.jsonl"),
      lines.map((l) => l + "\n").join(""),
    );
  }
}

/** Counts `Signature Verified Successfully` in OpenSSL's output. */
function verifiedCount(text: string): number {
  return text.match(/Signature Verified Successfully/g)?.length ?? 0;
}

/**
 * Step 0's setup with two more labels on each emission record: `sig=forged`, and `prev=` the
 * leaf hash of the line before the last one, i.e. what the `prev` of the record after the next
 * one would be if the next one were deleted.
 */
function withTrapLabels(code: string): string {
  assert.ok(code.includes("--label team=ml"), "step 0 no longer labels its records team=ml");
  const prevLabel = `prev_label() {
  n=$(wc -l < led/ledger.jsonl)
  if [ "$n" -lt 2 ]; then echo none; return; fi
  { printf '\\000'; sed -n "$((n - 1))p" led/ledger.jsonl | tr -d '\\n'; } | sha256sum | cut -d' ' -f1
}
`;
  return prevLabel +
    code.replaceAll(
      "--label team=ml",
      `--label team=ml --label sig=forged --label "prev=$(prev_label)"`,
    );
}

async function checkRecordLabels(auditor: Auditor): Promise<void> {
  const lines = await auditor.lines();
  assert.equal(lines.length, 4);
  const labels = JSON.parse(lines[2]).body.labels;
  assert.equal(labels.sig, "forged");
  assert.equal(labels.prev, toHex(leafHash(new TextEncoder().encode(lines[0]))));
}

Deno.test({
  name: `docs/auditor-guide.md: every step passes on the ledger its own setup writes${IGNORED}`,
  ignore: !available,
  async fn() {
    await using dir = await tempDir("carbon-ops-auditor-");
    const auditor = await Auditor.open(dir);
    await auditor.expect(0, 0, 0);
    const sig = await auditor.expect(1, 0, 0);
    assert.equal(verifiedCount(sig.text), 4, sig.text);
    for (let i = 1; i < auditor.steps.get(1)!.length; i++) await auditor.expect(1, i, 0);
    await auditor.expect(2, 0, 0, /chain intact over 4 records/);
    await auditor.expect(3, 0, 0, /4 records, root matches/);
    await auditor.expect(4, 0, 0, new RegExp(`checkpoint signed by ${ORIGIN}`));
    for (let i = 0; i < auditor.steps.get(5)!.length; i++) await auditor.expect(5, i, 0);
  },
});

Deno.test({
  name:
    `docs/auditor-guide.md: steps 1 and 2 read the record's own sig and prev when labels are named sig and prev${IGNORED}`,
  ignore: !available,
  async fn() {
    await using dir = await tempDir("carbon-ops-auditor-");
    const auditor = await Auditor.open(dir);
    const setup = await auditor.run(0, 0, withTrapLabels);
    assert.equal(setup.code, 0, setup.text);
    await checkRecordLabels(auditor);
    const sig = await auditor.expect(1, 0, 0);
    assert.equal(verifiedCount(sig.text), 4, sig.text);
    for (let i = 1; i < auditor.steps.get(1)!.length; i++) await auditor.expect(1, i, 0);
    await auditor.expect(2, 0, 0, /chain intact over 4 records/);
    await auditor.expect(3, 0, 0, /4 records, root matches/);
    await auditor.expect(4, 0, 0, new RegExp(`checkpoint signed by ${ORIGIN}`));
    await auditor.expect(5, 0, 0, /status: VALID/);
  },
});

Deno.test({
  name:
    `docs/auditor-guide.md: a deleted record breaks the chain in step 2 even when the next record carries a label prev${IGNORED}`,
  ignore: !available,
  async fn() {
    await using dir = await tempDir("carbon-ops-auditor-");
    const auditor = await Auditor.open(dir);
    const setup = await auditor.run(0, 0, withTrapLabels);
    assert.equal(setup.code, 0, setup.text);
    await checkRecordLabels(auditor);
    const lines = await auditor.lines();
    await auditor.writeLines([lines[0], lines[1], lines[3]]);
    // Line 3 now names seq 3 and carries a label "prev" equal to the hash of line 2: the chain
    // check must read the record's own prev (and seq), not the first text that looks like it.
    await auditor.expect(2, 0, "fails", /chain broken at line 3: prev is not the hash of line 2/);
    // Every remaining record is still exactly what the key holder signed.
    const sig = await auditor.expect(1, 0, 0);
    assert.equal(verifiedCount(sig.text), 3, sig.text);
    await auditor.expect(3, 0, "fails", /DOES NOT MATCH/);
    // The checkpoint received earlier is still a valid signature over the original ledger.
    await auditor.expect(4, 0, 0, new RegExp(`checkpoint signed by ${ORIGIN}`));
    await auditor.expect(5, 0, "fails", /status: INVALID[\s\S]*PREV_MISMATCH/);
  },
});

Deno.test({
  name:
    `docs/auditor-guide.md: after an edited figure steps 1, 2 and 3 fail and step 4 passes, as the guide says${IGNORED}`,
  ignore: !available,
  async fn() {
    await using dir = await tempDir("carbon-ops-auditor-");
    const auditor = await Auditor.open(dir);
    await auditor.expect(0, 0, 0);
    const lines = await auditor.lines();
    const edited = lines[1].replace('"energy_kwh":"0.5"', '"energy_kwh":"0.05"');
    assert.notEqual(edited, lines[1]);
    await auditor.writeLines([lines[0], edited, ...lines.slice(2)]);
    const sig = await auditor.expect(1, 0, "fails");
    assert.equal(verifiedCount(sig.text), 1, `only line 1 verifies before line 2:\n${sig.text}`);
    await auditor.expect(2, 0, "fails", /chain broken at line 3/);
    await auditor.expect(3, 0, "fails", /DOES NOT MATCH/);
    await auditor.expect(4, 0, 0, new RegExp(`checkpoint signed by ${ORIGIN}`));
    await auditor.expect(5, 0, "fails", /status: INVALID[\s\S]*BAD_SIGNATURE/);
    const text = await Deno.readTextFile(GUIDE);
    assert.match(text, /step 4 still passes/i, "the guide says the checkpoint check still passes");
    assert.doesNotMatch(text, /every independent check above fails/);
  },
});

Deno.test({
  name:
    `docs/auditor-guide.md: step 2 reports a gap in seq even when every signature and prev link holds${IGNORED}`,
  ignore: !available,
  async fn() {
    await using dir = await tempDir("carbon-ops-auditor-");
    const auditor = await Auditor.open(dir);
    await auditor.expect(0, 0, 0);
    const key = await loadSigningKey(dir.join("keys/host.key"));
    const lines = await auditor.lines();
    const skipped = resign(lines[2], key, (r) => {
      r.seq = 7;
    });
    const next = resign(lines[3], key, (r) => {
      r.prev = toHex(leafHash(new TextEncoder().encode(skipped)));
    });
    await auditor.writeLines([lines[0], lines[1], skipped, next]);
    const sig = await auditor.expect(1, 0, 0);
    assert.equal(verifiedCount(sig.text), 4, sig.text);
    await auditor.expect(2, 0, "fails", /chain broken at line 3: seq 7/);
    await auditor.expect(5, 0, "fails", /SEQ_MISMATCH/);
  },
});
