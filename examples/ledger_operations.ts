/**
 * Ledger operations with the library: generate a key, create a ledger, append an emission
 * record made by the estimator, verify, checkpoint, then tamper with a copy and catch it.
 *
 *   deno run -A examples/ledger_operations.ts [DIR]
 *
 * @module
 */
// deno-lint-ignore-file no-console
import {
  CarbonEstimator,
  generateSigningKey,
  initLedger,
  LedgerWriter,
  type RecordBody,
  verifyLedger,
  writeCheckpoint,
} from "../mod.ts";

const dir = Deno.args[0] ?? await Deno.makeTempDir({ prefix: "carbon-ops-ledger-" });
const key = generateSigningKey();

// 1. A new ledger: genesis record, trust file for auditors, first checkpoint.
const { trust } = await initLedger(dir, { origin: "example.org/host-01", key });
console.log(`1. created ledger in ${dir}`);

// 2. Estimate one hour of a 250 W job in France and append it as an emission record.
const estimate = await new CarbonEstimator({ region: "FR" }).estimateOverSpan({
  startTs: "2026-01-05T09:00:00Z",
  endTs: "2026-01-05T10:00:00Z",
  powerWatts: 250,
});
const body = estimate.toLedgerBody({
  reportingEntity: "Example Ltd",
  place: { host: "host-01" },
  labels: { job: "nightly-training" },
});
{
  await using ledger = await LedgerWriter.open(dir, { key });
  const appended = await ledger.append("emission", body as RecordBody);
  console.log(`2. appended seq ${appended.seq}: ${estimate.grams.toFixed(2)} g CO2e`);
  await ledger.append("note", { text: "first week of measurements" });
}

// 3. Verify with the auditor's trust file.
const report = await verifyLedger(dir, { trust });
console.log(`3. verify: ${report.status} (exit ${report.exitCode}), ${report.entries} records`);
if (report.status !== "valid") throw new Error("a fresh ledger must verify");

// 4. Checkpoint: a signed note over the Merkle root; copy it off the host.
const checkpoint = await writeCheckpoint(dir, key);
console.log(`4. checkpoint at size ${checkpoint.size}:\n${checkpoint.note}`);

// 5. Tamper with a copy: change one figure and verify again.
const copy = `${dir}-tampered`;
await Deno.mkdir(copy, { recursive: true });
for (const entry of Deno.readDirSync(dir)) {
  if (entry.isFile) await Deno.copyFile(`${dir}/${entry.name}`, `${copy}/${entry.name}`);
}
const lines = (await Deno.readTextFile(`${copy}/ledger.jsonl`)).split("\n");
lines[1] = lines[1].replace(/"co2e_g":"[0-9.]+"/, '"co2e_g":"0.1"');
await Deno.writeTextFile(`${copy}/ledger.jsonl`, lines.join("\n"));
const tampered = await verifyLedger(copy, { trust });
const first = tampered.errors[0];
console.log(
  `5. tampered copy: ${tampered.status} (exit ${tampered.exitCode}): ${first?.code} at seq ${first?.seq}`,
);
if (tampered.status === "valid") throw new Error("tampering went unnoticed");
