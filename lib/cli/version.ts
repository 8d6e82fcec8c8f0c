/** The version, from its one place: deno.json (embedded into the compiled binary). */
import denoJson from "../../deno.json" with { type: "json" };

export const VERSION: string = denoJson.version;
