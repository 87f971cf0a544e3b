import type {
  DomainInfo,
  DomainKind,
  DomainSample,
  EnergySource,
} from "../../lib/energy/rapl/energy_source.ts";

/** One scripted value: a raw count, or an error message (`{ error }`). */
export type ScriptedValue = bigint | { error: string };

/**
 * Builds a `DomainInfo` for tests: sysfs-like (1 uJ per raw count) unless `ujPerRaw` is given.
 */
export function fakeDomain(
  name: string,
  options: {
    kind?: DomainKind;
    parent?: string | null;
    inHostTotal?: boolean;
    wrapModulus?: bigint;
    ujPerRaw?: { num: bigint; den: bigint };
  } = {},
): DomainInfo {
  return {
    name,
    kind: options.kind ?? "package",
    parent: options.parent ?? null,
    inHostTotal: options.inHostTotal ?? true,
    wrapModulus: options.wrapModulus ?? 2n ** 32n,
    ujPerRaw: options.ujPerRaw ?? { num: 1n, den: 1n },
    origin: `fake:${name}`,
    note: null,
  };
}

/**
 * An `EnergySource` that returns scripted raw values, one entry per `read()` per domain. After
 * the script ends it repeats the last value (or calls `next` when given, to generate values).
 */
export class FakeSource implements EnergySource {
  readonly kind: "sysfs" | "msr" | "sim";
  readonly domains: readonly DomainInfo[];
  readonly #script: Record<string, readonly ScriptedValue[]>;
  readonly #next: ((name: string, tick: number) => ScriptedValue) | undefined;
  #tick = 0;
  closed = false;

  constructor(
    domains: readonly DomainInfo[],
    script: Record<string, readonly ScriptedValue[]>,
    options: {
      kind?: "sysfs" | "msr" | "sim";
      next?: (name: string, tick: number) => ScriptedValue;
    } = {},
  ) {
    this.domains = domains;
    this.#script = script;
    this.#next = options.next;
    this.kind = options.kind ?? "sim";
  }

  /** Reads done so far. */
  get reads(): number {
    return this.#tick;
  }

  read(): DomainSample[] {
    const t = this.#tick++;
    return this.domains.map((d) => {
      const values = this.#script[d.name] ?? [];
      const v = t < values.length
        ? values[t]
        : this.#next
        ? this.#next(d.name, t)
        : values[values.length - 1] ?? { error: "no script" };
      return typeof v === "bigint" ? { name: d.name, raw: v } : { name: d.name, error: v.error };
    });
  }

  close(): void {
    this.closed = true;
  }
}
