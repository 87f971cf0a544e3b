import assert from "node:assert/strict";
import { dirname } from "node:path";
import {
  openFileReplacement,
  parentDir,
  replaceFileAtomic,
  syncDir,
  writeFileDurable,
} from "../../lib/base/durable_file.ts";
import { seededRandom } from "../../lib/base/prng.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("replaceFileAtomic writes the content with the requested mode and leaves no temp file", async () => {
  await using dir = await tempDir();
  const path = dir.join("state.json");
  await replaceFileAtomic(path, '{"v":1}\n', { mode: 0o640 });
  assert.equal(await Deno.readTextFile(path), '{"v":1}\n');
  assert.equal(await modeOf(path), 0o640);
  await replaceFileAtomic(path, new Uint8Array([1, 2, 3]), { mode: 0o600 });
  assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
  assert.equal(await modeOf(path), 0o600);
  assert.deepEqual(names(dir.path), ["state.json"]);
});

Deno.test("replaceFileAtomic defaults to mode 0644 whatever the umask", async () => {
  await using dir = await tempDir();
  const path = dir.join("report.html");
  const old = Deno.umask(0o077);
  try {
    await replaceFileAtomic(path, "<p>x</p>\n");
  } finally {
    Deno.umask(old);
  }
  assert.equal(await modeOf(path), 0o644);
});

Deno.test("replaceFileAtomic keeps the old content and removes its temp file when the rename fails", async () => {
  await using dir = await tempDir();
  // A non-empty directory cannot be replaced by a file: the rename fails after the temp is written.
  const path = dir.join("target");
  await Deno.mkdir(path);
  await Deno.writeTextFile(`${path}/old.txt`, "old\n");
  await assert.rejects(replaceFileAtomic(path, "new\n"), Deno.errors.IsADirectory);
  assert.deepEqual(names(dir.path), ["target"]);
  assert.equal(await Deno.readTextFile(`${path}/old.txt`), "old\n");
});

Deno.test("replaceFileAtomic keeps the old content and removes its temp file when a write fails", async () => {
  await using dir = await tempDir();
  const path = dir.join("state.json");
  await Deno.writeTextFile(path, "old\n");
  // A real write error: the child may write at most 1 KiB per file (RLIMIT_FSIZE) and ignores
  // SIGXFSZ, so writing 64 KiB fails with EFBIG after the temp file was created.
  const script = `
    import { replaceFileAtomic } from ${
    JSON.stringify(import.meta.resolve("../../lib/base/durable_file.ts"))
  };
    try {
      await replaceFileAtomic(Deno.args[0], "x".repeat(65536));
      console.log("written");
    } catch (err) {
      console.log("failed: " + err.name);
    }
  `;
  const out = await new Deno.Command("sh", {
    args: ["-c", `trap '' XFSZ; ulimit -f 1; exec "$0" run -A - "$1"`, Deno.execPath(), path],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const result = await out.output();
  const stdout = new TextDecoder().decode(result.stdout).trim();
  assert.match(stdout, /^failed: /, new TextDecoder().decode(result.stderr));
  assert.equal(await Deno.readTextFile(path), "old\n");
  assert.deepEqual(names(dir.path), ["state.json"]);
});

Deno.test("replaceFileAtomic fails without touching anything when the directory does not exist", async () => {
  await using dir = await tempDir();
  await assert.rejects(replaceFileAtomic(dir.join("missing", "s.json"), "x"), Deno.errors.NotFound);
  assert.deepEqual(names(dir.path), []);
});

Deno.test("writeFileDurable with createNew refuses an existing file and leaves it unchanged", async () => {
  await using dir = await tempDir();
  const path = dir.join("key.pem");
  await writeFileDurable(path, "secret\n", { mode: 0o600, createNew: true });
  assert.equal(await modeOf(path), 0o600);
  await assert.rejects(
    writeFileDurable(path, "other\n", { createNew: true }),
    Deno.errors.AlreadyExists,
  );
  assert.equal(await Deno.readTextFile(path), "secret\n");
  await syncDir(dir.path);
});

/** A directory path in one spelling: repeated slashes as one, no trailing slash but the root's. */
const sameDir = (path: string) => {
  const collapsed = path.replace(/\/+/g, "/");
  return collapsed.length > 1 ? collapsed.replace(/\/$/, "") : collapsed;
};

Deno.test("parentDir names the same directory as node:path dirname on 20,000 random paths", () => {
  const random = seededRandom(18);
  const pieces = ["/", "/", "a", "b.json", ".", "..", "ledger", " "];
  for (let i = 0; i < 20_000; i++) {
    let path = "";
    const n = Math.floor(random() * 9);
    for (let j = 0; j < n; j++) path += pieces[Math.floor(random() * pieces.length)];
    assert.equal(sameDir(parentDir(path)), sameDir(dirname(path)), `path ${JSON.stringify(path)}`);
  }
});

Deno.test("parentDir keeps the root and the current directory", () => {
  assert.equal(parentDir("/"), "/");
  assert.equal(parentDir("//x"), "/");
  assert.equal(parentDir(""), ".");
  assert.equal(parentDir("x/"), ".");
  assert.equal(parentDir("a//b//"), "a");
});

Deno.test("a file replacement written in pieces appears whole at commit, with its mode, after background syncs", async () => {
  await using dir = await tempDir();
  const path = dir.join("export.csv");
  await Deno.writeTextFile(path, "old\n");
  const out = await openFileReplacement(path, { mode: 0o640, syncEveryBytes: 1000 });
  const piece = new TextEncoder().encode("x".repeat(299) + "\n");
  for (let i = 0; i < 40; i++) {
    await out.write(piece);
    // Until the commit, readers see the old content.
    if (i === 20) assert.equal(await Deno.readTextFile(path), "old\n");
  }
  await out.commit();
  assert.equal(await Deno.readTextFile(path), ("x".repeat(299) + "\n").repeat(40));
  assert.equal(await modeOf(path), 0o640);
  assert.deepEqual(names(dir.path), ["export.csv"]);
  // 12,000 bytes with a sync every 1,000 at most one at a time: some ran, not more than 12.
  assert.ok(out.backgroundSyncs >= 1 && out.backgroundSyncs <= 12, `${out.backgroundSyncs} syncs`);
  await assert.rejects(out.write(piece), /already committed or aborted/);
});

Deno.test("an aborted file replacement leaves the old file and no temporary file", async () => {
  await using dir = await tempDir();
  const path = dir.join("report.html");
  await Deno.writeTextFile(path, "old");
  const out = await openFileReplacement(path, { syncEveryBytes: 1 });
  await out.write(new TextEncoder().encode("new, but not finished"));
  await out.abort();
  await out.abort();
  assert.equal(await Deno.readTextFile(path), "old");
  assert.deepEqual(names(dir.path), ["report.html"]);
});

Deno.test("a file replacement whose rename fails removes its temporary file and rethrows", async () => {
  await using dir = await tempDir();
  // The target is a non-empty directory: rename(2) over it fails.
  const path = dir.join("target");
  await Deno.mkdir(path);
  await Deno.writeTextFile(`${path}/keep`, "k");
  const out = await openFileReplacement(path);
  await out.write(new TextEncoder().encode("data"));
  await assert.rejects(out.commit());
  assert.deepEqual(names(dir.path), ["target"]);
  assert.equal(await Deno.readTextFile(`${path}/keep`), "k");
});
