/**
 * The fetch handler of the hello-fetch workload, one function for both of its servers:
 * zhttp through fetchHandler() (zhttp_hello.ts) and Deno.serve (deno_fetch.ts). It answers
 * what zhttp's /hello answers, the way code written for Deno.serve usually does.
 */

/** `Hello, World!` as a fresh Response, as a Deno.serve handler makes it. */
export function helloFetch(): Response {
  return new Response("Hello, World!\n");
}
