package dev.zeroedge.http;

/** What {@link RequestDecoder} hands on, in the order requests arrived: a request or a refusal. */
public sealed interface Inbound permits Request, Rejection {
}
