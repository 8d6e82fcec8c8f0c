/**
 * Response headers the user asked for (`--header`, zhttp.json `headers`): on every
 * response, or on those whose path matches a glob. They are set just before the head goes
 * out (a ResponseWrapper's onHead), so they win over what the handler set (the user's
 * Cache-Control over the default), error pages included; `Vary` is added to rather than
 * replaced, since a cache needs every field the response varies on (RFC 9110 §12.5.5).
 *
 * The rules were checked at startup (lib/cli/header_settings.ts): valid names and values,
 * and no field that frames the message or belongs to the connection.
 */
import type { Middleware } from "../server/handler.ts";
import type { ResponseWriter } from "../http/response.ts";
import { ResponseWrapper, wrapResponses } from "../server/response_wrapper.ts";

/** One header to send: on every response (glob null) or on paths matching `glob`. */
export interface HeaderRule {
  /** A path glob: `*` within a segment, `**` across segments, `?` one character. */
  readonly glob: string | null;
  readonly name: string;
  readonly value: string;
}

export interface ResponseHeadersOptions {
  /** Match globs in any case, where file names are (Windows, macOS). */
  caseInsensitive: boolean;
}

/** The middleware that sends `rules`' headers. */
export function responseHeaders(
  rules: readonly HeaderRule[],
  options: ResponseHeadersOptions,
): Middleware {
  const compiled = rules.map((rule) => ({
    ...rule,
    pattern: rule.glob === null ? null : globPattern(rule.glob, options.caseInsensitive),
  }));
  return wrapResponses((req, res) => {
    const path = decodedPath(req.path);
    const fields = compiled.filter((rule) => rule.pattern === null || rule.pattern.test(path));
    return fields.length === 0 ? null : new HeaderSettingWriter(res, fields);
  });
}

/**
 * A glob as a RegExp over decoded URL paths: `*` is any run of characters but "/", `?` one
 * such character, `**` any run including "/"; a `/**` at the end also matches the folder
 * itself (`/assets/**` matches `/assets`, `/assets/` and everything below), and `/**\/` in
 * the middle matches one "/" or any folders between (`/**\/*.js` matches `/a.js`).
 */
export function globPattern(glob: string, caseInsensitive: boolean): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (glob.startsWith("/**", i) && (i + 3 === glob.length || glob[i + 3] === "/")) {
      // "/" and anything, or nothing: the "/" that may follow then starts the next part.
      source += "(?:/.*)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`, caseInsensitive ? "i" : "");
}

class HeaderSettingWriter extends ResponseWrapper {
  readonly #fields: readonly HeaderRule[];

  constructor(inner: ResponseWriter, fields: readonly HeaderRule[]) {
    super(inner);
    this.#fields = fields;
  }

  protected override onHead(): void {
    for (const { name, value } of this.#fields) {
      if (name.toLowerCase() !== "vary") {
        this.setHeader(name, value);
        continue;
      }
      const present = this.getHeader("vary");
      const listed = present?.split(",").map((item) => item.trim().toLowerCase()) ?? [];
      if (!listed.includes(value.toLowerCase())) {
        this.setHeader("Vary", present === undefined ? value : `${present}, ${value}`);
      }
    }
  }
}

/** A raw URL path percent-decoded, as globs are written; the raw path when it does not decode. */
function decodedPath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
