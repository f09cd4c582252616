package dev.zeroedge.files;

import java.io.IOException;
import java.nio.file.Path;

/** The file was replaced or rewritten while it was being opened: its validators would not describe the bytes. */
public final class FileChangedException extends IOException {

    public FileChangedException(Path path) {
        super("file changed while being opened: " + path);
    }
}
