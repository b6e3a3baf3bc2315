package org.attestedmigration.cli;

import java.util.HexFormat;
import picocli.CommandLine;

/** Parses a hex string such as a nonce; an optional 0x prefix is accepted. */
final class HexConverter implements CommandLine.ITypeConverter<byte[]> {
    @Override
    public byte[] convert(String value) {
        String v = value.startsWith("0x") || value.startsWith("0X") ? value.substring(2) : value;
        try {
            return HexFormat.of().parseHex(v);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not an even-length hex string");
        }
    }
}
