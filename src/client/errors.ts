/**
 * Errors the client library raises to its callers.
 *
 * @module
 */

/** The broker could not be reached or went away. */
export class BrokerUnavailableError extends Error {
  /**
   * Creates the error with its reason.
   * @param message what failed, with the address and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerUnavailableError";
  }
}

/** The broker answered a request with an ERROR frame. */
export class BrokerRequestError extends Error {
  /** The ERROR frame's code (see `ErrorCode`). */
  readonly code: number;

  /**
   * Creates the error from an ERROR frame's code and message.
   * @param code the ERROR frame's code
   * @param message the broker's message
   */
  constructor(code: number, message: string) {
    super(message);
    this.name = "BrokerRequestError";
    this.code = code;
  }
}

/**
 * The broker refused this client for good (wrong or missing token, protocol
 * version, an untrusted TLS certificate): retrying will not help, so
 * publishers and subscribers stop and report it.
 */
export class BrokerRefusedError extends BrokerUnavailableError {
  /**
   * Creates the error with its reason.
   * @param message what was refused and what to do
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokerRefusedError";
  }
}
