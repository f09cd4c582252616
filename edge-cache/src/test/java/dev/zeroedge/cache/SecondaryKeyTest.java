package dev.zeroedge.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The secondary key's normalisation and the Vary parser, as tables of real-world values; and purge-allow's CIDRs. */
class SecondaryKeyTest {

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "gzip# gzip",
            "gzip, deflate, br# br,gzip",
            "br;q=1.0, gzip;q=0.8, *;q=0.1# br,gzip",
            "GZIP ,  x-gzip# gzip",
            "gzip;q=0, br# br",
            "gzip; q=0.000# identity",
            "deflate# identity",
            "zstd, br, gzip# br,gzip,zstd",
            "identity;q=0, gzip# gzip",
            "gzip;q=abc# gzip",
            "'' # identity",
    })
    void acceptEncodingKeepsTheKnownCodingsAccepted(String field, String key) {
        assertEquals(key, SecondaryKey.codings(List.of(field)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "en, FR# en,fr",
            "fr,en# en,fr",
            "'  en-GB ,   en;q=0.8 '# en-gb,en;q=0.8",
            "Mozilla/5.0  (X11;  Linux)# mozilla/5.0 (x11; linux)",
    })
    void listsAreTrimmedFoldedAndSorted(String field, String key) {
        assertEquals(key, SecondaryKey.elements(List.of(field)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "Accept-Encoding; accept-encoding",
            "accept-encoding, Accept-Language; accept-encoding|accept-language",
            "Accept-Language,accept-encoding,ACCEPT-ENCODING; accept-encoding|accept-language",
            "Accept-Encoding, *; *",
            "*; *",
    })
    void varyNamesAreLowerCasedSortedAndOnce(String vary, String names) {
        HttpHeaders response = new DefaultHttpHeaders().add("Vary", vary);
        assertEquals(List.of(names.split("\\|")), SecondaryKey.varyOf(response));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "Accept-Encoding: gzip, deflate; accept-encoding=gzip",
            "Accept-Encoding: ; accept-encoding=identity",
            "Accept-Language: en; accept-encoding",
    })
    void aFieldTheRequestHasNotIsToldFromAnEmptyOne(String field, String key) {
        int colon = field.indexOf(':');
        HttpHeaders request = new DefaultHttpHeaders().add(field.substring(0, colon), field.substring(colon + 1).trim());
        assertEquals(key, SecondaryKey.of(List.of("accept-encoding"), request));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "127.0.0.0/8,::1; 127.0.0.1; true",
            "127.0.0.0/8,::1; 127.255.0.9; true",
            "127.0.0.0/8,::1; ::1; true",
            "127.0.0.0/8,::1; 10.0.0.1; false",
            "127.0.0.1/32; 127.0.0.2; false",
            "127.0.0.1; 127.0.0.1; true",
            "10.1.2.0/23; 10.1.3.200; true",
            "10.1.2.0/23; 10.1.4.1; false",
            "10.0.0.0/8; ::ffff:10.9.9.9; true",
            "::/0; 2001:db8::1; true",
            "::/0; 127.0.0.1; false",
            "0.0.0.0/0; 192.0.2.1; true",
            "2001:db8::/32; 2001:db8:ffff::1; true",
    })
    void purgeAllowMatchesByPrefix(String allow, String peer, boolean allowed) throws Exception {
        assertEquals(allowed, PurgeAllow.parse(allow).allows(InetAddress.getByName(peer)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"localhost", "127.0.0.1/33", "::1/129", "10.0.0.0/x", "' , '", "1.2.3.4/-1"})
    void purgeAllowRefusesWhatIsNoNetwork(String text) {
        assertThrows(IllegalArgumentException.class, () -> PurgeAllow.parse(text));
    }
}
