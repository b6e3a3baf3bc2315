package org.attestedmigration.tpmsimulatortests;

import java.nio.file.Path;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two emulated hosts after the trusted TXT launch, each with its own swtpm and its own EK
 * certificate authority, shared by the tests of a class (booting one takes about a second).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TwoHosts {
    @TempDir
    static Path dir;
    EmulatedHost host;
    EmulatedHost otherHost;

    @BeforeAll
    void bootHosts() throws Exception {
        host = Hosts.bootTrusted(dir, "alpha");
        otherHost = Hosts.bootTrusted(dir, "beta");
    }

    @AfterAll
    void stopHosts() {
        host.close();
        otherHost.close();
    }
}
