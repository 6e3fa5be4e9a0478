/**
 * Zod schemas of the query API's parameters and responses. The OpenAPI
 * document is generated from them, and requests are validated by them.
 *
 * @module
 */

import { z } from "@hono/zod-openapi";
import { MAX_CURSOR_LENGTH } from "../query/cursor.ts";
import { MAX_KEY_LENGTH } from "../record/telemetry_record.ts";
import { MAX_RFC3339_LENGTH, parseRfc3339 } from "../record/rfc3339.ts";

/** Default page size of `/api/v1/gpus/{id}/telemetry`. */
export const DEFAULT_TELEMETRY_LIMIT = 1000;
/** Largest page size of `/api/v1/gpus/{id}/telemetry` and `/telemetry/{gpu_id}`. */
export const MAX_TELEMETRY_LIMIT = 10_000;
/** Default count of `/telemetry/{gpu_id}`. */
export const DEFAULT_NEWEST_LIMIT = 100;

/** An optional field of a schema. */
export type Opt<T extends z.ZodType> = z.ZodOptional<T>;
/** A metric value: number, text or boolean. */
export type MetricValue = z.ZodUnion<readonly [z.ZodNumber, z.ZodString, z.ZodBoolean]>;
/** A `limit` query parameter: digits parsed to an integer in range, optional. */
export type LimitSchema = Opt<
  z.ZodPipe<z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>, z.ZodNumber>
>;

// deno-lint-ignore no-control-regex
const NO_CONTROL = /^[^\u0000-\u001f\u007f]+$/;

