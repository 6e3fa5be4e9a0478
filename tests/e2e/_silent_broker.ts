/**
 * A broker that never confirms: it answers HELLO and METADATA like the real
 * one and swallows every PUBLISH, counting its messages. For testing what the
 * streamer does with confirms that never come.
 *
 * @module
 */
import { FrameConnection } from "../../src/net/frame_connection.ts";
import { encodeFrame, FrameType, PROTOCOL_VERSION } from "../../src/protocol/mod.ts";

/** A listening silent broker; dispose to close it and its connections. */
export class SilentBroker implements AsyncDisposable {
  readonly #listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly #conns = new Set<FrameConnection>();
  readonly #serving: Promise<void>;
  readonly #handlers = new Set<Promise<void>>();
  /** Messages received in PUBLISH frames. */
  published = 0;

  constructor() {
    this.#serving = this.#serve();
  }

  /** `127.0.0.1:<port>`. */
  get address(): string {
    return `127.0.0.1:${(this.#listener.addr as Deno.NetAddr).port}`;
  }

  async #serve(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const h = this.#handle(new FrameConnection(conn));
        this.#handlers.add(h);
        h.finally(() => this.#handlers.delete(h));
      }
    } catch {
      // listener closed
    }
  }

  async #handle(fc: FrameConnection): Promise<void> {
    this.#conns.add(fc);
    try {
      for await (const f of fc.frames()) {
        if (f.type === FrameType.HELLO) {
          fc.send(
            encodeFrame({ type: FrameType.HELLO_OK, version: PROTOCOL_VERSION, serverId: "x" }),
          );
        } else if (f.type === FrameType.METADATA) {
          fc.send(encodeFrame({
            type: FrameType.METADATA_OK,
            correlationId: f.correlationId,
            topic: f.topic,
            partitions: 1,
          }));
        } else if (f.type === FrameType.PUBLISH) {
          this.published += f.count;
        }
      }
    } catch {
      // peer went away
    } finally {
      fc.close();
      this.#conns.delete(fc);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const fc of this.#conns) fc.close();
    await this.#serving;
    await Promise.all(this.#handlers);
  }
}
