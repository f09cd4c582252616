package dev.zeroedge.cache;

/**
 * One prefix purge: every object whose key starts with {@code prefix} and that was stored at or before
 * {@code atMillis} is gone ({@code soft} false) or stale ({@code soft}: its next use validates it with the origin).
 * The comparison with the object's store time is what makes it lazy: nothing on disk is touched when it is made.
 *
 * @param prefix the key text's start ({@link CacheKey#text}: the host, a space, the path's start)
 */
record PurgeRecord(String prefix, boolean soft, long atMillis) {

    /** Whether it reaches {@code object}. */
    boolean covers(StoredObject object) {
        return object.storedAtMillis() <= atMillis && object.key().startsWith(prefix);
    }

    /** One line of the records' file: {@code MILLIS soft|hard PREFIX}. */
    String line() {
        return atMillis + " " + (soft ? "soft" : "hard") + " " + prefix;
    }

    /** The record of a {@link #line}; IllegalArgumentException when it is not one. */
    static PurgeRecord parse(String line) {
        String[] parts = line.split(" ", 3);
        if (parts.length != 3 || !(parts[1].equals("soft") || parts[1].equals("hard"))) {
            throw new IllegalArgumentException("not a purge record: " + line);
        }
        return new PurgeRecord(parts[2], parts[1].equals("soft"), Long.parseLong(parts[0]));
    }
}
