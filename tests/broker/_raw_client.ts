/**
 * A client that speaks the wire protocol frame by frame, for tests that must
 * see what the broker itself does (no client library retrying, skipping or
 * deduplicating in between).
 *
 * @module
 */
import { FrameConnection } from "../../src/net/frame_connection.ts";
import { encodeFrame, type Frame, FrameType, PROTOCOL_VERSION } from "../../src/protocol/mod.ts";

type Deliver = Extract<Frame, { type: typeof FrameType.DELIVER }>;

/** A greeted raw connection with a queue of the frames it received. */
export class RawClient implements AsyncDisposable {
  readonly fc: FrameConnection;
  readonly #frames: Frame[] = [];
  #wake: (() => void) | null = null;
  #done = false;

  private constructor(fc: FrameConnection) {
    this.fc = fc;
    void (async () => {
      try {
        for await (const f of fc.frames()) {
          this.#frames.push(f);
          this.#wake?.();
        }
      } catch {
        // closed
      }
      this.#done = true;
      this.#wake?.();
    })();
  }

  /** Connects and sends HELLO (its HELLO_OK is the first frame queued). */
  static async connect(port: number): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const c = new RawClient(new FrameConnection(conn));
    c.fc.send(
      encodeFrame({ type: FrameType.HELLO, version: PROTOCOL_VERSION, clientId: "raw", token: "" }),
    );
    await c.next((f) => f.type === FrameType.HELLO_OK, "HELLO_OK");
    return c;
  }

  /** Waits for the next frame matching `match` (dropping others), within `ms`. */
  async next<F extends Frame>(match: (f: Frame) => f is F, what: string, ms?: number): Promise<F>;
  async next(match: (f: Frame) => boolean, what: string, ms?: number): Promise<Frame>;
  async next(match: (f: Frame) => boolean, what: string, ms = 10_000): Promise<Frame> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.#frames.findIndex(match);
      if (i >= 0) return this.#frames.splice(i, 1)[0];
      if (this.#done) throw new Error(`connection closed while waiting for ${what}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.#wake = null;
    }
  }

  /** Subscribes to `topic` as a member of `group`. */
  async subscribe(topic: string, group: string): Promise<void> {
    this.fc.send(encodeFrame({
      type: FrameType.SUBSCRIBE,
      subscriptionId: 1,
      topic,
      group,
      creditMessages: 100_000,
      creditBytes: 1 << 26,
      memberKey: "",
    }));
    await this.next((f) => f.type === FrameType.SUBSCRIBE_OK, "SUBSCRIBE_OK");
  }

  /** The next DELIVER. */
  deliver(ms?: number): Promise<Deliver> {
    return this.next((f): f is Deliver => f.type === FrameType.DELIVER, "DELIVER", ms);
  }

  /** Acks a delivery whole. */
  ack(d: Deliver): void {
    this.fc.send(encodeFrame({
      type: FrameType.ACK,
      subscriptionId: 1,
      partition: d.partition,
      generation: d.generation,
      upTo: d.baseOffset + d.to,
    }));
  }

  /** Closes the connection. */
  close(): void {
    this.fc.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
