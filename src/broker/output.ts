/**
 * What {@linkcode BrokerCore.pump} hands the edge to carry out.
 *
 * @module
 */
import type { GroupDelivery } from "./group_types.ts";
import type { StoredBatch } from "./partition_log.ts";

/** Something the edge must do. */
export type Output =
  | ({ kind: "deliver"; topic: string; batch: StoredBatch } & GroupDelivery)
  | { kind: "assign"; memberId: string; partitions: number[] }
  /** Messages `[start, end)` of `batch` used up their deliveries: append them to `<topic>.dlq`. */
  | {
    kind: "deadletter";
    topic: string;
    partition: number;
    batch: StoredBatch;
    start: number;
    end: number;
  };
