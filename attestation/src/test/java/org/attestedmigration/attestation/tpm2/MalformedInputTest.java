package org.attestedmigration.attestation.tpm2;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.attestedmigration.attestation.MalformedStructureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every parser against truncation at every length, a trailing byte, and single-byte corruption
 * at every offset: the only exception allowed out is {@link MalformedStructureException}.
 */
class MalformedInputTest {

    interface Parser {
        Object parse(byte[] b) throws MalformedStructureException;
    }

    static Stream<Arguments> structures() throws MalformedStructureException {
        List<Arguments> all = new ArrayList<>();
        for (Fixtures.Quote q : Fixtures.quotes()) {
            all.add(Arguments.of(q + " TPMS_ATTEST", (Parser) Attestation::parse, q.message()));
            all.add(Arguments.of(q + " TPMT_SIGNATURE", (Parser) TpmSignature::parse, q.signature()));
            all.add(Arguments.of(q + " PCR file", (Parser) Tpm2ToolsPcrFile::read, q.pcrs()));
            all.add(Arguments.of(q + " TPM2B_PUBLIC", (Parser) PublicArea::parseTpm2b, q.akTpm2b()));
            all.add(Arguments.of(q + " TPMT_PUBLIC", (Parser) PublicArea::parse, PublicArea.parseTpm2b(q.akTpm2b()).bytes()));
            all.add(Arguments.of(q + " TPML_PCR_SELECTION", (Parser) PcrSelections::parse,
                    PcrSelections.marshal(Attestation.parse(q.message()).quote().pcrSelect())));
        }
        for (String ek : List.of("ek/ek-rsa.pub", "ek/ek-ecc.pub")) {
            all.add(Arguments.of(ek, (Parser) PublicArea::parseTpm2b, Fixtures.bytes(ek)));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structures")
    void everyTruncationIsMalformed(String name, Parser parser, byte[] good) throws Exception {
        parser.parse(good);
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            int l = len;
            assertThrows(MalformedStructureException.class, () -> parser.parse(cut), () -> name + " cut to " + l);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structures")
    void trailingByteIsMalformed(String name, Parser parser, byte[] good) {
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        MalformedStructureException e = assertThrows(MalformedStructureException.class, () -> parser.parse(longer));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structures")
    void corruptionAtEveryOffsetYieldsOnlyCheckedErrors(String name, Parser parser, byte[] good) {
        byte[] patterns = {(byte) 0x01, (byte) 0x80, (byte) 0xff};
        for (int i = 0; i < good.length; i++) {
            for (byte p : patterns) {
                byte[] bad = good.clone();
                bad[i] ^= p;
                tryParse(name, parser, bad, i);
                bad[i] = (byte) 0xff;
                tryParse(name, parser, bad, i);
            }
        }
    }

    private static void tryParse(String name, Parser parser, byte[] bad, int i) {
        try {
            parser.parse(bad);
        } catch (MalformedStructureException expected) {
            // the only acceptable failure
        } catch (RuntimeException e) {
            fail(name + " corrupted at " + i + " leaked " + e, e);
        }
    }

    @Test
    void errorsNameStructureFieldAndOffset() {
        byte[] msg = new Fixtures.Quote("rsa", "").message();
        MalformedStructureException e = assertThrows(MalformedStructureException.class,
                () -> Attestation.parse(Arrays.copyOf(msg, 20)));
        assertTrue(e.getMessage().startsWith("TPMS_ATTEST: field "), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset"), e.getMessage());
    }
}