const name = (
  param: string,
  where: "path" | "query",
  max: number,
  example: string,
): z.ZodString =>
  z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`)
    .regex(NO_CONTROL, "must not contain control characters")
    .openapi({ param: { name: param, in: where }, example });

const limit = (fallback: number): LimitSchema =>
  z.string().regex(/^[0-9]{1,6}$/, `must be an integer from 1 to ${MAX_TELEMETRY_LIMIT}`)
    .transform(Number)
    .pipe(
      z.number().int().min(1, `must be an integer from 1 to ${MAX_TELEMETRY_LIMIT}`).max(
        MAX_TELEMETRY_LIMIT,
        `must be an integer from 1 to ${MAX_TELEMETRY_LIMIT}`,
      ),
    )
    .optional()
    .openapi({
      param: { name: "limit", in: "query" },
      type: "integer",
      minimum: 1,
      maximum: MAX_TELEMETRY_LIMIT,
      default: fallback,
    });

const time = (param: string, example: string): z.ZodOptional<z.ZodString> =>
  z.string().max(MAX_RFC3339_LENGTH, "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z")
    .refine(
      (v) => parseRfc3339(v) !== undefined,
      "must be an RFC 3339 date-time such as 2026-11-27T17:00:00Z",
    )
    .optional()
    .openapi({ param: { name: param, in: "query" }, format: "date-time", example });

/** Path parameter `id` / `gpu_id`: a GPU key. */
export const GpuIdParams: z.ZodObject<{ id: z.ZodString }> = z.object({
  id: name("id", "path", MAX_KEY_LENGTH, "GPU-5fd4f087-86f3-7a43-b711-4771313afc50"),
});

/** Path parameter `gpu_id` of the legacy `/telemetry/{gpu_id}`. */
export const LegacyGpuIdParams: z.ZodObject<{ gpu_id: z.ZodString }> = z.object({
  gpu_id: name("gpu_id", "path", MAX_KEY_LENGTH, "GPU-5fd4f087-86f3-7a43-b711-4771313afc50"),
});

/** Path parameter `hostname`. */
export const HostnameParams: z.ZodObject<{ hostname: z.ZodString }> = z.object({
  hostname: name("hostname", "path", 1024, "mtv5-dgx1-hgpu-031"),
});

/** Query of `/api/v1/gpus`. */
export const GpuListQuery: z.ZodObject<{ hostname: Opt<z.ZodString> }> = z.object({
  hostname: name("hostname", "query", 1024, "mtv5-dgx1-hgpu-031").optional(),
});

/** Query of `/telemetry/{gpu_id}`. */
export const NewestQuery: z.ZodObject<{ limit: LimitSchema }> = z.object({
  limit: limit(DEFAULT_NEWEST_LIMIT),
});

/** Query of `/api/v1/gpus/{id}/telemetry`. */
export const TelemetryQuerySchema: z.ZodObject<{
  start_time: Opt<z.ZodString>;
  end_time: Opt<z.ZodString>;
  metric: Opt<z.ZodString>;
  limit: LimitSchema;
  cursor: Opt<z.ZodString>;
}> = z.object({
  start_time: time("start_time", "2026-11-27T17:00:00Z"),
  end_time: time("end_time", "2026-11-27T18:00:00Z"),
  metric: name("metric", "query", 256, "DCGM_FI_DEV_GPU_UTIL").optional(),
  limit: limit(DEFAULT_TELEMETRY_LIMIT),
  cursor: z.string().min(1, "unknown cursor").max(MAX_CURSOR_LENGTH, "unknown cursor")
    .regex(/^[A-Za-z0-9_-]+$/, "unknown cursor; pass the next_cursor of a previous page unchanged")
    .optional()
    .openapi({
      param: { name: "cursor", in: "query" },
      description: "next_cursor of the previous page",
    }),
});

/** A stored telemetry record. */
export const RecordSchema: z.ZodObject<{
  gpu_id: z.ZodString;
  timestamp: z.ZodString;
  source_timestamp: Opt<z.ZodString>;
  metrics: z.ZodRecord<z.ZodString, MetricValue>;
  labels: z.ZodRecord<z.ZodString, z.ZodString>;
  _o: Opt<z.ZodString>;
}> = z.object({
  gpu_id: z.string(),
  timestamp: z.string().openapi({ format: "date-time" }),
  source_timestamp: z.string().optional(),
  metrics: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  labels: z.record(z.string(), z.string()),
  _o: z.string().optional().openapi({
    description: "origin `<log>:<partition>:<offset>` of the message the record was made from; " +
      "each origin is returned once",
  }),
}).openapi("TelemetryRecord");

/** What is known about a GPU. */
export const GpuSchema: z.ZodObject<{
  id: z.ZodString;
  hostname: z.ZodNullable<z.ZodString>;
  gpu_index: z.ZodNullable<z.ZodString>;
  model: z.ZodNullable<z.ZodString>;
  first_seen: z.ZodString;
  last_seen: z.ZodString;
  latest: z.ZodRecord<z.ZodString, MetricValue>;
}> = z.object({
  id: z.string(),
  hostname: z.string().nullable(),
  gpu_index: z.string().nullable(),
  model: z.string().nullable(),
  first_seen: z.string(),
  last_seen: z.string(),
  latest: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
}).openapi("Gpu");

/** A list of GPUs. */
export const GpuListSchema: z.ZodObject<{
  total: z.ZodNumber;
  gpus: z.ZodArray<typeof GpuSchema>;
}> = z.object({ total: z.number().int(), gpus: z.array(GpuSchema) })
  .openapi("GpuList");

/** A list of hosts. */
export const HostListSchema: z.ZodObject<{
  total: z.ZodNumber;
  hosts: z.ZodArray<
    z.ZodObject<{ hostname: z.ZodString; gpu_count: z.ZodNumber; last_seen: z.ZodString }>
  >;
}> = z.object({
  total: z.number().int(),
  hosts: z.array(z.object({
    hostname: z.string(),
    gpu_count: z.number().int(),
    last_seen: z.string(),
  })),
}).openapi("HostList");

/** A page of telemetry. */
export const TelemetryPageSchema: z.ZodObject<{
  data: z.ZodArray<typeof RecordSchema>;
  next_cursor: z.ZodNullable<z.ZodString>;
}> = z.object({
  data: z.array(RecordSchema),
  next_cursor: z.string().nullable(),
}).openapi("TelemetryPage");

/** The newest records of a GPU in memory. */
export const NewestSchema: z.ZodObject<{
  gpu_id: z.ZodString;
  count: z.ZodNumber;
  data: z.ZodArray<typeof RecordSchema>;
}> = z.object({
  gpu_id: z.string(),
  count: z.number().int(),
  data: z.array(RecordSchema),
}).openapi("NewestTelemetry");

/** Memory window limits and usage. */
export const MemoryStatsSchema: z.ZodObject<{
  max_entries_per_gpu: z.ZodNumber;
  max_records: z.ZodNumber;
  records: z.ZodNumber;
  gpus: z.ZodNumber;
  gpus_in_memory: z.ZodNumber;
  evicted_per_gpu_cap: z.ZodNumber;
  evicted_global_cap: z.ZodNumber;
}> = z.object({
  max_entries_per_gpu: z.number().int(),
  max_records: z.number().int(),
  records: z.number().int(),
  gpus: z.number().int(),
  gpus_in_memory: z.number().int(),
  evicted_per_gpu_cap: z.number().int(),
  evicted_global_cap: z.number().int(),
}).openapi("MemoryStats");

/** Counters. */
export const StatsSchema: z.ZodRecord<z.ZodString, z.ZodUnknown> = z.record(z.string(), z.unknown())
  .openapi("Stats");

/** Health. */
export const HealthSchema: z.ZodObject<{ status: z.ZodLiteral<"ok"> }> = z.object({
  status: z.literal("ok"),
}).openapi("Health");

/** An RFC 9457 problem. */
export const ProblemSchema: z.ZodObject<{
  type: z.ZodString;
  title: z.ZodString;
  status: z.ZodNumber;
  detail: z.ZodString;
  instance: Opt<z.ZodString>;
  invalid_params: Opt<z.ZodArray<z.ZodObject<{ name: z.ZodString; reason: z.ZodString }>>>;
}> = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  invalid_params: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
}).openapi("Problem");
