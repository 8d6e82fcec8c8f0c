/**
 * Writing a file so that no reader ever sees half of it, even when two zhttp start at the
 * same moment: the text goes to a temporary file beside the target (same folder, so the
 * same file system), is flushed to disk, and only then takes the target's name, by one
 * rename or one hard link. Both are atomic on POSIX and on NTFS.
 */

/** Whether an existing target is replaced, or kept when another process wrote it first. */
export type ExistingFile = "replace" | "keep";

/**
 * Writes `text` to `file` atomically with permission bits `mode` (POSIX; on Windows a file
 * in the user's profile is the user's alone through the folder's ACL). With "keep", an
 * existing `file` wins and is left untouched: the function returns false, and the caller
 * reads what the other process wrote. Returns true when this text is now the file's.
 */
export async function writeFileAtomically(
  file: string,
  text: string,
  options: { mode: number; existing: ExistingFile },
): Promise<boolean> {
  const temporary = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await writeAndFlush(temporary, new TextEncoder().encode(text), options.mode);
    if (options.existing === "replace") {
      await Deno.rename(temporary, file);
      return true;
    }
    // A hard link to a new name fails when the name exists, where a rename would replace:
    // the first process to finish wins, and the others load its file.
    try {
      await Deno.link(temporary, file);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    }
  } finally {
    // After a rename the temporary name is gone; after a link or a failure it goes here.
    await Deno.remove(temporary).catch(() => {});
  }
}

async function writeAndFlush(file: string, bytes: Uint8Array, mode: number): Promise<void> {
  using handle = await Deno.open(file, { write: true, createNew: true, mode });
  for (let written = 0; written < bytes.length;) {
    written += await handle.write(bytes.subarray(written));
  }
  // Without it, a power cut soon after the rename can leave an empty file under the name.
  await handle.sync();
}
