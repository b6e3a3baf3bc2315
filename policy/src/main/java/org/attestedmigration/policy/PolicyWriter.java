package org.attestedmigration.policy;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.attestedmigration.policy.document.Durations;
import org.attestedmigration.policy.document.PemCertificates;
import org.attestedmigration.policy.document.StarterPolicy;
import org.attestedmigration.policy.document.YamlScalars;

/**
 * Writes a {@link Policy} as the canonical YAML document {@link PolicyLoader} reads back to the
 * same model: every section in a fixed order, defaults written out (an administrator reviewing a
 * policy should not need to know them), short comments on what each section means, certificates
 * as PEM block scalars. Also writes the commented starter policy of {@code policy init}.
 */
public final class PolicyWriter {
    private PolicyWriter() {
    }

    /** The policy as YAML; the same policy always gives the same text. */
    public static String toYaml(Policy policy) {
        Out out = new Out();
        out.line(0, "# Trust policy of attested-migration (format: docs/policy-format.md).");
        out.line(0, "apiVersion: " + Policy.API_VERSION);
        out.line(0, "# Raise the serial on every change: agents refuse a lower serial than the one they hold.");
        out.line(0, "serial: " + policy.serial());
        out.line(0, "name: " + YamlScalars.scalar(policy.name()));
        trustAnchors(out, policy.ekManufacturers());
        hosts(out, policy.hosts());
        groups(out, policy.groups());
        migrations(out, policy.migrations());
        measurements(out, policy.measurements());
        freshness(out, policy.freshness());
        tls(out, policy.tls());
        revoked(out, policy.revoked());
        return out.toString();
    }

    /** The commented starter document {@code policy init} writes: it loads, and accepts nothing yet. */
    public static String starterPolicy() {
        return StarterPolicy.TEXT;
    }

    private static void trustAnchors(Out out, List<NamedCertificate> anchors) {
        out.section("CA certificates (root or intermediate) that issue TPM endorsement key (EK) certificates.");
        out.line(0, "trustAnchors:");
        if (anchors.isEmpty()) {
            out.line(1, "ekManufacturers: []");
            return;
        }
        out.line(1, "ekManufacturers:");
        for (NamedCertificate anchor : anchors) {
            out.line(2, "- name: " + YamlScalars.scalar(anchor.name()));
            out.line(3, "certificate: |");
            PemCertificates.format(anchor.certificate()).lines().forEach(l -> out.line(4, l));
        }
    }

    private static void hosts(Out out, List<HostEntry> hosts) {
        out.section("Hosts, identified by their TPM: the SHA-256 of the EK public key and/or a pinned AK name.");
        if (hosts.isEmpty()) {
            out.line(0, "hosts: []");
            return;
        }
        out.line(0, "hosts:");
        for (HostEntry host : hosts) {
            out.line(1, "- name: " + YamlScalars.scalar(host.name()));
            host.ekPublicKeySha256().ifPresent(h -> out.line(2, "ekPublicKeySha256: " + hex(h)));
            host.akName().ifPresent(h -> out.line(2, "akName: " + hex(h)));
            if (!host.hostUnique().isEmpty()) {
                out.line(2, "# Launch rules for this host only, added to measurements.launch.");
                out.line(2, "launch:");
                launch(out, 3, host.hostUnique());
            }
        }
    }

    private static void groups(Out out, List<GroupEntry> groups) {
        out.section("Named sets of hosts; migration rules speak of groups. A host may be in several groups.");
        if (groups.isEmpty()) {
            out.line(0, "groups: []");
            return;
        }
        out.line(0, "groups:");
        for (GroupEntry group : groups) {
            out.line(1, "- name: " + YamlScalars.scalar(group.name()));
            out.line(2, "hosts: " + flow(group.hosts()));
        }
    }

    private static void migrations(Out out, List<MigrationRule> rules) {
        out.section("Which group may send VMs to which; direction matters.");
        if (rules.isEmpty()) {
            out.line(0, "migrations: []");
            return;
        }
        out.line(0, "migrations:");
        for (MigrationRule rule : rules) {
            out.line(1, "- from: " + YamlScalars.scalar(rule.from()));
            out.line(2, "to: " + YamlScalars.scalar(rule.to()));
        }
    }

