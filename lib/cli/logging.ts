/**
 * Logging setup. Every line goes through LogTape to a non-blocking sink: records are
 * buffered and written to stdout in the background, so a console that stops taking output
 * (a Windows console in QuickEdit selection) delays the log, never the server.
 */
import { configure, dispose, getStreamSink, type LogRecord } from "@logtape/logtape";

export interface LoggingOptions {
  /** Access log lines off; warnings and errors still shown. */
  quiet: boolean;
  /** Debug detail (protocol errors of clients, timeouts). */
  verbose?: boolean;
  /** Put before each line ("w2"), to tell the server threads of --workers apart. */
  tag?: string;
}

/** Records kept waiting for the console before older ones are written out in one go. */
const BUFFERED_RECORDS = 256;
/** How often buffered records are written when there are few of them. */
const FLUSH_INTERVAL_MS = 100;

export async function configureLogging(options: LoggingOptions): Promise<void> {
  await configure({
    reset: true,
    sinks: {
      console: getStreamSink(Deno.stdout.writable, {
        formatter: options.tag === undefined
          ? formatRecord
          : (record) => formatRecord(record, `${options.tag} `),
        closeStream: false,
        nonBlocking: { bufferSize: BUFFERED_RECORDS, flushInterval: FLUSH_INTERVAL_MS },
      }),
    },
    loggers: [
      {
        category: ["zhttp"],
        sinks: ["console"],
        lowestLevel: options.verbose ? "debug" : options.quiet ? "warning" : "info",
      },
      { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
    ],
  });
}

/** Writes out what is buffered and releases the sink (before exit). */
export async function flushLogs(): Promise<void> {
  await dispose();
}

/** `08:10:03 GET /hello 200 14 B 0.2 ms 127.0.0.1`; warnings and errors are labelled. */
function formatRecord(record: LogRecord, tag = ""): string {
  const time = new Date(record.timestamp).toISOString().slice(11, 19);
  const level = record.level === "info" ? "" : `${record.level.toUpperCase()} `;
  let text = "";
  for (let i = 0; i < record.message.length; i++) {
    const part = record.message[i];
    if (i % 2 === 0) text += part;
    else if (part instanceof Error) text += part.stack ?? part.message;
    else text += String(part);
  }
  return `${time} ${tag}${level}${text}\n`;
}
