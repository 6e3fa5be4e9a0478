/**
 * The topic telemetry travels on between the stream and collect roles.
 *
 * @module
 */

/**
 * The topic the stream role publishes to and the collect role consumes from
 * unless told otherwise (`--topic`); the broker creates it at start.
 */
export const DEFAULT_TOPIC = "telemetry";
