package dev.zeroedge.cache;

/**
 * What is wrong with one stored object, as a check of its files found it.
 *
 * @param hash  the object's file name
 * @param key   its key, or null when its metadata does not read back
 * @param slice the slice whose bytes do not match their checksum, or -1 when the object as a whole is wrong
 *              (metadata, a missing body, a body of another length)
 * @param what  what is wrong, in words
 */
record Fault(String hash, String key, int slice, String what) {

    /** One line for the log or the verify command: key, slice, what. */
    String describe() {
        return (key == null ? "?" : key) + " (" + hash + ") " + (slice < 0 ? "" : "slice " + slice + ": ") + what;
    }
}
