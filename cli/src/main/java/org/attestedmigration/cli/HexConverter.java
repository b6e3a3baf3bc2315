package org.attestedmigration.cli;

import java.util.HexFormat;
import picocli.CommandLine;

/** Parses a hex string such as a nonce; an optional 0x prefix is accepted. */
public final class HexConverter implements CommandLine.ITypeConverter<HexConverter.Bytes> {
    /** Bytes given in hex on the command line (picocli would treat a bare byte[] as a multi-value option). */
    public record Bytes(byte[] value) {
        public Bytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }
    }

    @Override
    public Bytes convert(String text) {
        String v = text.startsWith("0x") || text.startsWith("0X") ? text.substring(2) : text;
        try {
            return new Bytes(HexFormat.of().parseHex(v));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + text + "' is not an even-length hex string");
        }
    }
}
