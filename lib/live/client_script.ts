/**
 * The script every live page loads (from SCRIPT_PATH, so a Content-Security-Policy of
 * `script-src 'self'` lets it run): it listens to the event stream and
 * - on "css", swaps the page's stylesheets that changed (all of them when none matches by
 *   path, as for a sheet pulled in by `@import`) for fresh copies, keeping the page and its
 *   state: the new `<link>` goes in beside the old one, which leaves once the new has
 *   loaded, so nothing flashes unstyled;
 * - on "reload", reloads the page;
 * - on "hello", remembers which zhttp answered: when the stream comes back from another one
 *   (zhttp was restarted, and files may have changed meanwhile), the page reloads.
 * EventSource reconnects by itself after the server's `retry:` delay, so a restarted zhttp
 * is found again.
 */

/** Where the event stream is served (a dotfile path: never a user's file). */
export const EVENTS_PATH = "/.zhttp/live";
/** Where this script is served. */
export const SCRIPT_PATH = "/.zhttp/live.js";
/** The query parameter that makes a swapped stylesheet's URL new to the browser's cache. */
export const CACHE_BUSTER = "zhttp-live";

/** The script's text (plain ES2017, no modules: it must run in any page). */
export const CLIENT_SCRIPT = `// zhttp live reload
(function () {
  "use strict";
  var source = new EventSource(${JSON.stringify(EVENTS_PATH)});
  var server = null;
  source.addEventListener("hello", function (event) {
    if (server !== null && server !== event.data) location.reload();
    server = event.data;
  });
  source.addEventListener("reload", function () {
    location.reload();
  });
  source.addEventListener("css", function (event) {
    var changed = JSON.parse(event.data);
    var links = Array.prototype.filter.call(
      document.querySelectorAll("link[rel~=stylesheet i]"),
      function (link) { return !link.hasAttribute("data-zhttp-replaced"); }
    );
    var matching = links.filter(function (link) {
      return changed.indexOf(pathOf(link.href)) >= 0;
    });
    (matching.length > 0 ? matching : links).forEach(refresh);
  });
  function pathOf(href) {
    try {
      return decodeURIComponent(new URL(href).pathname);
    } catch (error) {
      return "";
    }
  }
  function refresh(link) {
    var url = new URL(link.href);
    url.searchParams.set(${JSON.stringify(CACHE_BUSTER)}, String(Date.now()));
    var next = link.cloneNode(false);
    next.href = url.href;
    link.setAttribute("data-zhttp-replaced", "");
    var done = function () { link.remove(); };
    next.addEventListener("load", done);
    next.addEventListener("error", done);
    link.after(next);
  }
})();
`;

/** The tag injected into pages (`async`: it never holds up the page). */
export const SCRIPT_TAG = `<script src="${SCRIPT_PATH}" async></script>`;
