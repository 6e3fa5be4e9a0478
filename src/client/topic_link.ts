/**
 * A publisher's connection to its topic: a greeted {@linkcode Link} on
 * which the broker has said how many partitions the topic has.
 *
 * @module
 */
import { encodeFrame, FrameType } from "../protocol/mod.ts";
import { type BrokerAddress, type Link, type LinkOptions, openLink } from "./link.ts";

/** A link and the partition count of its topic. */
export interface TopicLink {
  /** The greeted connection. */
  link: Link;
  /** Partitions of the topic, as the broker answered METADATA. */
  partitions: number;
}

/**
 * Opens a link and asks for `topic`'s partition count. The answer (and any
 * later METADATA_OK) does not reach `options.onFrame`; every other frame does.
 *
 * @param addr where the broker listens
 * @param topic the topic to publish to
 * @param options as {@linkcode openLink}'s
 * @throws {BrokerUnavailableError} when it cannot connect or greet
 * @throws {BrokerRefusedError} when the broker refuses HELLO
 * @throws {Error} the connection's end, when it ends before the answer
 */
export async function openTopicLink(
  addr: BrokerAddress,
  topic: string,
  options: LinkOptions,
): Promise<TopicLink> {
  let answer: ((partitions: number) => void) | null = null;
  const link = await openLink(addr, {
    ...options,
    onFrame: (f) => {
      if (f.type === FrameType.METADATA_OK) answer?.(f.partitions);
      else options.onFrame(f);
    },
  });
  const partitions = await new Promise<number>((resolve, reject) => {
    answer = resolve;
    link.fc.send(encodeFrame({ type: FrameType.METADATA, correlationId: 0, topic }));
    link.done.then(reject);
  });
  answer = null;
  return { link, partitions };
}
