/**
 * The schema library's types that the API's exported schemas are declared
 * with, re-exported so that the documented surface names them.
 *
 * @module
 */
export type {
  ZodArray,
  ZodBoolean,
  ZodLiteral,
  ZodNullable,
  ZodNumber,
  ZodObject,
  ZodOptional,
  ZodPipe,
  ZodRecord,
  ZodString,
  ZodTransform,
  ZodType,
  ZodUnion,
  ZodUnknown,
} from "zod";
