/**
 * LogTape records collected instead of printed, for tests that check what zhttp logs:
 * `await withLogRecords(["zhttp", "access"], "info", (records) => ...)`.
 */
import { configure, type LogLevel, type LogRecord, reset } from "@logtape/logtape";

/** Runs `body` with the records of `category` (at `lowestLevel` and above) collected. */
export async function withLogRecords(
  category: string[],
  lowestLevel: LogLevel,
  body: (records: LogRecord[]) => void | Promise<void>,
): Promise<void> {
  const records: LogRecord[] = [];
  await configure({
    reset: true,
    sinks: { collect: (record) => records.push(record) },
    loggers: [
      { category, sinks: ["collect"], lowestLevel },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
  });
  try {
    await body(records);
  } finally {
    await reset();
  }
}

/** A record's message with its values filled in, as a person would read it. */
export function messageText(record: LogRecord): string {
  return record.message.map(String).join("");
}
