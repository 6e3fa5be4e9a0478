/**
 * Errors of the record contract.
 *
 * @module
 */

/** A broker message that cannot become a {@linkcode TelemetryRecord}. */
export class RecordError extends Error {
  /**
   * Creates the error.
   * @param message what is wrong with the message
   * @param options the cause
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RecordError";
  }
}
