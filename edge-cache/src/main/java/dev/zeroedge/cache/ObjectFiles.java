package dev.zeroedge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.zeroedge.content.Description;
import dev.zeroedge.files.FileInfo;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.OpenFile;

import java.io.IOException;
import java.util.function.LongFunction;

/**
 * The body files of hot objects, kept open, as core's open-file cache keeps a static site's: a hit of a held
 * object costs no trip to a file-system thread, no open, no fstat and no close, only a reference taken on the
 * event loop. An object's files never change under its name (a fill commits a new version by rename), so a held
 * descriptor needs no recheck: it is used only for the very {@link StoredObject} it was opened for, and a newer
 * version is opened anew. An object the index lets go of (evicted, invalidated) is let go of here too, so the
 * descriptor of an unlinked body does not keep its disk space; responses still sending it keep their own
 * reference and finish. Bounded by count (W-TinyLFU), so a scan of cold objects does not push the hot ones out.
 */
final class ObjectFiles {

    /** A body just opened on a file-system thread, and what a stat of it found then. */
    record Opened(OpenFile file, FileInfo info) {
    }

    /** A hit's head, kept while its Age is the same (a second): a hot object's head is not formatted per hit. */
    private record Head(long age, Description description) {
    }

    /** One object's open body, of which this holds one reference until it is dropped. */
    private static final class Held {
        final StoredObject object;
        final FileInfo info;
        private OpenFile file;
        volatile Head head;

        Held(StoredObject object, FileInfo info, OpenFile file) {
            this.object = object;
            this.info = info;
            this.file = file;
        }

        /** The descriptor, retained for the caller; null once dropped. */
        synchronized OpenFile retain() {
            return file == null ? null : file.retain();
        }

        void drop() {
            OpenFile open;
            synchronized (this) {
                open = file;
                file = null;
            }
            if (open != null) {
                open.release();
            }
        }
    }

    private final Cache<String, Held> held;
    private final boolean off;
    private final HeldBodies bodies;

    /**
     * {@code capacity} objects at most; 0 holds none (every hit opens its body on a file-system thread). Bodies
     * that {@code bodies} has room for are read into memory when opened, as the static source holds small files:
     * a small hit is then copied behind its head from memory, with no read of the file.
     */
    /** Whether object {@code hash} is one of those held open: hit lately and often enough (hot). */
    boolean holds(String hash) {
        return held.asMap().containsKey(hash); // a look that does not count as a use
    }

    ObjectFiles(int capacity, HeldBodies bodies) {
        this.off = capacity == 0;
        this.bodies = bodies;
        this.held = Caffeine.newBuilder().maximumSize(capacity)
                .removalListener((String hash, Held entry, RemovalCause cause) -> {
                    if (entry != null) {
                        entry.drop();
                    }
                })
                .build();
    }

    /**
     * The open body of {@code object}, retained for the caller, when it is held and still the file it was (a statx
     * of the descriptor, no path walk, as core's open-file cache checks a file it did not read whole: someone
     * may have deleted the object behind the cache's back); else null, and the caller opens it anew.
     */
    OpenFile retain(String hash, StoredObject object) {
        Held entry = off ? null : held.getIfPresent(hash);
        if (entry == null || entry.object != object) {
            return null;
        }
        OpenFile file = entry.retain();
        // Bytes held in memory are the object's whatever happens on disk; a descriptor is checked.
        if (file != null && file.body() == null && !file.describedBy(entry.info)) {
            file.release();
            held.asMap().remove(hash, entry);
            return null;
        }
        return file;
    }

    /**
     * On a file-system thread, right after the open: the body of {@code file} is read into memory when it is small
     * enough and the budget has room (then it needs no check when it is used).
     */
    void readIfSmall(OpenFile file) throws IOException {
        if (!off && file.growing() == null) {
            file.hold(bodies);
        }
    }

    /**
     * The head of a hit of {@code object} at {@code age}: the one made for the last hit when it had the same age,
     * else {@code make}'s (kept for the next hit when the object is held).
     */
    Description hitHead(String hash, StoredObject object, long age, LongFunction<Description> make) {
        Held entry = off ? null : held.getIfPresent(hash);
        if (entry == null || entry.object != object) {
            return make.apply(age);
        }
        Head last = entry.head;
        if (last != null && last.age() == age) {
            return last.description();
        }
        Description made = make.apply(age);
        entry.head = new Head(age, made);
        return made;
    }

    /** Holds {@code opened}, just opened for {@code object} (this takes a reference of its own). */
    void hold(String hash, StoredObject object, Opened opened) {
        if (!off) {
            held.put(hash, new Held(object, opened.info(), opened.file().retain()));
        }
    }

    /** Object {@code hash} left the index: its descriptor goes (responses sending it keep theirs). */
    void drop(String hash) {
        held.invalidate(hash);
    }

    /** Body bytes held in memory now. */
    long bodyBytes() {
        return bodies.held();
    }

    /** Lets go of every held descriptor. */
    void close() {
        held.invalidateAll();
        held.cleanUp();
    }
}
