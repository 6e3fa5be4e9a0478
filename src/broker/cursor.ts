/**
 * Delivery state of one partition inside one consumer group: what was never
 * delivered (`next` onwards), what is in flight awaiting an ack, and what
 * waits for redelivery. Pure; times are passed in.
 *
 * Every range lies inside one stored batch, because it comes from one
 * delivery, so a redelivery or a dead letter never has to merge batches.
 *
 * @module
 */
import type { PartitionLog, StoredBatch } from "./partition_log.ts";

/** A run of offsets `[start, end)` delivered (or to be delivered) together. */
export interface Range {
  /** First offset of the range. */
  start: number;
  /** End offset (exclusive). */
  end: number;
  /** Deliveries made so far (in flight) or the number the next one will be (retry). */
  attempt: number;
  /** Epoch ms after which an in-flight range is redelivered. */
  deadline: number;
  /** Bytes charged against the member's byte credit until the range is gone. */
  bytes: number;
  /**
   * A nacked message waits for redelivery until the member's next ack of the
   * partition (or this time, epoch ms): otherwise the cumulative ack the
   * member sends right after its NACK could ack the redelivery it has not seen.
   */
  heldUntil?: number;
}

/** A delivery the cursor decided on. */
export interface Take {
  /** Stored batch the messages come from. */
  batch: StoredBatch;
  /** First offset taken. */
  start: number;
  /** End offset taken (exclusive). */
  end: number;
  /** Delivery attempt, 1 for the first. */
  attempt: number;
  /** Bytes of the taken messages. */
  bytes: number;
}

/** Messages and bytes released from flight (credit to give back). */
export interface Released {
  /** Messages released. */
  messages: number;
  /** Bytes released. */
  bytes: number;
}

/** Result of expiring, revoking or nacking: credit released and ranges out of attempts. */
export interface Failed extends Released {
  /** Ranges that reached the delivery limit: they go to the dead-letter topic. */
  dead: Range[];
  /** Messages queued for redelivery. */
  retried: number;
}

/** Delivery state of one partition in one group. */
export class PartitionCursor {
  /** Next offset never delivered to this group. */
  next: number;
  /** Delivered, not yet acked. */
  readonly inflight: Range[] = [];
  /** Waiting for redelivery, in offset order. */
  readonly retry: Range[] = [];

  /**
   * Creates a cursor whose next offset is `start`.
   * @param start the first offset this group will receive
   */
  constructor(start: number) {
    this.next = start;
  }

  /** Lowest offset not yet acked: everything below it is done. */
  committed(): number {
    let c = this.next;
    for (const r of this.inflight) if (r.start < c) c = r.start;
    if (this.retry.length > 0 && this.retry[0].start < c) c = this.retry[0].start;
    return c;
  }

  /** Messages in flight. */
  inflightMessages(): number {
    let n = 0;
    for (const r of this.inflight) n += r.end - r.start;
    return n;
  }

  /** Whether there is anything to deliver from `log`. */
  hasWork(log: PartitionLog): boolean {
    return this.retry.some((r) => !r.heldUntil) || this.next < log.durableEnd;
  }

  /**
   * Messages the next {@linkcode take} would deliver with unlimited credit:
   * the rest of the next retry range's batch, or of the next new batch
   * (0 when there is nothing to send). Changes nothing.
   */
  nextTakeSize(log: PartitionLog): number {
    const r = this.retry.find((x) => !x.heldUntil);
    const start = r ? r.start : this.next;
    if (!r && start >= log.durableEnd) return 0;
    const batch = log.batchFrom(start);
    if (!batch) return r ? r.end - r.start : 0;
    const from = Math.max(start, batch.baseOffset);
    const end = Math.min(batch.baseOffset + batch.count, r ? r.end : log.durableEnd);
    return Math.max(0, end - from);
  }

