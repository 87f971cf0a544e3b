/** Helpers for the `run` and `report` CLI tests: a ledger with its key in a temp dir. */
import { generateSigningKey, privateKeyPem } from "../../lib/ledger/keys.ts";
import { initLedger } from "../../lib/ledger/init.ts";
import { showRecords } from "../../lib/ledger/query.ts";

/** Creates `<base>/ledger` and `<base>/ledger.key` (0600); returns their paths. */
export async function makeLedger(base: string): Promise<{ dir: string; keyPath: string }> {
  const key = generateSigningKey();
  const dir = `${base}/ledger`;
  await initLedger(dir, { origin: "carbon-ops.test/host-01", key });
  const keyPath = `${base}/ledger.key`;
  await Deno.writeTextFile(keyPath, privateKeyPem(key), { mode: 0o600 });
  await Deno.chmod(keyPath, 0o600);
  return { dir, keyPath };
}

/** Emission record bodies in the ledger, oldest first. */
export async function emissionBodies(dir: string): Promise<Record<string, unknown>[]> {
  const recs = await showRecords(dir, { tail: 10_000 });
  return recs.filter((r) => r.record.type === "emission").map((r) =>
    r.record.body as Record<string, unknown>
  );
}
