package org.attestedmigration.cli;

import org.attestedmigration.attestation.TpmUri;
import picocli.CommandLine;

/** Parses {@code --tpm URI}; a bad URI is a usage error naming the accepted forms. */
public final class TpmUriConverter implements CommandLine.ITypeConverter<TpmUri> {
    @Override
    public TpmUri convert(String value) {
        try {
            return TpmUri.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
