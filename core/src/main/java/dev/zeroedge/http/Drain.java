package dev.zeroedge.http;

/** User event fired on every connection when the server shuts down: close when no response is in flight. */
public enum Drain {
    INSTANCE
}