    private static void measurements(Out out, MeasurementRules rules) {
        out.section("Acceptable measured software: per-PCR allowlists and TXT launch events, in one PCR bank.");
        out.line(0, "measurements:");
        out.line(1, "pcrBank: " + rules.bank().bankName());
        if (rules.pcrs().isEmpty()) {
            out.line(1, "pcrs: {}");
        } else {
            out.line(1, "# Each PCR's quoted value must be one of its list.");
            out.line(1, "pcrs:");
            for (Map.Entry<Integer, List<NamedDigest>> pcr : rules.pcrs().entrySet()) {
                namedDigests(out, 2, "\"" + pcr.getKey() + "\"", "value", pcr.getValue());
            }
        }
        if (rules.launch().isEmpty()) {
            out.line(1, "# No launch rules: launch events are not checked.");
            return;
        }
        out.line(1, "# Event-level rules of a TXT launch; an absent category is not checked, an empty one allows nothing.");
        out.line(1, "launch:");
        launch(out, 2, rules.launch());
    }

    private static void launch(Out out, int indent, LaunchRules launch) {
        launch.sinit().ifPresent(l -> namedDigests(out, indent, "sinit", "digest", l));
        launch.platform().ifPresent(l -> {
            if (l.isEmpty()) {
                out.line(indent, "platform: []");
                return;
            }
            out.line(indent, "platform:");
            for (PlatformEventRule rule : l) {
                out.line(indent + 1, "- name: " + YamlScalars.scalar(rule.name()));
                out.line(indent + 2, "eventType: " + org.attestedmigration.attestation.eventlog.EventType.nameOf(rule.eventType()));
                out.line(indent + 2, "digest: " + hex(rule.digest()));
            }
        });
        launch.mle().ifPresent(l -> namedDigests(out, indent, "mle", "digest", l));
        launch.hypervisor().ifPresent(l -> modules(out, indent, "hypervisor", l));
        launch.kernel().ifPresent(l -> modules(out, indent, "kernel", l));
        launch.initrd().ifPresent(l -> modules(out, indent, "initrd", l));
        launch.extraModules().ifPresent(l -> modules(out, indent, "extraModules", l));
    }

    private static void namedDigests(Out out, int indent, String key, String valueKey, List<NamedDigest> list) {
        if (list.isEmpty()) {
            out.line(indent, key + ": []");
            return;
        }
        out.line(indent, key + ":");
        for (NamedDigest entry : list) {
            out.line(indent + 1, "- name: " + YamlScalars.scalar(entry.name()));
            out.line(indent + 2, valueKey + ": " + hex(entry.digest()));
        }
    }

    private static void modules(Out out, int indent, String key, List<ModuleRule> list) {
        if (list.isEmpty()) {
            out.line(indent, key + ": []");
            return;
        }
        out.line(indent, key + ":");
        for (ModuleRule rule : list) {
            out.line(indent + 1, "- name: " + YamlScalars.scalar(rule.name()));
            rule.imageDigest().ifPresent(h -> out.line(indent + 2, "imageDigest: " + hex(h)));
            rule.measurement().ifPresent(h -> out.line(indent + 2, "measurement: " + hex(h)));
            rule.commandLine().ifPresent(c -> out.line(indent + 2, "commandLine: " + YamlScalars.quoted(c)));
        }
    }

    private static void freshness(Out out, Freshness freshness) {
        out.section("How fresh evidence must be (durations: integer + ms, s, m or h).");
        out.line(0, "freshness:");
        out.line(1, "maxEvidenceAge: " + Durations.format(freshness.maxEvidenceAge()));
        out.line(1, "nonceLifetime: " + Durations.format(freshness.nonceLifetime()));
        freshness.reattestEvery().ifPresent(d -> out.line(1, "reattestEvery: " + Durations.format(d)));
    }

    private static void tls(Out out, TlsRequirements tls) {
        out.section("The attested channel: TLS 1.3 always; these suites; whether quotes bind the RFC 9266 exporter.");
        out.line(0, "tls:");
        out.line(1, "cipherSuites: " + flow(tls.cipherSuites()));
        out.line(1, "requireExporter: " + tls.requireExporter());
    }

    private static void revoked(Out out, Revocations revoked) {
        out.section("Never accepted again: host names, and EK public key hashes or AK names.");
        out.line(0, "revoked:");
        out.line(1, "hosts: " + flow(revoked.hosts()));
        if (revoked.keys().isEmpty()) {
            out.line(1, "keys: []");
            return;
        }
        out.line(1, "keys:");
        revoked.keys().forEach(k -> out.line(2, "- " + hex(k)));
    }

    private static String hex(HexValue value) {
        return YamlScalars.scalar(value.toString());
    }

    private static String flow(List<String> values) {
        return values.stream().map(YamlScalars::scalar).collect(Collectors.joining(", ", "[", "]"));
    }

    /** Lines with two-space indentation levels; a blank line and a comment open each section. */
    private static final class Out {
        private final StringBuilder text = new StringBuilder();

        void line(int indent, String line) {
            text.append("  ".repeat(indent)).append(line).append('\n');
        }

        void section(String comment) {
            text.append('\n');
            line(0, "# " + comment);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
