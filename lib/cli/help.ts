/** The `--help` page. */
import { DEFAULT_CACHE_CONTROL, DEFAULT_HOST, DEFAULT_PORT } from "./config.ts";

export const HELP_TEXT = `zhttp: serve a folder over HTTP.

Usage
  zhttp [folder] [options]

  The folder is, in order: the argument, "root" in zhttp.json, or the current folder
  (the program's own folder when it is double-clicked).

Network
  --host <address>         Address to listen on (default ${DEFAULT_HOST}: 127.0.0.1 and ::1, this
                           computer only; 0.0.0.0 or :: means every interface, IPv4 and IPv6)
  --lan                    Listen on every network interface, IPv4 and IPv6 (--host 0.0.0.0)
  -p, --port <port>        Port (default ${DEFAULT_PORT}; if busy, the next free one of the ten after it.
                           A port you choose is never swapped: zhttp stops instead)
  --max-connections <n>    Connections served at once (default 1024)

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

Output
  --log-format <format>    Access log as "pretty" (default) or "common" (Common Log Format)
  -q, --quiet              No access log; warnings and errors only
  --open                   Open the served address in the default browser

  -h, --help               Show this help
  -V, --version            Show the version

zhttp.json
  The same settings as a JSON file beside the program or in the current folder, for
  people who double-click: {"port": 9000, "cors": true, "headTimeout": "20s"}.
  Names: root host port maxConnections headTimeout idleTimeout bodyTimeout writeTimeout
  drainTimeout maxBodySize cors listing showDotfiles followSymlinks cacheControl logFormat
  quiet open https tlsCert tlsKey httpsRedirect (tlsCert and tlsKey relative to the file).
  Flags win over the file.

Stop with Ctrl+C: downloads in progress finish first; press it again to quit at once.`;
