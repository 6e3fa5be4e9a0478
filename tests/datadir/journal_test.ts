import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import {
  deleteJournalsBefore,
  JournalFile,
  journalFileName,
  listJournals,
} from "../../src/datadir/journal.ts";
import { withDir } from "../_helpers.ts";

const encoder = new TextEncoder();

Deno.test("JournalFile appends, cuts back a failed entry, and never reopens an existing generation", () =>
  withDir(async (dir) => {
    const journal = await JournalFile.create(dir, 3, true);
    assertEquals([journal.gen, journal.path], [3, join(dir, "journal-3.wal")]);
    await journal.append(encoder.encode("first|"));
    await journal.append(encoder.encode("second|"));
    assertEquals(journal.size, 13);
    await journal.truncate(6);
    await journal.append(encoder.encode("third|"));
    assertEquals(await Deno.readTextFile(journal.path), "first|third|");
    assertEquals(journal.size, 12);
    await assertRejects(() => JournalFile.create(dir, 3, false), Deno.errors.AlreadyExists);
    journal.close();
    journal.close();
  }));

Deno.test("listJournals orders generations numerically and deleteJournalsBefore removes older ones", () =>
  withDir(async (dir) => {
    for (const gen of [10, 9, 2, 11]) await Deno.writeTextFile(join(dir, journalFileName(gen)), "");
    await Deno.writeTextFile(join(dir, "journal-x.wal"), "");
    await Deno.writeTextFile(join(dir, "gpu-0.jsonl"), "");
    await Deno.mkdir(join(dir, "journal-5.wal"));
    assertEquals((await listJournals(dir)).map((j) => j.gen), [2, 9, 10, 11]);
    assertEquals(await deleteJournalsBefore(dir, 10), 2);
    assertEquals((await listJournals(dir)).map((j) => j.gen), [10, 11]);
    assertEquals(await deleteJournalsBefore(dir, 10), 0);
  }));
