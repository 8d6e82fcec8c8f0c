/**
 * `zhttp hash-password`: prints the scrypt hash of a password for "users" in zhttp.json, so
 * that the password itself is never written down. From a terminal it asks twice without
 * echoing what is typed (raw mode: the keystrokes reach zhttp, not the screen); from a pipe
 * it reads one line (`printf '%s\n' "$PASSWORD" | zhttp hash-password`).
 */
import { formatPasswordHash, hashPassword } from "../auth/password_hash.ts";
import { hasControlCharacter } from "../http/basic_credentials.ts";
import { ConfigError } from "./config.ts";

/** The longest password taken, in UTF-8 bytes: far beyond any typed one. */
export const MAX_PASSWORD_BYTES = 1024;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** The password a pipe gave: one line, its line ending (LF or CRLF) removed. */
export function passwordFromPipe(bytes: Uint8Array): string {
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end -= bytes[end - 2] === 0x0d ? 2 : 1;
  if (end > MAX_PASSWORD_BYTES) throw tooLong();
  const text = decode(bytes.subarray(0, end));
  if (/[\r\n]/.test(text)) {
    throw new ConfigError("stdin holds several lines; pipe in the password alone, on one line.");
  }
  return checked(text);
}

/** What a keystroke made of the line being typed. */
export type LineState = { kind: "typing" } | { kind: "done"; password: string } | {
  kind: "cancelled";
};

/**
 * The line editor of a hidden prompt, fed the raw bytes a terminal sends in raw mode:
 * Enter (CR, or LF) ends the line; Backspace (DEL or BS) removes the last character;
 * Ctrl+U clears the line; Ctrl+C, and Ctrl+D on an empty line, cancel; escape sequences
 * (arrow keys and the like) and other control characters are ignored. Nothing is echoed.
 */
export class HiddenLine {
  #bytes: number[] = [];
  #tooLong = false;
  /** Inside an escape sequence: after ESC, or after ESC [ or ESC O until its final byte. */
  #escape: "none" | "started" | "sequence" = "none";

  /** Takes the bytes of one read; the line is done or cancelled once a byte says so. */
  feed(bytes: Uint8Array): LineState {
    for (const byte of bytes) {
      const state = this.#take(byte);
      if (state.kind !== "typing") return state;
    }
    return { kind: "typing" };
  }

  #take(byte: number): LineState {
    if (this.#escape === "started") {
      this.#escape = byte === 0x5b /* [ */ || byte === 0x4f /* O */ ? "sequence" : "none";
      return { kind: "typing" };
    }
    if (this.#escape === "sequence") {
      // ECMA-48 §5.4: a control sequence ends with a byte from 0x40 to 0x7e.
      if (byte >= 0x40 && byte <= 0x7e) this.#escape = "none";
      return { kind: "typing" };
    }
    switch (byte) {
      case 0x0d:
      case 0x0a:
        if (this.#tooLong) throw tooLong();
        return { kind: "done", password: checked(decode(new Uint8Array(this.#bytes))) };
      case 0x03:
        return { kind: "cancelled" };
      case 0x04:
        return this.#bytes.length === 0 ? { kind: "cancelled" } : { kind: "typing" };
      case 0x7f:
      case 0x08:
        // Drops one whole UTF-8 character: its continuation bytes (10xxxxxx), then its start.
        for (let last = this.#bytes.pop(); last !== undefined && (last & 0xc0) === 0x80;) {
          last = this.#bytes.pop();
        }
        return { kind: "typing" };
      case 0x15:
        this.#bytes = [];
        this.#tooLong = false;
        return { kind: "typing" };
      case 0x1b:
        this.#escape = "started";
        return { kind: "typing" };
    }
    if (byte < 0x20) return { kind: "typing" };
    if (this.#bytes.length >= MAX_PASSWORD_BYTES) this.#tooLong = true;
    else this.#bytes.push(byte);
    return { kind: "typing" };
  }
}

/** What the command needs of the console. */
export interface PasswordConsole {
  readonly stdin: {
    read(into: Uint8Array): Promise<number | null>;
    isTerminal(): boolean;
    setRaw(mode: boolean): void;
  };
  readonly stdout: { writeSync(bytes: Uint8Array): number };
  readonly stderr: { writeSync(bytes: Uint8Array): number };
}

/**
 * Runs the command: 0 with the hash printed on stdout, 130 when cancelled with Ctrl+C.
 * A mistake (empty password, two different ones, not UTF-8) is a ConfigError.
 */
export async function runHashPassword(io: PasswordConsole): Promise<number> {
  let password: string;
  if (io.stdin.isTerminal()) {
    const first = await askHidden(io, "Password: ");
    if (first === null) return 130;
    const again = await askHidden(io, "Again: ");
    if (again === null) return 130;
    if (again !== first) throw new ConfigError("the two passwords differ; nothing was printed.");
    password = first;
  } else {
    password = passwordFromPipe(await readAll(io.stdin));
  }
  const hash = formatPasswordHash(await hashPassword(password));
  writeText(io.stdout, `${hash}\n`);
  if (io.stdin.isTerminal()) {
    writeText(io.stderr, `Put it in zhttp.json: "users": {"your-name": "${hash}"}\n`);
  }
  return 0;
}

/** One hidden line from the terminal, or null when cancelled. */
async function askHidden(io: PasswordConsole, prompt: string): Promise<string | null> {
  writeText(io.stderr, prompt);
  const line = new HiddenLine();
  const buffer = new Uint8Array(256);
  io.stdin.setRaw(true);
  try {
    for (;;) {
      const read = await io.stdin.read(buffer);
      if (read === null) return null;
      const state = line.feed(buffer.subarray(0, read));
      if (state.kind === "done") return state.password;
      if (state.kind === "cancelled") return null;
    }
  } finally {
    io.stdin.setRaw(false);
    // Raw mode printed nothing, not even the Enter: end the prompt's line.
    writeText(io.stderr, "\n");
  }
}

/** Everything a pipe holds, up to a little past MAX_PASSWORD_BYTES (enough to tell). */
async function readAll(stdin: PasswordConsole["stdin"]): Promise<Uint8Array> {
  const limit = MAX_PASSWORD_BYTES + 3;
  const buffer = new Uint8Array(limit);
  let filled = 0;
  while (filled < limit) {
    const read = await stdin.read(buffer.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

function checked(password: string): string {
  if (password === "") throw new ConfigError("the password is empty; nothing was printed.");
  if (hasControlCharacter(password)) {
    throw new ConfigError("the password holds a control character, which HTTP Basic cannot send.");
  }
  return password;
}

function decode(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new ConfigError("the password is not UTF-8 text.");
  }
}

function tooLong(): ConfigError {
  return new ConfigError(`the password is longer than ${MAX_PASSWORD_BYTES} bytes.`);
}

function writeText(output: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += output.writeSync(bytes.subarray(written));
}
