package dev.zeroedge.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 9111 §3 and §4.2 as a table of real-world response heads: stored or not, shared or not, fresh for how long. */
class StoragePolicyTest {

    /** Sun, 06 Nov 1994 08:49:37 GMT */
    private static final long NOW = 784_111_777L;

    /**
     * Fields are "Name: value" separated by '|'; expected lifetime -1 means not stored.
     */
    @ParameterizedTest(name = "{0} {1} auth={2} → store={3} shared={4} lifetime={5}")
    @CsvSource(delimiter = ';', value = {
            "200; Cache-Control: max-age=60; false; true; true; 60",
            "200; Cache-Control: s-maxage=30, max-age=60; false; true; true; 30",
            "200; Cache-Control: max-age=60|Cache-Control: max-age=10; false; true; true; 10",
            "200; Cache-Control: public, max-age=\"120\"; false; true; true; 120",
            "200; Cache-Control: max-age=99999999999999999999; false; true; true; 2147483648",
            "200; Cache-Control: max-age=abc; false; false; true; -1",
            "200; Cache-Control: no-store, max-age=60; false; false; true; -1",
            "200; Cache-Control: private, max-age=60; false; false; false; -1",
            "200; Cache-Control: private=\"x\", max-age=60; false; false; false; -1",
            "200; Cache-Control: max-age=60; true; false; false; -1",
            "200; Cache-Control: public, max-age=60; true; true; true; 60",
            "200; Cache-Control: s-maxage=60; true; true; true; 60",
            "200; Cache-Control: max-age=60, must-revalidate; true; true; true; 60",
            "200; Cache-Control: no-cache; false; true; true; 0",
            "200; Cache-Control: max-age=60|Set-Cookie: id=1; false; false; false; -1",
            "200; Cache-Control: max-age=60|Vary: Accept-Encoding; false; true; true; 60",
            "200; Cache-Control: max-age=60|Vary: accept-encoding, Accept-Language; false; true; true; 60",
            "200; Cache-Control: max-age=60|Vary: *; false; false; false; -1",
            "200; Cache-Control: max-age=60|Vary: Accept-Encoding, *; false; false; false; -1",
            "200; Cache-Control: max-age=60|Vary: ; false; true; true; 60",
            "200; Date: Sun, 06 Nov 1994 08:49:37 GMT|Expires: Sun, 06 Nov 1994 09:49:37 GMT; false; true; true; 3600",
            "200; Date: Sun, 06 Nov 1994 08:49:37 GMT|Expires: 0; false; false; true; -1",
            "200; Date: Sun, 06 Nov 1994 08:49:37 GMT|Expires: Sun, 06 Nov 1994 07:49:37 GMT; false; false; true; -1",
            "200; Expires: Sun, 06 Nov 1994 09:49:37 GMT|Cache-Control: max-age=5; false; true; true; 5",
            "200; Date: Sun, 06 Nov 1994 08:49:37 GMT|Last-Modified: Sun, 06 Nov 1994 07:49:37 GMT; false; true; true; 360",
            "200; Date: Sun, 06 Nov 1994 08:49:37 GMT|Last-Modified: Sun, 06 Nov 1983 08:49:37 GMT; false; true; true; 86400",
            "200; Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT; false; false; true; -1",
            "200; Content-Type: text/plain; false; false; true; -1",
            "404; Cache-Control: max-age=60; false; true; true; 60",
            "410; Date: Sun, 06 Nov 1994 08:49:37 GMT|Last-Modified: Sun, 06 Nov 1994 07:49:37 GMT; false; true; true; 360",
            "302; Cache-Control: max-age=60; false; false; true; -1",
            "500; Cache-Control: max-age=60; false; false; true; -1",
            "206; Cache-Control: max-age=60; false; false; true; -1",
    })
    void decides(int status, String fields, boolean authorization, boolean store, boolean shared, long lifetime) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String field : fields.split("\\|")) {
            int colon = field.indexOf(':');
            headers.add(field.substring(0, colon).trim(), field.substring(colon + 1).trim());
        }
        StoragePolicy.Decision decision = StoragePolicy.decide(status, authorization, headers, NOW);
        assertEquals(store, decision.store(), "store: " + decision.why());
        assertEquals(shared, decision.shared(), "shared: " + decision.why());
        if (store) {
            assertEquals(lifetime, decision.lifetimeSeconds());
        }
    }
}
