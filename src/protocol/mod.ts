/**
 * Wire protocol v1: frame codec, message batches, typed errors. No I/O.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./frame.ts";
export * from "./batch.ts";
export * from "./messages.ts";
export * from "./encode.ts";
export * from "./decode.ts";