  /**
   * Drops in-flight `[start, end)` without delivering it (its bytes could not
   * be read: corruption). Returns what was released.
   */
  discard(start: number, end: number): Released {
    const out: Released = { messages: 0, bytes: 0 };
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const r = this.inflight[i];
      if (r.start >= start && r.end <= end) {
        out.messages += r.end - r.start;
        out.bytes += r.bytes;
        this.inflight.splice(i, 1);
      }
    }
    return out;
  }

  /**
   * Picks the next delivery of at most `maxMessages`: redeliveries first, then
   * new messages. Returns undefined when there is nothing to send. Offsets no
   * longer in the log are skipped and reported through `onGone`.
   */
  take(
    log: PartitionLog,
    maxMessages: number,
    deadline: number,
    onGone: (messages: number) => void,
  ): Take | undefined {
    for (let i = 0; i < this.retry.length;) {
      const r = this.retry[i];
      if (r.heldUntil) {
        i++;
        continue;
      }
      const batch = log.batchFrom(r.start);
      if (!batch || batch.baseOffset >= r.end) {
        onGone(log.messagesBetween(r.start, r.end));
        this.retry.splice(i, 1);
        continue;
      }
      if (batch.baseOffset > r.start) {
        onGone(log.messagesBetween(r.start, batch.baseOffset));
        r.start = batch.baseOffset;
      }
      const end = Math.min(r.end, batch.baseOffset + batch.count, r.start + maxMessages);
      const t: Take = { batch, start: r.start, end, attempt: r.attempt, bytes: batch.bytes };
      if (end === r.end) this.retry.splice(i, 1);
      else r.start = end;
      this.inflight.push({ start: t.start, end, attempt: t.attempt, deadline, bytes: t.bytes });
      return t;
    }
    if (this.next >= log.durableEnd) return undefined;
    const batch = log.batchFrom(this.next);
    if (!batch) return undefined;
    if (batch.baseOffset > this.next) {
      onGone(log.messagesBetween(this.next, batch.baseOffset)); // trimmed, or lost to corruption
      this.next = batch.baseOffset;
    }
    const end = Math.min(batch.baseOffset + batch.count, this.next + maxMessages, log.durableEnd);
    if (end <= this.next) return undefined;
    const t: Take = { batch, start: this.next, end, attempt: 1, bytes: batch.bytes };
    this.inflight.push({ start: t.start, end, attempt: 1, deadline, bytes: t.bytes });
    this.next = end;
    return t;
  }

  /** Acks every in-flight message with offset < `upTo`. */
  ack(upTo: number): Released {
    const out: Released = { messages: 0, bytes: 0 };
    for (const r of this.retry) r.heldUntil = undefined; // the ack after a NACK has arrived
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const r = this.inflight[i];
      if (r.start >= upTo) continue;
      if (r.end <= upTo) {
        out.messages += r.end - r.start;
        out.bytes += r.bytes;
        this.inflight.splice(i, 1);
      } else {
        out.messages += upTo - r.start;
        r.start = upTo;
      }
    }
    return out;
  }

  /**
   * Fails the single in-flight message at `offset`: it is queued for
   * redelivery, or dead-lettered once it used `maxDeliveries` attempts.
   * Returns undefined when `offset` is not in flight.
   */
  nack(offset: number, maxDeliveries: number, holdUntil = 0): Failed | undefined {
    const i = this.inflight.findIndex((r) => r.start <= offset && offset < r.end);
    if (i < 0) return undefined;
    const r = this.inflight[i];
    const left: Range = { ...r, end: offset };
    const right: Range = { ...r, start: offset + 1, bytes: 0 };
    const pieces = [left, right].filter((p) => p.end > p.start);
    let bytes = 0;
    if (pieces.length > 0) pieces[0].bytes = r.bytes;
    else bytes = r.bytes;
    this.inflight.splice(i, 1, ...pieces);
    const failed = this.#fail(
      [{ ...r, start: offset, end: offset + 1, bytes: 0 }],
      maxDeliveries,
      holdUntil,
    );
    failed.bytes = bytes;
    return failed;
  }

  /** Moves in-flight ranges whose deadline is at or before `now` to redelivery. */
  expire(now: number, maxDeliveries: number): Failed {
    for (const r of this.retry) if (r.heldUntil && r.heldUntil <= now) r.heldUntil = undefined;
    const due: Range[] = [];
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      if (this.inflight[i].deadline <= now) due.push(...this.inflight.splice(i, 1));
    }
    return this.#fail(due, maxDeliveries);
  }

  /** Moves everything in flight to redelivery (its member left or lost the partition). */
  revoke(maxDeliveries: number): Failed {
    for (const r of this.retry) r.heldUntil = undefined; // the nacking member is gone
    return this.#fail(this.inflight.splice(0), maxDeliveries);
  }

  #fail(ranges: Range[], maxDeliveries: number, heldUntil = 0): Failed {
    const out: Failed = { messages: 0, bytes: 0, dead: [], retried: 0 };
    for (const r of ranges) {
      out.messages += r.end - r.start;
      out.bytes += r.bytes;
      if (r.attempt >= maxDeliveries) {
        out.dead.push(r);
        continue;
      }
      out.retried += r.end - r.start;
      const again: Range = {
        start: r.start,
        end: r.end,
        attempt: r.attempt + 1,
        deadline: 0,
        bytes: 0,
        heldUntil: heldUntil || undefined,
      };
      let at = this.retry.length;
      while (at > 0 && this.retry[at - 1].start > again.start) at--;
      this.retry.splice(at, 0, again);
    }
    return out;
  }
}
