package org.attestedmigration.attestation.swtpm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.attestedmigration.attestation.Tpm;
import org.attestedmigration.attestation.TpmAccessException;
import org.attestedmigration.attestation.TpmUri;
import org.attestedmigration.attestation.eventlog.EventLog;
import org.attestedmigration.attestation.txt.LaunchComponents;
import org.attestedmigration.attestation.txt.MeasuredLaunch;
import org.attestedmigration.attestation.txt.MeasuredLaunchPlan;

/**
 * A host as the demo and the tests emulate it: its own software TPM, in which an Intel TXT launch
 * of tboot, Xen and dom0 has been emulated, and the event log of that launch
 * ({@code eventlog.bin} in the host's directory).
 */
public final class EmulatedHost implements AutoCloseable {
    public static final String EVENT_LOG_FILE = "eventlog.bin";

    private final String name;
    private final SoftwareTpm tpm;
    private final EventLog eventLog;

    private EmulatedHost(String name, SoftwareTpm tpm, EventLog eventLog) {
        this.name = name;
        this.tpm = tpm;
        this.eventLog = eventLog;
    }

    /** Starts the host's swtpm in {@code dir} (provisioning it on first use) and performs the launch. */
    public static EmulatedHost boot(String name, Path dir, LaunchComponents launch) throws TpmAccessException {
        SoftwareTpm swtpm = SoftwareTpm.start(dir);
        try {
            EventLog log;
            try (Tpm t = Tpm.open(swtpm.uri())) {
                log = MeasuredLaunch.perform(t, MeasuredLaunchPlan.of(launch));
            }
            Files.write(dir.resolve(EVENT_LOG_FILE), log.encode());
            return new EmulatedHost(name, swtpm, log);
        } catch (TpmAccessException | IOException | RuntimeException e) {
            swtpm.close();
            if (e instanceof TpmAccessException tae) {
                throw tae;
            }
            throw new TpmAccessException("booting emulated host " + name + " failed: " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public TpmUri tpmUri() {
        return tpm.uri();
    }

    public Path directory() {
        return tpm.directory();
    }

    public EventLog eventLog() {
        return eventLog;
    }

    /** The local CA that issued this host's EK certificates (root first). */
    public List<X509Certificate> manufacturerCertificates() throws TpmAccessException {
        return tpm.manufacturerCertificates();
    }

    /** Opens a connection to this host's TPM; swtpm serves one connection at a time. */
    public Tpm openTpm() throws TpmAccessException {
        return Tpm.open(tpm.uri());
    }

    @Override
    public void close() {
        tpm.close();
    }
}
