package org.attestedmigration.policy;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.TrustedAttestationKey;
import org.attestedmigration.attestation.VerifiedEvidence;
import org.attestedmigration.attestation.eventlog.EventType;

/**
 * Adds a known-good host to a policy from its verified evidence: its TPM identity (EK public key
 * hash and AK name), its group membership, the EK certificate's manufacturer CAs, and, unless only
 * the identity is wanted, its measured launch as reference values (SINIT, platform events, tboot,
 * Xen, dom0 kernel and initrd, each added to its category if not allowed already). The result has
 * the next serial.
 */
public final class PolicyEnrollment {
    /** How much of the host's evidence becomes policy. */
    public enum Scope {
        /** Identity, group, and the launch as reference values: for a known-good reference host. */
        IDENTITY_AND_REFERENCE_VALUES,
        /** Identity and group only: the host must boot software the policy already allows. */
        IDENTITY_ONLY
    }

    private PolicyEnrollment() {
    }

    /**
     * @param evidence      verified with an AK activated against the host's EK certificate
     * @param manufacturers CA certificates to trust for EK certificates, added if new
     */
    public static Policy enroll(Policy policy, String hostName, String groupName, VerifiedEvidence evidence,
            List<X509Certificate> manufacturers, Scope scope) throws EnrollmentException {
        if (evidence.trustBasis() != TrustedAttestationKey.Basis.ACTIVATED || evidence.ekCertificate().isEmpty()) {
            throw new EnrollmentException("enrollment needs evidence whose AK was activated against the host's EK certificate");
        }
        HexValue ekHash = RuleInput.subjectPublicKeyInfoSha256(evidence.ekCertificate().get())
                .orElseThrow(() -> new EnrollmentException("the EK certificate does not encode"));
        HexValue akName = new HexValue(evidence.attestationKey().name());
        List<HostEntry> hosts = new ArrayList<>(policy.hosts());
        Optional<HostEntry> existing = policy.host(hostName);
        if (existing.isPresent()) {
            if (!existing.get().ekPublicKeySha256().map(ekHash::equals).orElse(false)) {
                throw new EnrollmentException("host '" + hostName + "' is already in the policy with another identity; "
                        + "remove it first if its TPM was replaced");
            }
            hosts.remove(existing.get());
        }
        for (HostEntry h : policy.hosts()) {
            if (!h.name().equals(hostName) && h.ekPublicKeySha256().map(ekHash::equals).orElse(false)) {
                throw new EnrollmentException("this TPM is already enrolled as host '" + h.name() + "'");
            }
        }
        hosts.add(new HostEntry(hostName, Optional.of(ekHash), Optional.of(akName),
                existing.map(HostEntry::hostUnique).orElse(LaunchRules.NONE)));

        MeasurementRules measurements = policy.measurements();
        if (scope == Scope.IDENTITY_AND_REFERENCE_VALUES) {
            measurements = new MeasurementRules(measurements.bank(), measurements.pcrs(),
                    referenceValues(measurements.launch(), evidence, measurements.bank(), hostName));
        }
        return new Policy(policy.serial() + 1, policy.name(), withManufacturers(policy.ekManufacturers(), manufacturers), hosts,
                withMember(policy.groups(), groupName, hostName), policy.migrations(), measurements, policy.freshness(), policy.tls(),
                policy.revoked());
    }

    private static List<GroupEntry> withMember(List<GroupEntry> groups, String groupName, String hostName) {
        List<GroupEntry> out = new ArrayList<>();
        boolean found = false;
        for (GroupEntry g : groups) {
            if (g.name().equals(groupName)) {
                found = true;
                List<String> members = new ArrayList<>(g.hosts());
                if (!members.contains(hostName)) {
                    members.add(hostName);
                }
                out.add(new GroupEntry(g.name(), members));
            } else {
                out.add(g);
            }
        }
        if (!found) {
            out.add(new GroupEntry(groupName, List.of(hostName)));
        }
        return out;
    }

    private static List<NamedCertificate> withManufacturers(List<NamedCertificate> present, List<X509Certificate> added) {
        List<NamedCertificate> out = new ArrayList<>(present);
        for (X509Certificate c : added) {
            if (out.stream().noneMatch(n -> n.certificate().equals(c))) {
                String base = safeName(commonName(c));
                out.add(new NamedCertificate(unique(base, out.stream().map(NamedCertificate::name).toList()), c));
            }
        }
        return out;
    }

