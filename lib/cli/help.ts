/** The `--help` page. */
import { DEFAULT_CACHE_CONTROL, DEFAULT_HOST, DEFAULT_PORT } from "./config.ts";
import { DEFAULT_REALM } from "../middleware/basic_auth.ts";

export const HELP_TEXT = `zhttp: serve a folder over HTTP.

Usage
  zhttp [folder] [options]
  zhttp hash-password      Print a password hash for "users" in zhttp.json (asks for the
                           password without showing it, or reads one line from stdin)

  The folder is, in order: the argument, "root" in zhttp.json, or the current folder
  (the program's own folder when it is double-clicked).

Network
  --host <address>         Address to listen on (default ${DEFAULT_HOST}: 127.0.0.1 and ::1, this
                           computer only; 0.0.0.0 or :: means every interface, IPv4 and IPv6)
  --lan                    Listen on every network interface, IPv4 and IPv6 (--host 0.0.0.0)
  -p, --port <port>        Port (default ${DEFAULT_PORT}; if busy, the next free one of the ten after it.
                           A port you choose is never swapped: zhttp stops instead)
  --max-connections <n>    Connections served at once (default 1024), per worker
  --workers <n|auto>       Server threads on the port (default 1; auto: one per core). Linux
                           only: its sockets share a port and the system spreads connections
                           over them; on Windows and macOS one thread serves
  --qr                     With --lan, show the first network address as a QR code, for phones

HTTPS
  --https                  Serve HTTPS with a certificate zhttp makes for this computer,
                           signed by its local CA (trust it once per device; see the banner)
  --tls-cert <file>        Serve HTTPS with your certificate (PEM, the chain leaf first)...
  --tls-key <file>         ...and its private key (PEM, without a passphrase)
  --https-redirect <port>  Also listen on this port (plain HTTP), redirecting to HTTPS

Timeouts (10s, 500ms, 2m)
  --head-timeout <time>    To receive a request's head (default 10s), else 408
  --idle-timeout <time>    Between requests on a kept-alive connection (default 5s)
  --body-timeout <time>    Without progress while receiving a body (default 30s)
  --write-timeout <time>   Without progress while sending to a client (default 30s)
  --drain-timeout <time>   On Ctrl+C, to let downloads finish (default 10s)

Files
  --no-listing             Do not list folders that have no index.html
  --show-dotfiles          Serve and list names starting with "." (hidden by default)
  --follow-symlinks        Follow symbolic links that lead outside the folder
  --cache-control <value>  Cache-Control for files (default "${DEFAULT_CACHE_CONTROL}": always
                           revalidate, so a saved file shows on the next reload)
  --cors                   Allow any web page to fetch files (Access-Control-Allow-Origin: *)
  --max-body-size <size>   Largest request body accepted (default 100MiB), else 413
  --header "Name: value"   Send this header with every response, in place of zhttp's own
                           (repeatable; Content-Length, Transfer-Encoding, Connection and the
                           like are refused). Per path in zhttp.json: "headers":
                           {"/assets/**": {"Cache-Control": "max-age=31536000, immutable"}}
  --no-compress            Do not compress responses on the fly (on by default, or with
                           --compress: brotli, zstd or gzip, for clients that accept them)
  --no-precompressed       Ignore precompressed files beside a file (app.js.br, .zst, .gz),
                           which are otherwise sent to clients that accept them

Development
  --live                   Reload open pages when a file in the folder changes; a changed
                           stylesheet is swapped in place, without a reload
  --spa                    Single-page app: a GET for a path that does not exist, has no file
                           extension and asks for text/html gets the root index.html with 200
                           (files, folders, missing assets like /app.js: as without --spa)

Access
  --auth <user:password>   Ask for this user name and password (HTTP Basic) on every path;
                           repeatable. Other users of this computer can read it in the
                           process list: for anything lasting, use "users" in zhttp.json
  --realm <name>           The name the browser's login prompt shows (default "${DEFAULT_REALM}")

Output
  --log-format <format>    Access log as "pretty" (default) or "common" (Common Log Format)
  -q, --quiet              No access log; warnings and errors only
  --open                   Open the served address in the default browser

  -h, --help               Show this help
  -V, --version            Show the version

zhttp.json
  The same settings as a JSON file beside the program or in the current folder, for
  people who double-click: {"port": 9000, "cors": true, "headTimeout": "20s"}.
  Names: root host port maxConnections workers headTimeout idleTimeout bodyTimeout writeTimeout
  drainTimeout maxBodySize cors listing showDotfiles followSymlinks cacheControl logFormat
  quiet open live spa headers qr users realm protect public compress precompressed https
  tlsCert tlsKey httpsRedirect (tlsCert and tlsKey relative to the file). Flags win over
  the file; headers from both are sent.
  Logins: {"users": {"ann": "$scrypt$..."}, "public": ["/public"]} asks for a login
  everywhere but under /public; "protect": ["/private"] only there. The hashes come from
  zhttp hash-password; a password in plain text is refused.

Stop with Ctrl+C: downloads in progress finish first; press it again to quit at once.`;
