/**
 * A measured span of work, created by `EnergyLogger.span()`. Ending it (explicitly, or by
 * `using` / `await using` disposal, which also runs when the block throws) records the span in
 * the logger's history and resolves `summary` and `record`.
 *
 * @module
 */

import type { EnergyDetails, EnergySummary } from "./energy_summary.ts";
import type { MetricRecord } from "./metric_record.ts";

/**
 * Ends a span: called once with extra info; resolves to the span's record.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SpanFinisher } from "./energy_span.ts";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * const finish: SpanFinisher = (extra) => logger.logMetrics("finish", extra);
 * const record = await finish({ step: 3 });
 * assert.deepEqual(record.additional_info, { step: 3 });
 * await logger.close();
 * ```
 */
export type SpanFinisher = (extraInfo: Readonly<Record<string, unknown>>) => Promise<MetricRecord>;

/**
 * A running span. The time and CPU counters are captured synchronously when it ends; measured
 * energy readings (governor socket, GPU) complete asynchronously, so read `await span.summary`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnergyLogger } from "./energy_logger.ts";
 * const logger = new EnergyLogger({ governor: null, powercap: null, gpu: null });
 * let summary;
 * {
 *   using span = logger.span("parse");
 *   JSON.parse("[1,2,3]");
 *   summary = span.summary;
 * }
 * const result = await summary;
 * assert.equal(result.attribution_mode, "monitor_only");
 * assert.equal(result.source, "model"); // no governor, powercap or GPU: modelled
 * assert.ok(result.duration_seconds > 0);
 * await logger.close();
 * ```
 */
export class EnergySpan implements Disposable, AsyncDisposable {
  /** Operation name. */
  readonly operation: string;
  /** The span's record once it has ended. Never rejects. */
  readonly record: Promise<MetricRecord>;
  #finish: SpanFinisher;
  #resolve!: (r: MetricRecord) => void;
  #ended = false;

  /**
   * Creates the instance.
   * @param operation Operation name.
   * @param finish Called once by `end()`; provided by the logger.
   */
  constructor(operation: string, finish: SpanFinisher) {
    this.operation = operation;
    this.#finish = finish;
    this.record = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The energy summary once the span has ended. */
  get summary(): Promise<EnergySummary> {
    return this.record.then((r) => r.energy);
  }

  /** How the summary was obtained, once ended. */
  get details(): Promise<EnergyDetails> {
    return this.record.then((r) => r.energy_details);
  }

  /** Whether `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Ends the span now (later calls return the same record). `extraInfo` is merged into the
   * record's `additional_info`.
   */
  end(extraInfo: Readonly<Record<string, unknown>> = {}): Promise<MetricRecord> {
    if (!this.#ended) {
      this.#ended = true;
      this.#finish(extraInfo).then(this.#resolve);
    }
    return this.record;
  }

  /** Ends the span (for `using`); the summary resolves shortly after. */
  [Symbol.dispose](): void {
    void this.end();
  }

  /** Ends the span and waits for its record (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.end();
  }
}
