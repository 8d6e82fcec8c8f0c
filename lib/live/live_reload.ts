/**
 * LiveReload: what `--live` runs beside the server: a FolderWatcher on the served folder
 * whose batches become events on the LiveEvents streams. Made by main.ts (or an embedder),
 * handed to createApp(), and closed when shutdown begins: that ends the streams at once
 * and stops the watch.
 */
import path from "node:path";
import { type ChangeBatch, FolderWatcher } from "./folder_watcher.ts";
import { type LiveChange, LiveEvents, type LiveEventsOptions } from "./event_stream.ts";

export interface LiveReloadOptions extends LiveEventsOptions {
  /** The folder served and watched. */
  root: string;
  /** Files that are never content (the executable, its zhttp.json): their changes are not. */
  hiddenFiles?: readonly string[];
  debounceMs?: number;
}

export class LiveReload implements AsyncDisposable {
  /** The event streams, served by the live-reload middleware. */
  readonly events: LiveEvents;
  readonly #watcher: FolderWatcher;

  /** Starts watching (throws what Deno.watchFs throws: a folder it cannot watch). */
  constructor(options: LiveReloadOptions) {
    this.events = new LiveEvents(options);
    const root = path.resolve(options.root);
    const hidden = new Set(
      (options.hiddenFiles ?? []).map((file) =>
        comparable(path.relative(root, path.resolve(file)).split(path.sep).join("/"))
      ),
    );
    this.#watcher = new FolderWatcher(root, {
      ignore: (relative) => ignoredChange(relative) || hidden.has(comparable(relative)),
      onBatch: (batch) => {
        const change = changeOf(batch);
        if (change !== null) this.events.publish(change);
      },
      debounceMs: options.debounceMs,
    });
  }

  /** Ends every event stream and stops watching. */
  async close(): Promise<void> {
    this.events.close();
    await this.#watcher.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Whether a change to `relative` (below the served folder, "/"-separated) is not worth a
 * reload: a hidden name anywhere on its path (`.git/`, an editor's `.page.html.swp`, even
 * with --show-dotfiles: a commit must not reload every page), or a backup file (`page~`).
 */
export function ignoredChange(relative: string): boolean {
  return relative.split("/").some((segment) => segment.startsWith(".")) ||
    relative.endsWith("~");
}

/**
 * What a batch means for the open pages: only stylesheets changed (and are still there),
 * so they can be swapped in place; or anything else, so pages reload. A new folder counts
 * as anything else: files written into it at once can come before the watch on it begins
 * (measured with `mkdir -p` and a write), and the reload shows them all the same.
 */
export function changeOf(batch: ChangeBatch): LiveChange | null {
  if (batch.overflow) return { kind: "reload" };
  if (batch.paths.length === 0) return null;
  const cssOnly = batch.paths.every((changed) =>
    changed.now === "file" && changed.path.toLowerCase().endsWith(".css")
  );
  if (!cssOnly) return { kind: "reload" };
  return { kind: "css", paths: batch.paths.map((changed) => `/${changed.path}`) };
}

/** A relative path as compared with the hidden files: in any case where names are (Windows). */
function comparable(relative: string): string {
  return Deno.build.os === "windows" ? relative.toLowerCase() : relative;
}
