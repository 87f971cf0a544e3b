// Issue 12, item 14: messages that say what the path is, the real reason, and who may act.
import assert from "node:assert/strict";
import { permissionDeniedDetails } from "../../lib/base/permission_denied.ts";
import { type CliResult, runCli } from "../_kit/run_cli.ts";
import { type NobodyWorkspace, nobodyWorkspace } from "../_kit/run_as_nobody.ts";
import { tempDir } from "../_kit/temp_dir.ts";

const NOBODY = 65534;

/**
 * Runs the CLI as a user who is not root and does not own the test files: as root (CI), through
 * `setpriv` as uid/gid 65534; otherwise as the current user, who then must not be the owner
 * either (the caller's files are chmod 000 in that case, see `denyToTestUser`).
 */
let workspace: Promise<NobodyWorkspace> | undefined;

/**
 * The CLI (main.ts with everything it loads) and a Deno binary copied where uid 65534 can read
 * them, once per file: the checkout may sit in a directory only root can enter.
 */
function mainForNobody(): Promise<NobodyWorkspace> {
  workspace ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "carbon-ops-test-nobody-cli-" });
    addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    return await nobodyWorkspace(dir, ["main.ts"]);
  })();
  return workspace;
}

async function runCliAsOther(args: string[], home: string): Promise<CliResult> {
  if (Deno.uid() !== 0) return await runCli(args);
  const ws = await mainForNobody();
  const cmd = new Deno.Command("setpriv", {
    args: [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      ws.denoPath,
      "run",
      "-A",
      "--quiet",
      ...ws.configArgs,
      ws.moduleUrl("main.ts"),
      ...args,
    ],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      DENO_DIR: `${home}/deno`,
      NO_COLOR: "1",
      CARBON_OPS_CONFIG: "",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A HOME the other user can write (its Deno cache goes there). */
async function otherHome(dir: string): Promise<string> {
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  await Deno.chmod(dir, 0o755);
  if (Deno.uid() === 0) await Deno.chown(home, NOBODY, NOBODY);
  return home;
}

async function generateKey(dir: string): Promise<string> {
  const r = await runCli(["keys", "generate", "--out", `${dir}/keys`]);
  assert.equal(r.code, 0, r.stderr);
  return `${dir}/keys/ledger.key`;
}

Deno.test("a key path that is a device or a directory is named as such, never with a chmod hint", async () => {
  await using dir = await tempDir();
  for (const [key, kind] of [["/dev/null", "a character device"], [dir.path, "a directory"]]) {
    const r = await runCli([
      "ledger",
      "init",
      dir.join("l"),
      "--origin",
      "example.org/a",
      "--key",
      key,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!r.stderr.includes("chmod"), r.stderr);
    assert.match(r.stderr, new RegExp(`key file ${key}: is ${kind}, not a key file`));
    assert.match(r.stderr, /give the path of a private key file/);
  }
});

Deno.test("ledger init with an --origin over 255 characters is a usage error with the real reason", async () => {
  await using dir = await tempDir();
  const key = await generateKey(dir.path);
  const long = "example.org/" + "h".repeat(244); // 256 characters
  const r = await runCli(["ledger", "init", dir.join("l"), "--origin", long, "--key", key]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--origin: the origin is 256 characters long; at most 255 are allowed/);
  assert.ok(!r.stderr.includes("spaces or '+'"), r.stderr);
  const spaced = await runCli(["ledger", "init", dir.join("l"), "--origin", "a b", "--key", key]);
  assert.equal(spaced.code, 2);
  assert.match(spaced.stderr, /white space at character 2/);
  const fits = await runCli([
    "ledger",
    "init",
    dir.join("l"),
    "--origin",
    long.slice(1),
    "--key",
    key,
  ]);
  assert.equal(fits.code, 0, fits.stderr);
});

Deno.test("a key file that exists but cannot be read says permission denied with owner, mode and next step", async () => {
  await using dir = await tempDir();
  const home = await otherHome(dir.path);
  const key = await generateKey(dir.path);
  await Deno.chmod(`${dir.path}/keys`, 0o755);
  if (Deno.uid() !== 0) await Deno.chmod(key, 0o000);
  const r = await runCliAsOther(
    ["ledger", "init", dir.join("l"), "--origin", "example.org/a", "--key", key],
    home,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.ok(!r.stderr.includes("not an Ed25519 PKCS#8 PEM private key"), r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `key file ${key}: cannot be read: permission denied \\(owner uid \\d+, mode 0[0-7]{3}\\); run as the owner \\(uid \\d+\\)`,
    ),
  );
});

Deno.test("permission denied on a ledger file or its directory names the owner, the mode and the next step", async () => {
  await using dir = await tempDir();
  const home = await otherHome(dir.path);
  const key = await generateKey(dir.path);
  const ledger = dir.join("l");
  assert.equal(
    (await runCli(["ledger", "init", ledger, "--origin", "example.org/a", "--key", key])).code,
    0,
  );
  // The appending user's own key, so that only the ledger is refused.
  const own = dir.join("own.key");
  await Deno.copyFile(key, own);
  await Deno.chmod(own, 0o600);
  if (Deno.uid() === 0) await Deno.chown(own, NOBODY, NOBODY);
  // Root owns the ledger and runs as uid 65534 below; a non-root runner denies itself instead.
  const root = Deno.uid() === 0;
  await Deno.chmod(ledger, root ? 0o755 : 0o555);
  const append = [
    "ledger",
    "append",
    ledger,
    "--key",
    own,
    "--type",
    "note",
    "--body",
    dir.join("body.json"),
  ];
  await Deno.writeTextFile(dir.join("body.json"), '{"text":"x"}');
  const lock = `${ledger}/ledger.lock`;
  await Deno.remove(lock).catch(() => {});
  // The directory refuses creating the lock file.
  const inDir = await runCliAsOther(append, home);
  assert.equal(inDir.code, 1, inDir.stderr);
  assert.match(
    inDir.stderr,
    new RegExp(
      `cannot open the ledger lock ${lock}: permission denied \\(directory ${ledger}: owner uid \\d+, mode 0[0-7]{3}\\)`,
    ),
  );
  assert.match(inDir.stderr, /run as the owner \(uid \d+\)/);
  // The files refuse writing.
  await Deno.chmod(ledger, 0o755);
  await Deno.writeTextFile(lock, "");
  await Deno.chmod(lock, root ? 0o644 : 0o444);
  const onFile = await runCliAsOther(append, home);
  assert.equal(onFile.code, 1, onFile.stderr);
  assert.match(
    onFile.stderr,
    new RegExp(
      `cannot open the ledger lock ${lock}: permission denied \\(owner uid \\d+, mode 0[0-7]{3}\\)`,
    ),
  );
  assert.match(
    onFile.stderr,
    /run as the owner \(uid \d+\)( or a member of its group \(gid \d+\))?/,
  );
  // The ledger file refuses appending (the lock is the appending user's).
  if (root) await Deno.chown(lock, NOBODY, NOBODY);
  else await Deno.chmod(lock, 0o644);
  const jsonl = `${ledger}/ledger.jsonl`;
  await Deno.chmod(jsonl, root ? 0o644 : 0o444);
  const onLedger = await runCliAsOther(append, home);
  assert.equal(onLedger.code, 1, onLedger.stderr);
  assert.match(
    onLedger.stderr,
    new RegExp(
      `cannot append to the ledger ${jsonl}: permission denied \\(owner uid \\d+, mode 0[0-7]{3}\\)`,
    ),
  );
  assert.match(onLedger.stderr, /run as the owner \(uid \d+\)/);
});

Deno.test("permissionDeniedDetails falls back to the nearest directory it can stat", async () => {
  await using dir = await tempDir();
  const { reason, nextStep } = permissionDeniedDetails(dir.join("missing", "file"));
  assert.match(
    reason,
    new RegExp(`^permission denied \\(directory ${dir.path}: owner uid \\d+, mode 0700\\)$`),
  );
  assert.match(nextStep, /^run as the owner/);
});

Deno.test("ledger init where the user may not list the parent directory names its owner and the next step", async () => {
  await using dir = await tempDir();
  const home = await otherHome(dir.path);
  const key = await generateKey(dir.path);
  const own = dir.join("own.key");
  await Deno.copyFile(key, own);
  await Deno.chmod(own, 0o600);
  if (Deno.uid() === 0) await Deno.chown(own, NOBODY, NOBODY);
  // Root owns the parent and runs as uid 65534 below; a non-root runner denies itself instead.
  const parent = dir.join("state");
  await Deno.mkdir(parent);
  await Deno.chmod(parent, Deno.uid() === 0 ? 0o700 : 0o300);
  const r = await runCliAsOther(
    ["ledger", "init", `${parent}/ledger`, "--origin", "example.org/a", "--key", own],
    home,
  );
  await Deno.chmod(parent, 0o755);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `cannot create the ledger in ${parent}: permission denied \\(owner uid \\d+, mode 0[0-7]{3}\\)`,
    ),
  );
  assert.match(r.stderr, /run as the owner \(uid \d+\)/);
  // the OS error is the cause, printed under the message, not the message
  assert.match(r.stderr, /^carbon-ops: error: cannot create the ledger in /);
});
