package dev.zeroedge.launcher;

/** The text of {@code --help}. */
final class Help {

    private Help() {
    }

    static final String TEXT = """
            zeroedge: a zero-copy HTTP file server for CDN edge nodes

            usage:
              java -jar zeroedge.jar serve --root DIR [options]
              java -jar zeroedge.jar serve --origin http://HOST:PORT --cache-dir DIR [options]
              java -jar zeroedge.jar serve --config FILE [options]
              java -jar zeroedge.jar check-config --config FILE [options]
              java -jar zeroedge.jar probe [--json] [--nic IFACE] [--bind ADDR] [--uring-min-kernel V]
              java -jar zeroedge.jar cache verify --cache-dir DIR[,DIR...]
              java -jar zeroedge.jar --help

            serve options:
              --config FILE              read every option below from a YAML file: key = the option's
                                         name without dashes, same values (root: /srv/www, max-header-size:
                                         16k, header-timeout: 10s); an option given here wins over the file.
                                         SIGHUP reads the file again: limits, timeouts, max-connections,
                                         grace and the open-file cache's times apply to new connections,
                                         other changes are logged as needing a restart
              --root DIR                 directory to publish (this or --origin)
              --origin http://HOST:PORT  be an edge cache of this origin instead (with --cache-dir)
              --cache-dir DIR[,DIR...]   where the cache keeps its objects (created if missing); several:
                                         objects placed by hash, a failing one taken out of service
              --cache-max-size BYTES     body bytes the cache keeps on disk at most (default 10g)
              --cache-slice BYTES|off    objects longer than this are fetched (with Range) and stored
                                         in slices of this size, each when first read (default 4m)
              --cache-min-free N%|BYTES  what the cache leaves free of its file system (default 5%):
                                         a response it has no room for is passed through uncached
              --scrub-rate BYTES|0       body bytes a second the scrubber re-reads (per directory) to
                                         compare cached objects with their checksums, hottest first; a
                                         corrupt one is quarantined (DIR/quarantine/) and fetched again
                                         (a hot one at once, others on their next request; default 20m;
                                         0: off)
              --scrub-interval DUR       every cached object is checked at least once per this
                                         (default 24h)
              --cache-stale-max DUR      the longest an object is served stale (stale-while-revalidate,
                                         stale-if-error, max-stale), whatever they say (default 24h; 0s: never)
              --cache-max-variants N     variants kept of one key (Vary); past it the least recently used
                                         one goes (default 8)
              --purge-allow CIDR,CIDR    addresses PURGE is taken from (default 127.0.0.0/8,::1)
              --origin-connect-timeout DUR    connecting to the origin, else 504 (default 3s)
              --origin-first-byte-timeout DUR the origin's response head, else 504 (default 15s)
              --origin-idle-timeout DUR       silence within the origin's body, else the object is
                                              dropped and its clients closed (default 30s)
              --parents URL,URL,...      a tier of parent caches asked instead of the origin, each key
                                         at its rendezvous-hash home; a parent down is skipped
              --parent-probe-interval DUR  how often each parent is probed (default 2s)
              --cdn-id ID                this node's id in CDN-Loop; a request naming it is 508
                                         (default HOSTNAME:PORT)
              --port N                   TCP port (default 8080; 0 picks a free one)
              --bind ADDR                address to listen on (default 0.0.0.0)
              --mode MODE                auto | uring-splice | epoll-sendfile | nio-sendfile | epoll-mmap | epoll-copy
                                         (default auto: the probe picks and logs why)
              --nic IFACE                the NIC whose scatter-gather counts (default: the bind
                                         address's interface, or the default route's for 0.0.0.0)
              --uring-min-kernel V       oldest kernel auto trusts with uring-splice (default 6.1)
              --serve-dotfiles           serve files and directories whose name starts with '.'
              --max-request-line BYTES   longest request line, else 414 (default 8k)
              --max-header-size BYTES    largest header section, else 431 (default 16k)
              --max-headers N            most header fields, else 431 (default 100)
              --max-request-body BYTES   largest upload relayed to the origin (--origin only: the
                                         static root reads no body), else 413 (default 1g)
              --header-timeout DUR       time to receive a request head, else 408 (default 10s)
              --idle-timeout DUR         keep-alive idle time between requests (default 60s)
              --send-timeout DUR         a response that the client takes no byte of for this long
                                         is closed; a slow reader that keeps reading never is (default 60s)
              --max-connections N        open connections, more get 503 (default: what the open-file
                                         limit holds with every connection busy in the chosen mode;
                                         the startup log says the figure and how)
              --send-buffer BYTES        SO_SNDBUF of each connection (default: the kernel's autotuning)
              --sendfile-max-chunk BYTES largest slice of a body sent at once, for fairness (default 2m)
              --inline-body-max BYTES    bodies up to this size are read and sent with the head in one
                                         write, cheaper than zero-copy when small (default 16383, at
                                         most 256k; 0: every body through the mode's zero-copy path)
              --event-loops N            event-loop threads (default: one per CPU)
              --grace DUR                on SIGTERM/SIGINT, time for responses in flight (default 10s)
              --open-file-cache N        resolved, open files kept (default 4096; 0: off)
              --open-file-cache-valid DUR  how long a cached file is trusted before it is checked again (default 1s)
              --open-file-cache-inactive DUR  a cached file unused this long is closed, deleted or not (default 60s)
              --fs-threads N             threads per disk that wait for it (lookups, opens, cold reads)
                                         so that event loops never do (default 16)
              --fs-queue N               file-system work that may wait per disk; past it a request for
                                         that disk gets 503 with Retry-After (default 1024)
              --admin ADDR               admin listener: GET /metrics (Prometheus), /healthz, /probe;
                                         HOST:PORT, or a bare PORT on loopback (default off)
              --access-log PATH|off      one line per response, written off the event loops
                                         (default off); SIGUSR1 reopens it (log rotation)
              --access-log-format F      combined (nginx's, plus request time, mode, bytes sent) | json
                                         (default combined)
              --access-log-queue N       lines that may wait for the writer; past it lines are dropped
                                         and counted, never waited for (default 65536)

            check-config reads the file and the options as serve would and checks every key and value,
            that the root is a readable directory and that the mode can run here, without serving:
            one OK line and exit 0, or one line per problem (file:line: key ...) and exit 2.

            cache verify checks every object of a cache directory offline: its metadata, its body's
            length and each slice's CRC32C; one line per bad object (key, slice, what) and per orphan
            (a body without metadata, a leftover in tmp/), then a summary (objects, bytes, bad, orphans);
            exit 0 when all is well, 1 when anything is bad, 2 for a bad command line.

            probe prints what auto would find and choose: kernel, io_uring, epoll, the NIC and its
            scatter-gather (from ethtool -k, else the SIOCETHTOOL ioctl), the mode and the reason;
            --json prints one JSON object.
            auto policy: uring-splice when kernel >= --uring-min-kernel, io_uring runs with splice and
            the NIC's scatter-gather is on (unknown counts as on); else epoll-sendfile when epoll runs;
            else nio-sendfile.

            Sizes take k, m, g suffixes; durations ms, s, m, h. Exit codes: 0 after a clean shutdown,
            2 for a bad command line or config file, a missing root, a busy port or a mode that cannot run here.
            """;
}
