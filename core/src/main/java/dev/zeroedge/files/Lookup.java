package dev.zeroedge.files;

/** What a request path names under the document root. */
public sealed interface Lookup {

    /**
     * A regular file to serve (for a directory path ending in '/', its index.html), open: {@code open} is
     * retained for whoever receives this lookup, who releases it; its bytes are the ones {@code file} describes.
     */
    record Found(FileInfo file, OpenFile open) implements Lookup {
    }

    /**
     * The name still names the file version the asker already has open (same device, inode, length and
     * mtime): nothing was opened, so a cached descriptor goes on serving even when none is left to open.
     */
    record Unchanged() implements Lookup {
    }

    /**
     * The server cannot look now (the file-system queue is full, no descriptor left, the file is being
     * rewritten): 503 with Retry-After. {@code close}: the trouble is the server's descriptors, so the
     * connection is closed after the answer rather than kept.
     */
    record Busy(String why, boolean close) implements Lookup {
    }

    /**
     * A directory named without its trailing slash: redirect to {@code location}, its path as resolved
     * (percent-encoded, one leading '/', the trailing slash added), never the request's text.
     */
    record MissingSlash(String location) implements Lookup {
    }

    /** Nothing to serve here: absent, hidden (dotfile), outside the root, not a regular file. */
    record NotFound(String why) implements Lookup {
    }

    /** The path itself is malformed or tries to leave the root: never looked up. */
    record BadPath(String why) implements Lookup {
    }

    /** The file exists but the server may not read it. */
    record Forbidden(String why) implements Lookup {
    }
}
