package org.attestedmigration.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.attestedmigration.attestation.AttestationException;
import org.attestedmigration.attestation.swtpm.EmulatedHost;
import org.attestedmigration.attestation.txt.SampleLaunch;
import org.attestedmigration.cli.FileTrees;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.Policy;

/**
 * Hosts on this machine, each with its own swtpm (and EK certificate authority) after an emulated
 * TXT launch, enrolled into one policy an administrator signed, each able to run an in-process
 * agent on loopback. The first host is the reference host: the others must have booted what it
 * booted. Every host may send VMs to every other. Closing stops the agents and the TPMs, and
 * removes the directory unless the caller chose it.
 *
 * <pre>
 * try (LocalHosts hosts = LocalHosts.boot(null, List.of(new LocalHosts.Spec("a", SampleLaunch.trusted()),
 *         new LocalHosts.Spec("b", SampleLaunch.trusted())), line -&gt; { })) {
 *     LocalHost a = hosts.host(0);
 *     a.startAgent(List.of(new LocalVm("vm-1", a.createDisk("vm-1", 64 &lt;&lt; 20), null)));
 *     hosts.host(1).startAgent(List.of());
 *     a.admin().migrate(new MigrationRequest("vm-1", hosts.host(1).address(), MirrorMode.SYNC, 0), p -&gt; { });
 * }
 * </pre>
 */
public final class LocalHosts implements AutoCloseable {
    /** The one group every host is in. */
    static final String GROUP = "hosts";

    /** A host to boot: its name in the policy and the software its TXT launch measures. */
    public record Spec(String name, SampleLaunch launch) {
    }

    private final Path directory;
    private final boolean temporary;
    private final List<LocalHost> hosts = new ArrayList<>();
    private Policy policy;
    private Path policyFile;

    private LocalHosts(Path directory, boolean temporary) {
        this.directory = directory;
        this.temporary = temporary;
    }

    /**
     * Boots the hosts, enrolls them and writes the signed policy; agents are started per host.
     *
     * @param directory where the hosts' TPM state, images and agents' data go (kept); null for a
     *                  temporary directory removed on close
     * @param log       a line for each host booted and for the policy
     */
    public static LocalHosts boot(Path directory, List<Spec> specs, Consumer<String> log)
            throws IOException, AttestationException, GeneralSecurityException {
        boolean temporary = directory == null;
        LocalHosts local = new LocalHosts(temporary ? Files.createTempDirectory("attested-migrate-hosts") : Files.createDirectories(directory),
                temporary);
        try {
            for (Spec spec : specs) {
                EmulatedHost host = EmulatedHost.boot(spec.name(), local.directory.resolve(spec.name()), spec.launch().components());
                local.hosts.add(new LocalHost(host, local.directory));
                log.accept(String.format("[%-11s] swtpm at %s with its own EK CA; TXT launch of %s, %s (%d events)", spec.name(),
                        host.tpmUri(), spec.launch().mle(), spec.launch().hypervisor(), host.eventLog().size()));
            }
            List<EmulatedHost> emulated = local.hosts.stream().map(LocalHost::emulated).toList();
            local.policy = DemoPolicy.enroll(emulated, Collections.nCopies(emulated.size(), GROUP), List.of(new MigrationRule(GROUP, GROUP)));
            local.policyFile = DemoPolicy.writeSigned(local.policy, local.directory);
            log.accept("[admin      ] policy " + local.policyFile + ": " + specs.get(0).name() + " enrolled as reference host, "
                    + (specs.size() - 1) + " more by identity, migrations between them allowed; signed (serial " + local.policy.serial() + ")");
            return local;
        } catch (IOException | AttestationException | GeneralSecurityException | RuntimeException e) {
            local.close();
            throw e;
        }
    }

    public LocalHost host(int index) {
        return hosts.get(index);
    }

    public List<LocalHost> hosts() {
        return List.copyOf(hosts);
    }

    /** The policy every agent loads (after checking the administrator's signature). */
    public Policy policy() {
        return policy;
    }

    public Path policyFile() {
        return policyFile;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        // Agents first: they use their host's TPM.
        hosts.forEach(LocalHost::stopAgent);
        hosts.forEach(LocalHost::close);
        if (temporary) {
            deleteTree(directory);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            // A leftover temporary file is not worth failing a finished run for.
        }
    }
}
