package dev.zeroedge.loadtest;

/** Every way a request can fail; each is counted and reported, none is dropped. */
enum ErrorKind {
    /** The TCP connection could not be made. */
    CONNECT("connect"),
    /** The status code was not the expected 200 (206 for a range). */
    STATUS("status"),
    /** Content-Length missing or not the file's (or range's) length. */
    LENGTH("length"),
    /** The head could not be read as HTTP/1.x. */
    MALFORMED("malformed"),
    /** The connection closed before the head was complete. */
    CLOSED("closed"),
    /** The connection closed in the middle of the body. */
    SHORT_BODY("short body"),
    /** A sampled body differed from the file's bytes. */
    BODY("body mismatch"),
    /** Bytes arrived while no request was in flight (or after the body). */
    UNEXPECTED("unexpected bytes"),
    /** No complete response within --timeout of sending the request. */
    TIMEOUT("timeout");

    final String label;

    ErrorKind(String label) {
        this.label = label;
    }
}
