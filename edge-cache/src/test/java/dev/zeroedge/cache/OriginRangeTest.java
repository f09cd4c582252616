package dev.zeroedge.cache;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** What a first fetch asks for a client's Range, and which Content-Range answers are taken as what was asked. */
class OriginRangeTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "none               | bytes=0-1023",
            "bytes=0-1          | bytes=0-1023",
            "bytes=1023-2000    | bytes=0-1023",
            "bytes=1024-        | bytes=1024-2047",
            "BYTES=5000-5001,0-1| bytes=4096-5119",
            "bytes=-500         | bytes=-1024",
            "bytes=x-y          | bytes=0-1023",
            "items=5000-        | bytes=0-1023",
    })
    void aFirstFetchAsksTheSliceOfTheClientsFirstByte(String client, String asked) {
        assertEquals(asked, OriginRange.forClient(client, 1024).header());
    }

    @ParameterizedTest(name = "{0} answered by {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "0-1023   | bytes 0-1023/5000    | true",
            "0-1023   | bytes 0-99/100       | true",
            "0-1023   | bytes 0-511/5000     | false",
            "0-1023   | bytes 1-1023/5000    | false",
            "4096-5119| bytes 4096-4999/5000 | true",
            "-1024    | bytes 3976-4999/5000 | true",
            "-1024    | bytes 0-99/100       | true",
            "-1024    | bytes 0-4999/5000    | false",
    })
    void anAnswerIsTakenOnlyWhenItIsWhatWasAsked(String asked, String contentRange, boolean taken) {
        OriginRange range = asked.startsWith("-") ? new OriginRange(-1, Long.parseLong(asked.substring(1)))
                : new OriginRange(Long.parseLong(asked.split("-")[0]), Long.parseLong(asked.split("-")[1]));
        assertEquals(taken, range.answeredBy(OriginRange.ContentRange.parse(contentRange)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "none", "bytes 0-9/*", "bytes 9-0/100", "bytes 0-100/100", "bytes -1-5/100", "chars 0-9/100",
            "bytes 0-9", "bytes 0-99999999999999999999/100", "bytes */*"})
    void nonsenseIsNoContentRange(String value) {
        assertNull(OriginRange.ContentRange.parse(value));
    }
}
