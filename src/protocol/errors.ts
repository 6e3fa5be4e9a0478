/**
 * Typed errors raised by the wire codec.
 *
 * @module
 */

/** The bytes on the wire do not form a valid gputel frame. */
export class ProtocolError extends Error {
  /**
   * Creates the error with its reason.
   * @param message what was wrong and where
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
  }
}

/** A frame's length prefix exceeds the configured limit. */
export class FrameTooLargeError extends ProtocolError {
  /** The length the prefix announced, in bytes. */
  readonly size: number;
  /** The configured limit, in bytes. */
  readonly limit: number;

  /**
   * Creates the error for a frame of `size` over `limit` bytes.
   * @param size announced frame length in bytes
   * @param limit configured maximum frame length in bytes
   */
  constructor(size: number, limit: number) {
    super(`frame of ${size} bytes exceeds the limit of ${limit} bytes`);
    this.name = "FrameTooLargeError";
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A request's arguments are out of range (a bad topic or group name, an
 * unknown partition or subscription, a zero credit): answered ERROR
 * BAD_REQUEST, and the connection stays. Only this error is reported as the
 * client's fault; any other error while handling a request is the broker's.
 */
export class BadRequestError extends RangeError {
  /**
   * Creates the error with its reason.
   * @param message what was wrong with the request and what to send instead
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BadRequestError";
  }
}

/** Error codes carried by ERROR frames. Stable across versions. */
export const ErrorCode = {
  /** The frame could not be decoded. */
  BAD_FRAME: 1,
  /** The frame is over the size limit. */
  FRAME_TOO_LARGE: 2,
  /** HELLO missing, or protocol version not supported. */
  BAD_HELLO: 3,
  /** The token was missing or wrong. */
  UNAUTHORIZED: 4,
  /** A name or argument is out of range (topic, partition, credit…). */
  BAD_REQUEST: 5,
  /** The broker cannot store the batch now (disk full, write error). */
  STORAGE: 6,
  /** A configured limit was reached (connections, subscriptions…). */
  LIMIT: 7,
  /** The broker is shutting down. */
  SHUTTING_DOWN: 8,
} as const;

/** One of the {@linkcode ErrorCode} values. */
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];
