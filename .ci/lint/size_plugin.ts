/**
 * A `deno lint` plugin that keeps the source small (issue 15, STYLE.md): no
 * file under `src/` or `main.ts` over {@linkcode MAX_FILE_LINES} lines and no
 * function, method or arrow function there over
 * {@linkcode MAX_FUNCTION_LINES} lines. Tests and benchmarks are not held to
 * it. Loaded by deno.json's `lint.plugins`, so `deno lint` (and
 * `deno task test`) fails on a new long file or function.
 *
 * @module
 */

/** Most lines a source file may have. */
export const MAX_FILE_LINES = 300;
/** Most lines a function (declaration, expression, method or arrow) may span. */
export const MAX_FUNCTION_LINES = 80;

/** Whether the rules hold `filename` to the limits: `main.ts` and `src/`. */
export function isSource(filename: string): boolean {
  const path = filename.replaceAll("\\", "/");
  return path.includes("/src/") || path.endsWith("/main.ts");
}

type Spanned = Deno.lint.Node & { range: Deno.lint.Range };

const plugin: Deno.lint.Plugin = {
  name: "size",
  rules: {
    "max-file-lines": {
      create(ctx) {
        return {
          Program(node) {
            if (!isSource(ctx.filename)) return;
            const text = ctx.sourceCode.text;
            const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
            if (lines <= MAX_FILE_LINES) return;
            ctx.report({
              node,
              message: `file is ${lines} lines; split it to at most ${MAX_FILE_LINES}`,
            });
          },
        };
      },
    },
    "max-function-lines": {
      create(ctx) {
        const check = (node: Spanned) => {
          if (!isSource(ctx.filename)) return;
          const [start, end] = node.range;
          const lines = ctx.sourceCode.text.slice(start, end).split("\n").length;
          if (lines <= MAX_FUNCTION_LINES) return;
          ctx.report({
            node,
            message: `function spans ${lines} lines; split it to at most ${MAX_FUNCTION_LINES}`,
          });
        };
        return {
          FunctionDeclaration: check,
          FunctionExpression: check,
          ArrowFunctionExpression: check,
        };
      },
    },
  },
};

export default plugin;
