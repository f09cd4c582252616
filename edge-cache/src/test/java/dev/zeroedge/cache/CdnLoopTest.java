package dev.zeroedge.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CDN-Loop field (RFC 8586) as a node reads and extends it. */
class CdnLoopTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "edge7:8080                         | true",
            "other, edge7:8080                  | true",
            "other;v=1,EDGE7:8080; x=\"a,b\"     | true",
            "  edge7:8080  ;  p=2               | true",
            "edge7                              | false",
            "edge7:80801                        | false",
            "other, xedge7:8080                 | false",
    })
    void aRequestLoopsWhenItNamesThisNode(String field, boolean loops) {
        HttpHeaders headers = new DefaultHttpHeaders().add("CDN-Loop", field.strip());
        assertEquals(loops, new CdnLoop("edge7:8080").loops(headers), field);
    }

    @Test
    void everyFieldLineCounts() {
        HttpHeaders headers = new DefaultHttpHeaders().add("CDN-Loop", "a").add("CDN-Loop", "b, edge7:8080");
        assertEquals(true, new CdnLoop("edge7:8080").loops(headers));
    }

    @Test
    void thisNodeIsAppended() {
        CdnLoop loop = new CdnLoop("edge7:8080");
        HttpHeaders to = new DefaultHttpHeaders();
        loop.extend(new DefaultHttpHeaders().add("CDN-Loop", "a").add("CDN-Loop", "b; x=1"), to);
        assertEquals("a, b; x=1, edge7:8080", to.get("CDN-Loop"));
        HttpHeaders alone = new DefaultHttpHeaders();
        loop.extend(null, alone);
        assertEquals("edge7:8080", alone.get("CDN-Loop"));
    }

    @Test
    void theDefaultIdIsTheHostAndPort() {
        String id = CdnLoop.ofThisMachine(8080).id();
        assertEquals(true, id.endsWith(":8080"), id);
        assertEquals(true, CdnLoop.ofThisMachine(0).id().endsWith("-" + ProcessHandle.current().pid()));
    }

    @Test
    void anIdIsAToken() {
        assertThrows(IllegalArgumentException.class, () -> new CdnLoop("a b"));
        assertThrows(IllegalArgumentException.class, () -> new CdnLoop("a,b"));
        assertThrows(IllegalArgumentException.class, () -> new CdnLoop(""));
    }
}
