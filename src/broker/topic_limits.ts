/**
 * The broker's limits on topics: how many topics clients may bring into
 * being, and how many partitions all topics may have together.
 *
 * @module
 */
import type { ResolvedBrokerCoreOptions } from "./core_options.ts";
import { LimitError } from "./errors.ts";
import type { Topic } from "./topic.ts";

/**
 * The partitions a new topic `name` gets beside the `existing` ones (1 for a
 * dead-letter topic).
 *
 * @throws {LimitError} when it would pass `maxTopics` or `maxPartitionsTotal`
 */
export function roomForTopic(
  existing: Iterable<Topic>,
  name: string,
  o: Pick<ResolvedBrokerCoreOptions, "partitions" | "maxTopics" | "maxPartitionsTotal">,
): number {
  const partitions = name.endsWith(".dlq") ? 1 : o.partitions;
  let topics = 0;
  let total = 0;
  for (const t of existing) {
    if (!t.name.endsWith(".dlq")) topics++;
    total += t.logs.length;
  }
  if (topics >= o.maxTopics) {
    throw new LimitError(
      `cannot create topic ${name}: this broker holds at most ${o.maxTopics} topics (--max-topics)`,
    );
  }
  if (total + partitions > o.maxPartitionsTotal) {
    throw new LimitError(
      `cannot create topic ${name}: its ${partitions} partitions would pass this broker's ${o.maxPartitionsTotal} partitions in all (--max-partitions-total)`,
    );
  }
  return partitions;
}
