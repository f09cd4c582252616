package dev.zeroedge.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTextTest {

    @Test
    void quotesWhatJsonAndAnEmbeddingHtmlPageNeedQuoted() {
        assertEquals("null", JsonText.quote(null));
        assertEquals("\"plain\"", JsonText.quote("plain"));
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u003c/script>\"",
                JsonText.quote("a\"b\\c\nd\re\tf\u0001g</script>"));
        assertEquals("\"é→\"", JsonText.quote("é→"));
    }
}
