/**
 * One CPU's MSR device (`/dev/cpu/N/msr`): 8-byte little-endian reads at offset = register,
 * kept open, one `pread` each.
 *
 * @module
 */
import { EnergySourceError, errorCode } from "./errors.ts";
import { type FileOps, nodeFileOps } from "./file_ops.ts";

/**
 * Reads model-specific registers of one CPU.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MsrDevice } from "./msr_device.ts";
 * import { energyStatusUnit } from "./msr_registers.ts";
 * const fake: MsrDevice = { cpu: 0, path: "mem", read: () => 0xa0e03n, close() {} };
 * assert.equal(energyStatusUnit(fake.read(0x606)), 14);
 * ```
 */
export interface MsrDevice {
  /** The CPU number. */
  readonly cpu: number;
  /** Where it reads from (for messages). */
  readonly path: string;
  /** Reads a 64-bit register; throws an `Error` with a clear message on failure. */
  read(register: number): bigint;
  /** Releases the device. */
  close(): void;
}

/**
 * Options of {@linkcode openMsrDevice}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenMsrDeviceOptions } from "./msr_device.ts";
 * import { openMsrDevice } from "./msr_device.ts";
 * const denied = Object.assign(new Error("EACCES"), { code: "EACCES" });
 * const options: OpenMsrDeviceOptions = {
 *   fileOps: { open: () => { throw denied; }, pread: () => 0, close: () => {} },
 * };
 * assert.throws(() => openMsrDevice(0, options), /permission denied opening \/dev\/cpu\/0\/msr/);
 * ```
 */
export interface OpenMsrDeviceOptions {
  /** Directory holding `<cpu>/msr`. Default `/dev/cpu`. */
  readonly deviceRoot?: string;
  /** File operations. Default: real positioned reads. */
  readonly fileOps?: FileOps;
}

/**
 * Opens `<deviceRoot>/<cpu>/msr`. Throws {@linkcode EnergySourceError}: `not-found` (msr module
 * not loaded) or `permission` (needs root / CAP_SYS_RAWIO).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openMsrDevice } from "./msr_device.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${root}/0`);
 * const f = Deno.openSync(`${root}/0/msr`, { write: true, create: true });
 * f.seekSync(0x606, Deno.SeekMode.Start);
 * f.writeSync(new Uint8Array([0x03, 0x0e, 0x0a, 0, 0, 0, 0, 0]));
 * f.close();
 * const dev = openMsrDevice(0, { deviceRoot: root });
 * assert.equal(dev.read(0x606), 0xa0e03n);
 * assert.throws(() => dev.read(0x611), /short read of MSR 0x611/);
 * dev.close();
 * assert.throws(() => openMsrDevice(1, { deviceRoot: root }), /modprobe msr/);
 * Deno.removeSync(root, { recursive: true });
 * ```
 */
export function openMsrDevice(cpu: number, options: OpenMsrDeviceOptions = {}): MsrDevice {
  const path = `${options.deviceRoot ?? "/dev/cpu"}/${cpu}/msr`;
  const ops = options.fileOps ?? nodeFileOps;
  let fd: number;
  try {
    fd = ops.open(path);
  } catch (err) {
    const code = errorCode(err);
    if (code === "EACCES" || code === "EPERM") {
      throw new EnergySourceError(
        `permission denied opening ${path}: raw MSR reads need root with CAP_SYS_RAWIO ` +
          "(they bypass the root-only energy_uj files that mitigate Platypus, CVE-2020-8694). " +
          "Run the carbon-ops governor as root and read energy through its socket.",
        { backend: "msr", reason: "permission", path, cause: err },
      );
    }
    throw new EnergySourceError(
      `cannot open ${path} (${code ?? String(err)}): load the msr kernel module ` +
        "(`modprobe msr`) or use --rapl-mode=sysfs",
      { backend: "msr", reason: "not-found", path, cause: err },
    );
  }
  return new FileMsrDevice(cpu, path, fd, ops);
}

class FileMsrDevice implements MsrDevice {
  readonly cpu: number;
  readonly path: string;
  readonly #fd: number;
  readonly #ops: FileOps;
  readonly #buf = new Uint8Array(8);
  readonly #view = new DataView(this.#buf.buffer);
  #closed = false;

  constructor(cpu: number, path: string, fd: number, ops: FileOps) {
    this.cpu = cpu;
    this.path = path;
    this.#fd = fd;
    this.#ops = ops;
  }

  read(register: number): bigint {
    if (this.#closed) throw new Error(`${this.path} is closed`);
    let n: number;
    try {
      n = this.#ops.pread(this.#fd, this.#buf, register);
    } catch (err) {
      const code = errorCode(err);
      throw new Error(
        `cannot read MSR 0x${register.toString(16)} from ${this.path} (${code ?? String(err)})` +
          (code === "EIO" ? ": register not supported by this CPU" : ""),
        { cause: err },
      );
    }
    if (n !== 8) {
      throw new Error(
        `short read of MSR 0x${register.toString(16)} from ${this.path} (${n} of 8 bytes): ` +
          "register not supported",
      );
    }
    return this.#view.getBigUint64(0, true);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ops.close(this.#fd);
  }
}
