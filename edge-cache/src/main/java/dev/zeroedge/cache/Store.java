package dev.zeroedge.cache;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.Preallocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The cache directory, and the only code that touches its files; every call blocks, so it runs on the
 * file-system threads (or at startup), never on an event loop.
 *
 * <p>Object {@code H} (the key's hash) is {@code DIR/H[0,2]/H[2,4]/H}, its bytes and nothing else, and
 * {@code H.meta} beside it, the {@link StoredObject}. A fill writes {@code DIR/tmp/H.NONCE}; its commit forces
 * the body, writes and forces {@code DIR/tmp/H.NONCE.meta}, removes a previous metadata file, renames the body
 * and then the metadata into place (the metadata last: it is the commit record), and forces the directory. A
 * crash at any point leaves either the old object, no object, or the new one; never a half-written body under
 * an object's name. Whatever {@code tmp/} holds at startup is a fill that never finished, and is deleted.
 *
 * <p>An object in slices is made in place at once ({@link #createSliced}): a sparse body file of its whole
 * length (its blocks claimed) and metadata saying that no slice is there, committed as above. Each slice is then
 * written into that body file at its offset and committed on its own ({@link #commitSlice}): the body's data forced, then new
 * metadata (the slice map with that slice) written and forced beside, renamed over the old one, and the
 * directory forced. A crash keeps every committed slice and forgets the others.
 * Commits at the same time share their directory fsyncs ({@link DirectorySync}).
 *
 * <p>An object found corrupt is moved to {@code DIR/quarantine/MILLIS-HASH/} (its {@code body} and {@code meta})
 * for inspection, a bounded number of them ({@link #quarantine(String, long, int, long)}); startup does not look
 * there. {@link #existing} reads a directory for the offline check without creating or changing anything.
 */
final class Store {

    private static final Logger log = LoggerFactory.getLogger(Store.class);
    private static final String META = ".meta";

    /** A fill's temporary body file, open for writing. */
    record Temp(Path path, FileChannel writer) {
    }

    /** A committed object found again at startup; {@code committedMillis}: when its metadata was last written. */
    record Found(String hash, StoredObject object, long committedMillis) {
    }

    private final Path directory;
    private final Path tmp;
    private final Object[] locks = new Object[64];
    private final DirectorySync directorySync = new DirectorySync(Store::force);

    Store(Path directory) throws IOException {
        this(Files.createDirectories(directory).toRealPath(), true);
    }

    private Store(Path directory, boolean serving) throws IOException {
        this.directory = directory;
        this.tmp = serving ? Files.createDirectories(directory.resolve("tmp")) : directory.resolve("tmp");
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /** A cache directory read as it is, for an offline check: nothing is created, moved or deleted. */
    static Store existing(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory + " is not a directory");
        }
        return new Store(directory.toRealPath(), false);
    }

    Path directory() {
        return directory;
    }

    Path bodyPath(String hash) {
        return directory.resolve(hash.substring(0, 2)).resolve(hash.substring(2, 4)).resolve(hash);
    }

    private Path metaPath(String hash) {
        Path body = bodyPath(hash);
        return body.resolveSibling(body.getFileName() + META);
    }

    /**
     * A new temporary file for a fill of object {@code hash}, with the blocks of its {@code length} claimed
     * ({@link Preallocation}: no room is an IOException now, not a write that fails mid-body); 0 claims nothing
     * (a body of unknown length).
     */
    Temp create(String hash, long length) throws IOException {
        Path path = tmp.resolve(hash + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        FileChannel writer = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            Preallocation.claim(writer, length);
        } catch (IOException | RuntimeException e) {
            writer.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new Temp(path, writer);
    }

    /**
     * Whether {@code failure} says the file system is full (ENOSPC, or over a quota: EDQUOT): the JDK gives no
     * errno, only its text.
     */
    static boolean noSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && (message.contains("No space left on device")
                    || message.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Makes object {@code hash} in place, in slices none of which is there yet: a sparse body of
     * {@code object.length()} bytes (a new file, so that readers of an object it replaces keep theirs) and its
     * metadata, committed as a whole object is. Returns the body, open for writing the slices into.
     */
    Temp createSliced(String hash, StoredObject object) throws IOException {
        Temp temp = create(hash, 0);
        try {
            try (RandomAccessFile sized = new RandomAccessFile(temp.path().toFile(), "rw")) {
                sized.setLength(object.length()); // a hole: no block is written for a missing slice
            }
            // The blocks of every slice are claimed now (unwritten, read as zeros, never sent: the slice map says
            // what is there), as a whole object's are: a disk without the room says so before any client has a head,
            // and a slice written later never meets a full disk. The index weighs the object by its whole length.
            Preallocation.claim(temp.writer(), object.length());
            commit(temp, hash, object);
            return new Temp(bodyPath(hash), FileChannel.open(bodyPath(hash), StandardOpenOption.WRITE));
        } catch (IOException | RuntimeException e) {
            discard(temp);
            throw e;
        }
    }

    /**
     * Frees the blocks of bytes {@code [from, to)} of a fill's temporary file, which every client of it has been sent
     * ({@link FullDiskRelay}): they read as zeros from now on. False when the file system cannot punch holes.
     */
    boolean freeSent(Temp temp, long from, long to) {
        return Preallocation.punch(temp.writer(), from, to);
    }

    /** The body of {@code hash}, an object in slices, open for writing more of them; null when it is gone. */
    Temp openSliced(String hash) throws IOException {
        try {
            return new Temp(bodyPath(hash), FileChannel.open(bodyPath(hash), StandardOpenOption.WRITE));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The committed metadata of {@code hash}, or null when there is none (or it does not read back). */
    StoredObject metadata(String hash) {
        try {
            return StoredObject.decode(Files.readAllBytes(metaPath(hash)));
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Commits the slices {@code object}'s map says are there, written into {@code body}: data forced first, then
     * the metadata replaced (see the class comment). False, and nothing written, when the object's metadata is
     * gone or is another object's (it was evicted, discarded or replaced meanwhile: a slice must not bring it
     * back).
     */
    boolean commitSlice(String hash, FileChannel body, StoredObject object) throws IOException {
        body.force(false);
        return replaceMetadata(hash, object.storedAtMillis(), object);
    }

    /**
     * A 304 revalidated object {@code hash}, stored as {@code before}: its metadata becomes {@code after} (the
     * fields and freshness the 304 brought), its body untouched. False, and nothing written, when {@code before} is
     * no longer what is stored (evicted or replaced meanwhile).
     */
    boolean revalidated(String hash, StoredObject before, StoredObject after) throws IOException {
        return replaceMetadata(hash, before.storedAtMillis(), after);
    }

    /**
     * New metadata for the object stored at {@code storedAtMillis}: written and forced beside, renamed over the old
     * one, the directory forced; false when that object is gone.
     */
    private boolean replaceMetadata(String hash, long storedAtMillis, StoredObject object) throws IOException {
        Path meta = metaPath(hash);
        Path metaTemp = tmp.resolve(hash + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + META);
        writeMeta(metaTemp, object);
        // Not while the object is being removed: new metadata must not bring back an evicted object.
        synchronized (lock(hash)) {
            StoredObject current = metadata(hash);
            if (current == null || current.storedAtMillis() != storedAtMillis) {
                Files.deleteIfExists(metaTemp);
                return false;
            }
            Files.move(metaTemp, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        directorySync.force(meta.getParent());
        return true;
    }

    /**
     * What serialises the commits of {@code hash} (whole, or a slice) with its removal and with the recovery's look
     * at it: one of a few locks, by hash.
     */
    private Object lock(String hash) {
        return locks[hash.hashCode() & (locks.length - 1)];
    }

    private static void writeMeta(Path path, StoredObject object) throws IOException {
        try (FileChannel meta = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(object.encode());
            while (bytes.hasRemaining()) {
                meta.write(bytes);
            }
            meta.force(true);
        }
    }

    /** Makes the fill in {@code temp} object {@code hash}, described by {@code object}: see the class comment. */
    void commit(Temp temp, String hash, StoredObject object) throws IOException {
        temp.writer().force(true);
        temp.writer().close();
        Path metaTemp = temp.path().resolveSibling(temp.path().getFileName() + META);
        writeMeta(metaTemp, object);
        Path body = bodyPath(hash);
        Files.createDirectories(body.getParent());
        synchronized (lock(hash)) {
            // Without its old metadata the old body is no object: the new body may replace it.
            Files.deleteIfExists(metaPath(hash));
            Files.move(temp.path(), body, StandardCopyOption.ATOMIC_MOVE);
            Files.move(metaTemp, metaPath(hash), StandardCopyOption.ATOMIC_MOVE);
        }
        directorySync.force(body.getParent());
        directorySync.force(tmp);
    }

    /** A fill that will not be committed: its temporary file goes (readers that have it open finish). */
    void discard(Temp temp) {
        try {
            temp.writer().close();
        } catch (IOException e) {
            log.debug("closing {}: {}", temp.path(), e.toString());
        }
        try {
            Files.deleteIfExists(temp.path());
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", temp.path(), e.toString());
        }
    }

    /**
     * The body of {@code object}, opened; null when the file is gone or has another length than the
     * metadata says (then the object is not served).
     */
    OpenFile open(String hash, StoredObject object) throws IOException {
        OpenFile file;
        try {
            file = OpenFile.open(bodyPath(hash));
        } catch (NoSuchFileException e) {
            return null;
        }
        if (file.length() != object.length()) {
            log.warn("object {} has {} bytes on disk, its metadata says {}: not served", hash, file.length(),
                    object.length());
            file.release();
            return null;
        }
        return file;
    }

    /**
     * Removes object {@code hash} if it is still the one stored at {@code storedAtMillis} (a newer fill may have
     * replaced it meanwhile). Clients still sending it keep their descriptor and finish.
     */
    void remove(String hash, long storedAtMillis) {
        synchronized (lock(hash)) {
            removeNow(hash, storedAtMillis);
        }
    }

    private void removeNow(String hash, long storedAtMillis) {
        try {
            StoredObject current = StoredObject.decode(Files.readAllBytes(metaPath(hash)));
            if (current.storedAtMillis() != storedAtMillis) {
                return;
            }
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            log.debug("metadata of {} unreadable, removing: {}", hash, e.toString());
        }
        try {
            Files.deleteIfExists(metaPath(hash));
            Files.deleteIfExists(bodyPath(hash));
        } catch (IOException e) {
            log.warn("cannot remove object {}: {}", hash, e.toString());
        }
    }

    /**
     * At startup, before anything is served: deletes what {@code tmp/} holds (fills that never finished; a fill
     * of this run makes its file there, so this cannot wait for the scan). Returns how many went.
     */
    int deleteLeftovers() throws IOException {
        int leftovers = 0;
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(tmp)) {
            for (Path leftover : temps) {
                Files.deleteIfExists(leftover);
                leftovers++;
            }
        }
        return leftovers;
    }

    /**
     * The first-level fan directories ({@code DIR/ab}), each scanned on its own by {@link #scan}: at most 256, so
     * listing them is no wait at startup, and the 65,536 second-level ones are listed by the scans.
     */
    List<Path> fans() throws IOException {
        List<Path> fans = new ArrayList<>();
        try (DirectoryStream<Path> first = Files.newDirectoryStream(directory, p -> isFan(p, 2))) {
            first.forEach(fans::add);
        }
        return fans;
    }

    /** What a cache directory holds, read without changing it: see {@link #survey}. */
    record Survey(List<String> objects, List<Path> orphans) {
    }

    /**
     * The objects of the directory (hashes with a metadata file, in no order), and its orphans: bodies without
     * metadata and whatever {@code tmp/} holds (fills that never finished, or that run now).
     */
    Survey survey() throws IOException {
        List<String> objects = new ArrayList<>();
        List<Path> orphans = new ArrayList<>();
        if (Files.isDirectory(tmp)) {
            try (DirectoryStream<Path> temps = Files.newDirectoryStream(tmp)) {
                temps.forEach(orphans::add);
            }
        }
        try (DirectoryStream<Path> first = Files.newDirectoryStream(directory, p -> isFan(p, 2))) {
            for (Path level1 : first) {
                try (DirectoryStream<Path> second = Files.newDirectoryStream(level1, p -> isFan(p, 2))) {
                    for (Path fan : second) {
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                            for (Path file : files) {
                                String name = file.getFileName().toString();
                                if (name.endsWith(META)) {
                                    objects.add(name.substring(0, name.length() - META.length()));
                                } else if (!Files.exists(metaPath(name))) {
                                    orphans.add(file);
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Survey(objects, orphans);
    }

    /** The committed metadata of {@code hash}; IOException saying why when it is gone or does not read back. */
    StoredObject readMetadata(String hash) throws IOException {
        return StoredObject.decode(Files.readAllBytes(metaPath(hash)));
    }

    /** The body of {@code hash} as it is, whatever its length: for a check of its bytes. */
    OpenFile openBody(String hash) throws IOException {
        return OpenFile.open(bodyPath(hash));
    }

    /** Where objects found corrupt are kept for inspection, each in a directory {@code MILLIS-HASH}. */
    Path quarantine() {
        return directory.resolve("quarantine");
    }

    /**
     * Moves object {@code hash}'s files, if it is still the one stored at {@code storedAtMillis} (or its metadata
     * no longer reads back), to a new directory of {@link #quarantine()}, and drops the oldest quarantined
     * objects past {@code maxObjects} or {@code maxBytes} (the newest is always kept). False when the object is
     * gone or was replaced meanwhile. Clients still sending it keep their descriptor and finish.
     */
    boolean quarantine(String hash, long storedAtMillis, int maxObjects, long maxBytes) throws IOException {
        Path kept = quarantine().resolve(String.format("%013d-%s", System.currentTimeMillis(), hash));
        synchronized (lock(hash)) {
            try {
                if (readMetadata(hash).storedAtMillis() != storedAtMillis) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException unreadable) {
                // Its metadata is what is corrupt: quarantined as it is.
            }
            Files.createDirectories(kept);
            Files.move(metaPath(hash), kept.resolve("meta"), StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(bodyPath(hash), kept.resolve("body"), StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException gone) {
                // Only the metadata to keep.
            }
        }
        directorySync.force(metaPath(hash).getParent());
        dropOldQuarantined(maxObjects, maxBytes);
        return true;
    }

    private void dropOldQuarantined(int maxObjects, long maxBytes) throws IOException {
        List<Path> kept;
        try (Stream<Path> list = Files.list(quarantine())) {
            kept = new ArrayList<>(list.sorted().toList()); // MILLIS first: oldest first
        }
        long bytes = 0;
        List<Long> sizes = new ArrayList<>();
        for (Path object : kept) {
            long size = 0;
            try (Stream<Path> files = Files.list(object)) {
                for (Path file : files.toList()) {
                    size += Files.size(file);
                }
            }
            sizes.add(size);
            bytes += size;
        }
        while (kept.size() > 1 && (kept.size() > maxObjects || bytes > maxBytes)) {
            Path oldest = kept.removeFirst();
            bytes -= sizes.removeFirst();
            try (Stream<Path> files = Files.list(oldest)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(oldest);
        }
    }

    private static boolean isFan(Path path, int length) {
        String name = path.getFileName().toString();
        return name.length() == length && Files.isDirectory(path) && name.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /**
     * Finds the committed objects under one first-level fan directory, removing a body without metadata, metadata without its
     * body or of another length, and metadata that does not read back. It runs while the cache serves: each
     * object is looked at under the lock its commit takes, so a body renamed into place a moment before its
     * metadata is never taken for a leftover.
     */
    List<Found> scan(Path fan) {
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> second = Files.newDirectoryStream(fan, p -> isFan(p, 2))) {
            for (Path level2 : second) {
                scanLevel2(level2, found);
            }
        } catch (IOException e) {
            log.warn("cannot read {}: {}", fan, e.toString());
        }
        return found;
    }

    private void scanLevel2(Path fan, List<Found> found) {
        Set<String> names = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
            for (Path file : files) {
                names.add(file.getFileName().toString());
            }
        } catch (IOException e) {
            log.warn("cannot read {}: {}", fan, e.toString());
            return;
        }
        for (String name : names) {
            boolean isMeta = name.endsWith(META);
            String hash = isMeta ? name.substring(0, name.length() - META.length()) : name;
            if (!isMeta && names.contains(name + META)) {
                continue; // an object: its metadata's turn looks at both files
            }
            try {
                synchronized (lock(hash)) {
                    Found object = recover(hash, isMeta);
                    if (object != null) {
                        found.add(object);
                    }
                }
            } catch (IOException e) {
                log.warn("cannot recover {}: {}", hash, e.toString());
            }
        }
    }

    private Found recover(String hash, boolean isMeta) throws IOException {
        Path meta = metaPath(hash);
        Path body = bodyPath(hash);
        if (!isMeta) {
            if (!Files.exists(meta)) {
                Files.deleteIfExists(body); // renamed into place, its metadata never followed
            }
            return null;
        }
        try {
            StoredObject object = StoredObject.decode(Files.readAllBytes(meta));
            if (Files.size(body) != object.length()) {
                throw new IOException("body of " + Files.size(body) + " bytes, metadata says " + object.length());
            }
            return new Found(hash, object, Files.getLastModifiedTime(meta).toMillis());
        } catch (NoSuchFileException e) {
            if (!Files.exists(meta)) {
                return null; // removed meanwhile (evicted, or replaced by a commit that is under way)
            }
            log.warn("dropping object {}: {}", hash, e.toString());
        } catch (IOException e) {
            log.warn("dropping object {}: {}", hash, e.toString());
        }
        Files.deleteIfExists(meta);
        Files.deleteIfExists(body);
        return null;
    }

    /**
     * Object {@code hash} as its metadata file says, when the body beside it has the length it says; null
     * otherwise. Nothing is deleted: a miss asks this while the scan has not reached the object yet, and the scan
     * alone tidies.
     */
    Found read(String hash) throws IOException {
        StoredObject object;
        long committed;
        try {
            object = StoredObject.decode(Files.readAllBytes(metaPath(hash)));
            if (Files.size(bodyPath(hash)) != object.length()) {
                return null;
            }
            committed = Files.getLastModifiedTime(metaPath(hash)).toMillis();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            log.debug("metadata of {} unreadable: {}", hash, e.toString());
            return null;
        }
        return new Found(hash, object, committed);
    }

    /** The file of the prefix purges still to be applied ({@link Purges}), in the cache directory's top. */
    private Path purgesPath() {
        return directory.resolve("purges");
    }

    /** What {@link #savePurges} wrote last, or the empty string when there is no such file. */
    String readPurges() throws IOException {
        Path path = purgesPath();
        return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
    }

    /** Replaces the purge records' file: written and forced beside, renamed over the old one, the directory forced. */
    void savePurges(String text) throws IOException {
        Path temp = tmp.resolve("purges." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        Files.move(temp, purgesPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        force(directory);
    }

    private static void force(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
