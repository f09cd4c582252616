package dev.zeroedge.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The Range parser against friendly and hostile header values (kept as one table, like Helidon's). */
class RangeRequestTest {

    private static final String HUGE_DIGITS = "9".repeat(5000);

    static Stream<Arguments> cases() {
        return Stream.of(
                // value, representation length, expected
                arguments("bytes=0-0", 100L, partial(0, 0)),
                arguments("bytes=0-99", 100L, partial(0, 99)),
                arguments("bytes=10-", 100L, partial(10, 99)),
                arguments("bytes=-10", 100L, partial(90, 99)),
                arguments("bytes=-1000", 100L, partial(0, 99)),
                arguments("bytes=50-5000", 100L, partial(50, 99)),
                arguments("BYTES = 1-2", 100L, partial(1, 2)),
                arguments("bytes= 1-2 , 4-5 ", 100L, partial(1, 2, 4, 5)),
                arguments("bytes=1-2,,4-5", 100L, partial(1, 2, 4, 5)),
                arguments("bytes=4-5,1-2", 100L, partial(1, 2, 4, 5)),
                arguments("bytes=0-4,5-9", 100L, partial(0, 9)),
                arguments("bytes=0-5,3-9", 100L, partial(0, 9)),
                arguments("bytes=100-", 100L, RangeRequest.UNSATISFIABLE),
                arguments("bytes=100-200,300-400", 100L, RangeRequest.UNSATISFIABLE),
                arguments("bytes=-0", 100L, RangeRequest.UNSATISFIABLE),
                arguments("bytes=100-200,5-6", 100L, partial(5, 6)),
                // numbers past Long.MAX_VALUE and thousands of digits saturate, never overflow
                arguments("bytes=9223372036854775808-", 100L, RangeRequest.UNSATISFIABLE),
                arguments("bytes=0-9223372036854775808", 100L, partial(0, 99)),
                arguments("bytes=" + HUGE_DIGITS + "-", 100L, RangeRequest.UNSATISFIABLE),
                arguments("bytes=0-" + HUGE_DIGITS, 100L, partial(0, 99)),
                arguments("bytes=-" + HUGE_DIGITS, 100L, partial(0, 99)),
                arguments("bytes=5-9223372036854775807", Long.MAX_VALUE, partial(5, Long.MAX_VALUE - 1)),
                // past 4 GiB
                arguments("bytes=4294967296-4294967305", 5L << 30, partial(4294967296L, 4294967305L)),
                // empty representation: Range ignored
                arguments("bytes=0-0", 0L, RangeRequest.WHOLE),
                arguments("bytes=-5", 0L, RangeRequest.WHOLE),
                // not valid by the grammar: the whole header is ignored
                arguments("bytes=", 100L, RangeRequest.WHOLE),
                arguments("bytes=-", 100L, RangeRequest.WHOLE),
                arguments("bytes=5", 100L, RangeRequest.WHOLE),
                arguments("bytes=5-1", 100L, RangeRequest.WHOLE),
                arguments("bytes=-1-2", 100L, RangeRequest.WHOLE),
                arguments("bytes=1-2,x", 100L, RangeRequest.WHOLE),
                arguments("bytes=0-1,2-1", 100L, RangeRequest.WHOLE),
                arguments("bytes=+1-2", 100L, RangeRequest.WHOLE),
                arguments("bytes=0x10-20", 100L, RangeRequest.WHOLE),
                arguments("bytes=１-2", 100L, RangeRequest.WHOLE),
                arguments("bytes 0-1", 100L, RangeRequest.WHOLE),
                arguments("=0-1", 100L, RangeRequest.WHOLE),
                // unknown units
                arguments("items=0-1", 100L, RangeRequest.WHOLE),
                arguments("bytesx=0-1", 100L, RangeRequest.WHOLE),
                // more than 16 ranges, or more bytes than the representation: the whole thing
                arguments("bytes=" + "0-0,".repeat(16) + "0-0", 100L, RangeRequest.WHOLE),
                arguments("bytes=" + "1-1,".repeat(15) + "1-1", 100L, partial(1, 1)),
                arguments("bytes=0-99,0-99", 100L, RangeRequest.WHOLE),
                arguments("bytes=0-60,40-99", 100L, RangeRequest.WHOLE),
                arguments("bytes=-60,0-50", 100L, RangeRequest.WHOLE));
    }

    @ParameterizedTest(name = "[{index}] {0} of {1}")
    @MethodSource("cases")
    void parses(String value, long length, RangeRequest expected) {
        assertEquals(expected, RangeRequest.parse(value, length));
    }

    private static RangeRequest partial(long... bounds) {
        List<ByteRange> ranges = new java.util.ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            ranges.add(new ByteRange(bounds[i], bounds[i + 1]));
        }
        return new RangeRequest.Partial(ranges);
    }
}
