package dev.zeroedge.content;

import dev.zeroedge.files.OpenFile;

/**
 * Something to send: what its head says ({@link Description}) and its bytes, an open file whose bytes
 * {@code [0, description.length())} are the representation (of a length not known yet: a file still growing,
 * whose bytes up to its end are). The body is retained for whoever receives this
 * answer, who releases it.
 */
public record Representation(Description description, OpenFile body) implements Answer {

    public Representation {
        if (description.length() < 0 && body.growing() == null) {
            body.release();
            throw new IllegalArgumentException("only a body still growing may have a length not known yet");
        }
        if (description.length() >= 0 && body.length() < description.length()) {
            body.release();
            throw new IllegalArgumentException("a " + body.length() + "-byte file cannot hold a "
                    + description.length() + "-byte representation");
        }
    }
}
