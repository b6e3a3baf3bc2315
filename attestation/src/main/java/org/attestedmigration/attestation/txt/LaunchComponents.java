package org.attestedmigration.attestation.txt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What an Intel TXT launch with tboot measures: the SINIT ACM, the MLE (tboot itself) and the
 * modules tboot launches, module 0 first (the hypervisor, e.g. Xen), then the rest (dom0 kernel,
 * initrd).
 *
 * @param sinitAcm the SINIT authenticated code module, non-empty
 * @param mle      the measured launch environment (tboot), non-empty
 * @param modules  at least one module, in multiboot order
 */
public record LaunchComponents(byte[] sinitAcm, byte[] mle, List<LaunchModule> modules) {

    public LaunchComponents {
        Objects.requireNonNull(sinitAcm, "sinitAcm");
        Objects.requireNonNull(mle, "mle");
        if (sinitAcm.length == 0 || mle.length == 0) {
            throw new IllegalArgumentException("SINIT ACM and MLE must not be empty");
        }
        modules = List.copyOf(modules);
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("tboot launches at least one module");
        }
        sinitAcm = sinitAcm.clone();
        mle = mle.clone();
    }

    /** Reads SINIT and MLE from files; modules are usually built with {@link LaunchModule#fromFile}. */
    public static LaunchComponents fromFiles(Path sinitAcm, Path mle, List<LaunchModule> modules) throws IOException {
        return new LaunchComponents(Files.readAllBytes(sinitAcm), Files.readAllBytes(mle), modules);
    }

    @Override
    public byte[] sinitAcm() {
        return sinitAcm.clone();
    }

    @Override
    public byte[] mle() {
        return mle.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchComponents c && Arrays.equals(sinitAcm, c.sinitAcm) && Arrays.equals(mle, c.mle)
                && modules.equals(c.modules);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(sinitAcm) * 31 + Arrays.hashCode(mle)) * 31 + modules.hashCode();
    }

    @Override
    public String toString() {
        return "LaunchComponents[sinit=" + sinitAcm.length + " bytes, mle=" + mle.length + " bytes, modules=" + modules + "]";
    }
}
