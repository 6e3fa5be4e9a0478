/**
 * The broker server's connection and request counters, shown in `/stats`
 * and `/metrics`.
 *
 * @module
 */

/** Connection counters of the server. */
export interface ServerCounters {
  /** Connections accepted since start. */
  connectionsAccepted: number;
  /** Connections open now. */
  connectionsOpen: number;
  /** Connections closed for a malformed frame. */
  protocolErrors: number;
  /** Connections closed for silence. */
  sessionTimeouts: number;
  /** Requests answered with ERROR. */
  requestErrors: number;
  /** Requests that failed in storage. */
  storageErrors: number;
  /** HELLOs without the right token. */
  unauthorized: number;
  /** Connections refused at the `maxConnections` limit. */
  connectionsRefused: number;
  /** Requests refused at a limit (topics, partitions): ERROR LIMIT. */
  limitRefusals: number;
  /** `accept` calls that failed (out of descriptors…); the server backs off. */
  acceptErrors: number;
  /** Connections closed because handling a request failed inside the broker (not the client's fault). */
  internalErrors: number;
}

/** Counters of a new server: all zero. */
export function zeroServerCounters(): ServerCounters {
  return {
    connectionsAccepted: 0,
    connectionsOpen: 0,
    protocolErrors: 0,
    sessionTimeouts: 0,
    requestErrors: 0,
    storageErrors: 0,
    unauthorized: 0,
    connectionsRefused: 0,
    limitRefusals: 0,
    acceptErrors: 0,
    internalErrors: 0,
  };
}
