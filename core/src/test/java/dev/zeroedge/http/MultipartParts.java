package dev.zeroedge.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parses a multipart/byteranges body strictly, checking every delimiter and part header. */
final class MultipartParts {

    private MultipartParts() {
    }

    static List<byte[]> parse(byte[] body, String boundary, List<String> contentRanges, String type) {
        List<byte[]> parts = new ArrayList<>();
        int at = 0;
        for (String contentRange : contentRanges) {
            String header = "\r\n--" + boundary + "\r\nContent-Type: " + type + "\r\nContent-Range: " + contentRange
                    + "\r\n\r\n";
            assertEquals(header, new String(body, at, header.length(), StandardCharsets.ISO_8859_1));
            at += header.length();
            String span = contentRange.substring("bytes ".length(), contentRange.indexOf('/'));
            long first = Long.parseLong(span.substring(0, span.indexOf('-')));
            long last = Long.parseLong(span.substring(span.indexOf('-') + 1));
            int length = (int) (last - first + 1);
            parts.add(Arrays.copyOfRange(body, at, at + length));
            at += length;
        }
        String closing = "\r\n--" + boundary + "--\r\n";
        assertEquals(closing, new String(body, at, body.length - at, StandardCharsets.ISO_8859_1));
        return parts;
    }
}