    private static LaunchRules referenceValues(LaunchRules launch, VerifiedEvidence evidence, HashAlgorithm bank, String host)
            throws EnrollmentException {
        LaunchEvents events = LaunchEvents.of(evidence.eventLog(), evidence.pcrs(), bank);
        if (events.unusable().isPresent()) {
            throw new EnrollmentException("the launch cannot serve as reference: " + events.unusable().get());
        }
        List<LaunchEvents.Module> dom0 = events.dom0Modules();
        if (events.hypervisor().size() != 1) {
            throw new EnrollmentException("the launch has " + events.hypervisor().size() + " hypervisor modules; a reference launch has one");
        }
        List<NamedDigest> sinit = addDigests(launch.sinit(), events.sinit(), "sinit-" + host);
        List<NamedDigest> mle = addDigests(launch.mle(), events.mle(), "tboot-" + host);
        List<PlatformEventRule> platform = new ArrayList<>(launch.platform().orElse(List.of()));
        for (LaunchEvents.Logged l : events.platform()) {
            HexValue d = new HexValue(l.digest());
            int type = l.event().eventType();
            if (platform.stream().noneMatch(p -> p.eventType() == type && p.digest().equals(d))) {
                String name = safeName(EventType.nameOf(type).toLowerCase(Locale.ROOT).replace('_', '-') + "-" + host);
                platform.add(new PlatformEventRule(unique(name, platform.stream().map(PlatformEventRule::name).toList()), type, d));
            }
        }
        return new LaunchRules(Optional.of(sinit), Optional.of(platform), Optional.of(mle),
                Optional.of(addModules(launch.hypervisor(), events.hypervisor(), host)),
                Optional.of(addModules(launch.kernel(), dom0.subList(0, Math.min(1, dom0.size())), host)),
                dom0.size() > 1 ? Optional.of(addModules(launch.initrd(), dom0.subList(1, 2), host)) : launch.initrd(),
                // Modules after the initrd (an XSM policy, microcode) become allowed extra modules.
                dom0.size() > 2 ? Optional.of(addModules(launch.extraModules(), dom0.subList(2, dom0.size()), host)) : launch.extraModules());
    }

    private static List<NamedDigest> addDigests(Optional<List<NamedDigest>> present, List<LaunchEvents.Logged> logged, String name) {
        List<NamedDigest> out = new ArrayList<>(present.orElse(List.of()));
        for (LaunchEvents.Logged l : logged) {
            HexValue d = new HexValue(l.digest());
            if (out.stream().noneMatch(n -> n.digest().equals(d))) {
                out.add(new NamedDigest(unique(safeName(name), names(out, NamedDigest::name)), d));
            }
        }
        return out;
    }

    private static List<ModuleRule> addModules(Optional<List<ModuleRule>> present, List<LaunchEvents.Module> modules, String host) {
        List<ModuleRule> out = new ArrayList<>(present.orElse(List.of()));
        for (LaunchEvents.Module m : modules) {
            HexValue d = new HexValue(m.logged().digest());
            Optional<String> cmdline = m.data().map(data -> data.commandLine());
            if (out.stream().noneMatch(r -> r.measurement().map(d::equals).orElse(false) && r.commandLine().equals(cmdline))) {
                String label = m.data().map(data -> data.label()).orElse("module" + m.number());
                out.add(new ModuleRule(unique(safeName(label + "-" + host), names(out, ModuleRule::name)), Optional.empty(), cmdline,
                        Optional.of(d)));
            }
        }
        return out;
    }

    private static <T> List<String> names(List<T> items, Function<T, String> name) {
        return items.stream().map(name).toList();
    }

    private static String unique(String base, List<String> taken) {
        String name = base;
        for (int i = 2; taken.contains(name); i++) {
            String suffix = "-" + i;
            name = (base.length() + suffix.length() > 64 ? base.substring(0, 64 - suffix.length()) : base) + suffix;
        }
        return name;
    }

    /** Policy names are [A-Za-z0-9._-], 1..64 characters. */
    static String safeName(String text) {
        String s = text.replaceAll("[^A-Za-z0-9._-]", "-");
        if (s.isEmpty()) {
            s = "entry";
        }
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private static String commonName(X509Certificate c) {
        String dn = c.getSubjectX500Principal().getName();
        for (String part : dn.split(",")) {
            if (part.trim().startsWith("CN=")) {
                return part.trim().substring(3);
            }
        }
        return dn;
    }
}
