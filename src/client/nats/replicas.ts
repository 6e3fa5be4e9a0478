/**
 * How many copies of each message a JetStream stream that gputel creates
 * keeps when `--nats-replicas` is not given: the rule and its numbers, with
 * no NATS import, so that the CLI's help can state them.
 *
 * @module
 */

/** Replicas of a new stream on fewer than {@linkcode CLUSTER_REPLICAS} servers. */
export const DEFAULT_REPLICAS = 1;
/** Replicas of a new stream on a cluster of at least this many servers. */
export const CLUSTER_REPLICAS = 3;

/** The replicas a new stream gets on `servers` servers when none were asked for. */
export function defaultReplicas(servers: number): number {
  return servers >= CLUSTER_REPLICAS ? CLUSTER_REPLICAS : DEFAULT_REPLICAS;
}
