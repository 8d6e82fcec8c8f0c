/**
 * The kind of icon a listing shows beside a name, chosen by extension: a person scanning a
 * folder finds the photos or the archive at a glance. Only the extension is looked at, never
 * the content, so it costs nothing per entry.
 */

/** The icons a listing has. */
export type IconKind =
  | "folder"
  | "text"
  | "image"
  | "audio"
  | "video"
  | "archive"
  | "code"
  | "file";

const EXTENSIONS: Readonly<Record<Exclude<IconKind, "folder" | "file">, string>> = {
  text: "txt md markdown rst log csv tsv pdf doc docx odt rtf epub tex nfo",
  image: "png jpg jpeg gif webp avif svg bmp ico tif tiff heic heif jxl psd raw cr2 nef dng",
  audio: "mp3 wav flac ogg oga opus m4a aac wma aif aiff mid midi",
  video: "mp4 m4v mkv webm mov avi wmv flv mpg mpeg 3gp ogv",
  archive: "zip tar gz tgz bz2 xz zst 7z rar iso dmg cab deb rpm apk jar whl",
  // ".ts" is TypeScript here, not an MPEG transport stream: this is a developer's server.
  code: "js mjs cjs ts mts cts tsx jsx json jsonc html htm css scss less py rb go rs c h cc " +
    "cpp hpp java kt swift sh bash zsh ps1 bat cmd php lua sql xml yaml yml toml ini wasm " +
    "vue svelte",
};

const KIND_BY_EXTENSION: ReadonlyMap<string, IconKind> = new Map(
  Object.entries(EXTENSIONS).flatMap(([kind, list]) =>
    list.split(" ").map((extension) => [extension, kind as IconKind] as const)
  ),
);

/** The icon for an entry: a folder's, or by the file's extension (case-insensitive). */
export function iconKindOf(name: string, isDirectory: boolean): IconKind {
  if (isDirectory) return "folder";
  const dot = name.lastIndexOf(".");
  // A leading dot (".bashrc") starts a name, not an extension.
  if (dot <= 0) return "file";
  return KIND_BY_EXTENSION.get(name.slice(dot + 1).toLowerCase()) ?? "file";
}
