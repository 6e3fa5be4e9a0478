/**
 * What the broker core owes the edge between two pumps: the dead letters
 * it decided, and the groups whose state changed, which the next
 * {@linkcode BrokerCore.pump} asks for assignment notices and deliveries.
 * Pure.
 *
 * @module
 */
import type { ConsumerGroup } from "./group.ts";
import type { DeadRange } from "./group_types.ts";
import type { Output } from "./output.ts";
import type { Topic } from "./topic.ts";

/** Dead letters and changed groups, waiting for the next pump. */
export class OutputQueue {
  #deadLetters: Output[] = [];
  #dirty = new Set<string>(); // "topic\0group"

  /** Marks one group of a topic as changed. */
  changed(topic: string, group: string): void {
    this.#dirty.add(`${topic}\0${group}`);
  }

  /** Marks every group of `t` as changed (new durable data to deliver). */
  topicChanged(t: Topic): void {
    for (const g of t.groups.keys()) this.changed(t.name, g);
  }

  /**
   * Queues a dead letter for each range; a range whose batch is gone from
   * the log counts as dropped instead.
   */
  deadLetter(t: Topic, g: ConsumerGroup, dead: DeadRange[]): void {
    for (const d of dead) {
      const batch = t.logs[d.partition].batchAt(d.start);
      if (!batch) {
        g.counters.dropped += d.end - d.start;
        continue;
      }
      this.#deadLetters.push({
        kind: "deadletter",
        topic: t.name,
        partition: d.partition,
        batch,
        start: d.start,
        end: d.end,
      });
    }
  }

  /**
   * Empties the queue: the dead letters, then each changed group's
   * assignment notices and deliveries due at `now`.
   *
   * @param topics the core's topics by name
   */
  drain(topics: ReadonlyMap<string, Topic>, now: number): Output[] {
    const out: Output[] = this.#deadLetters.splice(0);
    for (const k of this.#dirty) {
      const [topicName, groupName] = k.split("\0");
      const t = topics.get(topicName)!;
      const g = t.groups.get(groupName)!;
      for (const a of g.takeAssignmentChanges()) out.push({ kind: "assign", ...a });
      for (const d of g.deliver(t.logs, now)) {
        out.push({ kind: "deliver", topic: topicName, ...d });
      }
    }
    this.#dirty.clear();
    return out;
  }
}
