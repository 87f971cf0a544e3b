/**
 * Test helpers that write Python carbon-ops 0.1 legacy ledgers: with the real Python `json`
 * module and `cryptography` when available (the gold standard), and in TypeScript otherwise.
 */

import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from "node:crypto";
import { Buffer } from "node:buffer";
import { parsePyJson, pyDumps, type PyJson } from "../../lib/ledger/legacy/legacy_json.ts";

/** An Ed25519 key from a 32-byte seed, with its raw public key in hex. */
export function legacyKey(seedByte: number): { priv: KeyObject; pubHex: string; seedHex: string } {
  const seed = Buffer.alloc(32, seedByte);
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const priv = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  const jwk = createPublicKey(priv).export({ format: "jwk" });
  return {
    priv,
    pubHex: Buffer.from(jwk.x!, "base64url").toString("hex"),
    seedHex: seed.toString("hex"),
  };
}

/** Options for writing a ledger in TypeScript: which key signs and which key the line names. */
export interface WriteOptions {
  /** Signing key (default seed 7). */
  readonly priv?: KeyObject;
  /** `signing_key` written in the line (default: the public half of `priv`). */
  readonly pubHex?: string;
  /** Override `prev_hash` handling for entry i: "omit", or a value to write. */
  readonly prevOverride?: (i: number) => "omit" | string | undefined;
}

function obj(text: string): PyJson & { kind: "object" } {
  const r = parsePyJson(text);
  if (!r.ok || r.value.kind !== "object") throw new Error(`bad payload JSON: ${text}`);
  return r.value;
}

const str = (value: string): PyJson => ({ kind: "string", value });

/**
 * Writes legacy lines in TypeScript from payload JSON texts (number lexemes are kept as written,
 * so write them the way Python would: `420.0`, `1e-05`).
 */
export function writeLegacyTs(payloads: readonly string[], options: WriteOptions = {}): string {
  const k = options.priv ? undefined : legacyKey(7);
  const priv = options.priv ?? k!.priv;
  const pubHex = options.pubHex ??
    Buffer.from(createPublicKey(priv).export({ format: "jwk" }).x!, "base64url").toString("hex");
  let prev: string | undefined;
  let out = "";
  payloads.forEach((text, i) => {
    const payload = obj(text);
    const override = options.prevOverride?.(i);
    const prevValue = override === "omit" ? undefined : override ?? prev;
    const entries = prevValue === undefined
      ? [...payload.entries]
      : [...payload.entries, ["prev_hash", str(prevValue)] as const];
    const full = { kind: "object" as const, entries };
    const signText = pyDumps(full, { sortKeys: true, compact: true, ensureAscii: false });
    const sig = sign(null, new TextEncoder().encode(signText), priv).toString("hex");
    const line = {
      kind: "object" as const,
      entries: [
        ...entries,
        ["signature", str(sig)] as const,
        ["signing_key", str(pubHex)] as const,
        ["signature_algorithm", str("ed25519")] as const,
      ],
    };
    out += pyDumps(line) + "\n";
    prev = createHash("sha256")
      .update(pyDumps(full, { sortKeys: true, compact: true, ensureAscii: true }))
      .digest("hex");
  });
  return out;
}

const PY_WRITER = `
import hashlib, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sys.argv[1]))
pub = key.public_key().public_bytes_raw().hex()
prev = None
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for text in json.loads(sys.stdin.read()):
        payload = json.loads(text)
        if prev is not None:
            payload["prev_hash"] = prev
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry = dict(payload)
        entry["signature"] = key.sign(body.encode("utf-8")).hex()
        entry["signing_key"] = pub
        entry["signature_algorithm"] = "ed25519"
        f.write(json.dumps(entry) + "\\n")
        prev = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("utf-8")).hexdigest()
`;

/** True when `python3` with the `cryptography` package can run here. */
export async function pythonAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", "import cryptography.hazmat.primitives.asymmetric.ed25519"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Writes a legacy ledger with real Python (`json.dumps` + `cryptography`), returns its bytes. */
export async function writeLegacyPython(
  payloads: readonly string[],
  options: { seedHex: string; path: string },
): Promise<Uint8Array> {
  const child = new Deno.Command("python3", {
    args: ["-c", PY_WRITER, options.seedHex, options.path],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(payloads)));
  await w.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return await Deno.readFile(options.path);
}
