import assert from "node:assert/strict";
import { FLAGS } from "../../src/cli/flags.ts";
import { commandHelp, mainHelp } from "../../src/cli/help.ts";
import { type Command, parseCommand, ROLES } from "../../src/cli/roles.ts";

/** Every command: each non-empty role mix that parses, and the demo. */
function allCommands(): Command[] {
  const commands: Command[] = [parseCommand("demo")];
  for (let mask = 1; mask < 1 << ROLES.length; mask++) {
    const word = ROLES.filter((_, i) => mask & (1 << i)).join(",");
    const conflicting = (word.includes("collect") && word.includes("api")) ||
      (word.includes("compact") && word !== "compact");
    if (!conflicting) commands.push(parseCommand(word));
  }
  return commands;
}

function lineOf(text: string, flag: string): string {
  const line = text.split("\n").find((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}`);
  assert.ok(line !== undefined, `no line for --${flag}`);
  return line;
}

Deno.test("every flag in the table appears in the help of each role it belongs to", () => {
  for (const flag of FLAGS) {
    for (const role of flag.roles) {
      assert.ok(lineOf(commandHelp(parseCommand(role)), flag.name).includes(flag.help), flag.name);
    }
  }
  const all = commandHelp(parseCommand("broker,collect,stream"));
  for (const flag of FLAGS.filter((f) => f.roles.some((r) => r !== "api"))) lineOf(all, flag.name);
});

Deno.test("every help line fits 100 columns and every help text ends in a newline", () => {
  const texts = [mainHelp("0.1.0"), mainHelp(), ...allCommands().map(commandHelp)];
  assert.equal(texts.length, 2 + 13, "demo, 11 role mixes and compact");
  for (const text of texts) {
    assert.ok(text.endsWith("\n"));
    for (const line of text.split("\n")) assert.ok(line.length <= 100, `too wide: ${line}`);
  }
});

Deno.test("a flag line shows placeholder, meaning and default in aligned columns", () => {
  const stream = commandHelp(parseCommand("stream"));
  assert.equal(
    lineOf(stream, "rate"),
    "  --rate N                    messages per second per worker; 0 = unlimited (default 1)",
  );
  assert.equal(
    lineOf(stream, "linger"),
    "  --linger DURATION           how long a batch waits to fill before it is sent (default 5ms)",
  );
  assert.equal(
    lineOf(stream, "no-loop"),
    "  --no-loop                   make one pass over the file instead of looping over it",
  );
  assert.equal(
    lineOf(commandHelp(parseCommand("broker")), "max-topic-bytes"),
    "  --max-topic-bytes SIZE      bytes a topic holds before publishers must wait (default 256MiB)",
  );
});

Deno.test("help marks required flags in the usage line and in the flag line", () => {
  const stream = commandHelp(parseCommand("stream"));
  assert.ok(stream.startsWith("Usage: gputel stream [flags]\n"), "--csv is one source of several");
  assert.match(lineOf(stream, "source"), /\(default csv if --csv, else nvml\)$/);
  const api = commandHelp(parseCommand("api"));
  assert.ok(api.startsWith("Usage: gputel api (--data-dir DIR | --collectors LIST) [flags]\n"));
  assert.match(lineOf(api, "data-dir"), / \(or --collectors\)$/);
  assert.match(lineOf(commandHelp(parseCommand("collect")), "data-dir"), /\(default \.\/data\)$/);
});

Deno.test("mix help lists the union of flags and says --broker defaults to the local broker", () => {
  const mix = commandHelp(parseCommand("collect,broker"));
  assert.ok(mix.startsWith("Usage: gputel broker,collect [flags]\n"));
  assert.match(lineOf(mix, "broker"), /\(default this process's broker\)$/);
  assert.match(lineOf(mix, "partitions"), /\(default 8\)$/);
  assert.match(lineOf(mix, "group"), /\(default collectors\)$/);
  assert.match(
    lineOf(commandHelp(parseCommand("collect")), "broker"),
    /\(default 127\.0\.0\.1:9000\)$/,
  );
});

Deno.test("demo help leaves out the flags the demo refuses", () => {
  const demo = commandHelp(parseCommand("demo"));
  assert.ok(demo.startsWith("Usage: gputel demo [flags]\n"));
  assert.ok(!demo.includes("  --csv "));
  assert.ok(!demo.includes("  --broker "));
  lineOf(demo, "duration");
  lineOf(demo, "api-port");
  lineOf(demo, "data-dir");
});

Deno.test("help shows examples and how the environment sets flags", () => {
  const stream = commandHelp(parseCommand("stream"));
  assert.ok(stream.includes("\nExamples:\n  gputel stream --broker 10.0.0.5:9000 --interval 1s "));
  assert.ok(stream.includes("\n  gputel stream --csv metrics.csv "));
  assert.ok(stream.includes("(e.g. GPUTEL_LOG_FORMAT)"));
  const main = mainHelp("0.1.0");
  assert.ok(main.startsWith("gputel 0.1.0: "));
  for (const role of ["broker", "stream", "collect", "api", "demo"]) {
    assert.match(main, new RegExp(`\\n  ${role} +\\S`));
  }
  assert.ok(main.includes("GPUTEL_API_PORT"));
  assert.ok(main.includes("Run 'gputel <role> --help'"));
});
