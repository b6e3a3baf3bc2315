package org.attestedmigration.cli;

import org.attestedmigration.attestation.PcrSelection;
import picocli.CommandLine;

/** Parses {@code --pcrs sha256:0,17,18,19}. */
final class PcrSelectionConverter implements CommandLine.ITypeConverter<PcrSelection> {
    @Override
    public PcrSelection convert(String value) {
        try {
            return PcrSelection.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
