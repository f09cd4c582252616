package dev.zeroedge.content;

/**
 * Something to send whose bytes are in no file ({@link RelayedBody}): what its head says and the flow of its body.
 * Whoever receives this answer sends it or {@linkplain RelayedBody#cancel cancels} it. The ladder treats it as a
 * {@link Representation} whose body is read once, from its start: no ranges, and a conditional that answers
 * 304 or 412 cancels the body.
 */
public record Relay(Description description, RelayedBody body) implements Answer {
}
