package dev.zeroedge.files;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The canonical name of a request path, the open-file cache's key: every spelling of one file has one name,
 * found without a system call; what {@link DocumentRoot#resolve} refuses without looking has none.
 */
class DocumentRootNameTest {

    @TempDir
    static Path root;

    @ParameterizedTest
    @CsvSource(nullValues = "none", value = {
            "/a.txt,            /a.txt",
            "/%61.txt,          /a.txt",
            "//a.txt,           /a.txt",
            "/./a.txt,          /a.txt",
            "/dir/../a.txt,     /a.txt",
            "/dir/./../a.txt,   /a.txt",
            "/dir/,             /dir/",
            "/dir//,            /dir/",
            "/dir/.,            /dir/",
            "/,                 /",
            "/a%20b,            /a b",
            "/%2525,            /%25",
            "/..,               none",
            "/%2e%2e/a.txt,     none",
            "/a%2fb,            none",
            "/.secret,          none",
            "/%zz,              none",
            "a.txt,             none",
    })
    void everySpellingOfOneFileHasOneName(String rawPath, String name) throws Exception {
        assertEquals(name, new DocumentRoot(root, false).name(rawPath), rawPath);
    }
}
