/**
 * Carries out what the core decides: after each change (a publish made
 * durable, an ack, a join, a tick) one pump per microtask turn asks the core
 * for deliveries, assignment notices and dead letters, sends them, and
 * wakes publishers waiting for room in a topic.
 *
 * @module
 */
import type { Logger } from "../obs/log.ts";
import { encodeFrame, encodeHead, FrameType } from "../protocol/mod.ts";
import type { BrokerCore } from "./core.ts";
import { writeDeadLetter } from "./dead_letter.ts";
import type { DurableLog } from "./durable_log.ts";
import type { Output } from "./output.ts";
import type { Session } from "./session.ts";

/** Where a member's deliveries go. */
export interface MemberRoute {
  /** The member's connection. */
  session: Session;
  /** The subscription the member is on that connection. */
  subscriptionId: number;
}

/** Sends the core's outputs to the members' connections. */
export class Dispatcher {
  /** memberId → where its deliveries go. */
  readonly members = new Map<string, MemberRoute>();
  #core: BrokerCore;
  #log: DurableLog;
  #logger: Logger;
  #pumpQueued = false;
  #roomWaiters: { topic: string; resolve: () => void }[] = [];

  /** Creates a dispatcher for `core`, reading evicted blobs through `log`. */
  constructor(core: BrokerCore, log: DurableLog, logger: Logger) {
    this.#core = core;
    this.#log = log;
    this.#logger = logger;
  }

  /** Asks for a pump soon (one per microtask turn, however many ask). */
  schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(this.#pump);
  }

  /** Resolves once `topic` has room for another publish (or the server closes). */
  waitForRoom(topic: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#roomWaiters.push({ topic, resolve });
      this.schedulePump();
    });
  }

  /** Lets every publisher waiting for room go (the server is closing). */
  releaseWaiters(): void {
    for (const w of this.#roomWaiters.splice(0)) w.resolve();
  }

  #pump = (): void => {
    this.#pumpQueued = false;
    for (const o of this.#core.pump()) this.#dispatch(o);
    const waiters = this.#roomWaiters;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (this.#core.hasRoom(waiters[i].topic)) waiters.splice(i, 1)[0].resolve();
    }
  };

  #dispatch(o: Output): void {
    if (o.kind === "deadletter") {
      void writeDeadLetter(this.#log, o, this.#logger);
      return;
    }
    const m = this.members.get(o.memberId);
    if (!m) return;
    if (o.kind === "assign") {
      m.session.fc.send(
        encodeFrame({
          type: FrameType.ASSIGN,
          subscriptionId: m.subscriptionId,
          partitions: o.partitions,
        }),
      );
      return;
    }
    this.#deliver(o, m);
  }

  #deliver(o: Extract<Output, { kind: "deliver" }>, m: MemberRoute): void {
    const leaseAnchor = m.session.lastPing; // read before the send: the lease starts no later
    const frame = (blob: Uint8Array | undefined): Uint8Array[] | undefined => {
      if (!blob) {
        this.#core.discard(o.memberId, o.partition, o.start, o.end); // corrupt on disk: counted, skipped
        this.schedulePump();
        return undefined;
      }
      const head = encodeHead({
        type: FrameType.DELIVER,
        subscriptionId: m.subscriptionId,
        partition: o.partition,
        generation: o.generation,
        leaseAnchor,
        baseOffset: o.batch.baseOffset,
        from: o.start - o.batch.baseOffset,
        to: o.end - o.batch.baseOffset,
        attempt: o.attempt,
        count: o.batch.count,
        batch: blob,
      });
      return [head, blob];
    };
    m.session.sendOrdered(() => {
      const blob = this.#log.readBlob(o.batch);
      return blob instanceof Promise ? blob.then(frame) : frame(blob);
    });
  }
}
