/**
 * The HTTP framework's types that gputel's exported functions take and
 * return, re-exported so that the documented surface names them.
 *
 * @module
 */
export type { Context, Hono, MiddlewareHandler } from "hono";
export type { ContentfulStatusCode } from "hono/utils/http-status";
export type { OpenAPIHono } from "@hono/zod-openapi";
