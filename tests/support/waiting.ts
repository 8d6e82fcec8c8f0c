/**
 * Waits with a bound: a test that waits for something a working server does fails, naming
 * what it waited for, instead of hanging the suite when the server does not do it.
 */
import { delay } from "./raw_http.ts";

/** How long a wait lasts by default: far longer than anything a test waits for takes. */
export const WAIT_MS = 10_000;

/** How often `eventually()` asks again. */
const POLL_MS = 10;

/** What `promise` settles with, or a failure naming `what` if it has not in `timeoutMs`. */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stillWaiting(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asks `condition` every POLL_MS until it holds, or fails naming `what` after `timeoutMs`. */
export async function eventually(
  condition: () => boolean,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw stillWaiting(what, timeoutMs);
    await delay(POLL_MS);
  }
}

function stillWaiting(what: string, timeoutMs: number): Error {
  return new Error(`Still waiting for ${what} after ${timeoutMs} ms.`);
}
