package org.attestedmigration.policy.document;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.policy.GroupEntry;
import org.attestedmigration.policy.HexValue;
import org.attestedmigration.policy.HostEntry;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.MigrationRule;
import org.attestedmigration.policy.NamedCertificate;
import org.attestedmigration.policy.Revocations;

/**
 * Binds the sections about who takes part: trust anchors, hosts, groups, migration rules and
 * revocations, including the references between them (a group's hosts, a rule's groups).
 */
final class IdentityBinder {
    private static final int EK_HASH_LENGTH = 32;

    private final Problems problems;
    private final HashAlgorithm bank;
    private final UniqueNames hostNames;
    private final UniqueNames groupNames;
    /** Whether hosts (groups) was a list: if not, references to them are not reported again as unknown. */
    private boolean hostsBound;
    private boolean groupsBound;

    IdentityBinder(HashAlgorithm bank, Problems problems) {
        this.bank = bank;
        this.problems = problems;
        this.hostNames = new UniqueNames("host name", problems);
        this.groupNames = new UniqueNames("group name", problems);
    }

    List<NamedCertificate> trustAnchors(Optional<Node> node) {
        List<NamedCertificate> out = new ArrayList<>();
        Optional<Fields> fields = node.flatMap(n -> Fields.of(n, "trustAnchors", List.of("ekManufacturers"), problems));
        Optional<SequenceNode> list = fields.flatMap(f -> f.optional("ekManufacturers"))
                .flatMap(n -> Values.list(n, "trustAnchors.ekManufacturers", problems));
        if (list.isEmpty()) {
            return out;
        }
        UniqueNames names = new UniqueNames("manufacturer name", problems);
        for (Node item : list.get().items()) {
            Fields.of(item, "an entry of trustAnchors.ekManufacturers", List.of("name", "certificate"), problems).ifPresent(f -> {
                Optional<Node> nameNode = f.required("name");
                Optional<String> name = nameNode.flatMap(n -> Values.name(n, "name", problems))
                        .filter(n -> names.add(n, nameNode.get().position()));
                f.required("certificate").flatMap(n -> PemCertificates.parse(n, "certificate", problems))
                        .flatMap(c -> name.map(n -> new NamedCertificate(n, c))).ifPresent(out::add);
            });
        }
        return out;
    }

    List<HostEntry> hosts(Node node) {
        List<HostEntry> out = new ArrayList<>();
        UniqueNames ekHashes = new UniqueNames("ekPublicKeySha256 (another host has this EK)", problems);
        UniqueNames akNames = new UniqueNames("akName (another host pins this AK)", problems);
        Optional<SequenceNode> list = Values.list(node, "hosts", problems);
        hostsBound = list.isPresent();
        for (Node item : list.map(SequenceNode::items).orElse(List.of())) {
            Fields.of(item, "a host", List.of("name", "ekPublicKeySha256", "akName", "launch"), problems)
                    .flatMap(f -> host(f, ekHashes, akNames)).ifPresent(out::add);
        }
        return out;
    }

    private Optional<HostEntry> host(Fields f, UniqueNames ekHashes, UniqueNames akNames) {
        Optional<Node> nameNode = f.required("name");
        Optional<String> name = nameNode.flatMap(n -> Values.name(n, "name", problems)).filter(n -> hostNames.add(n, nameNode.get().position()));
        Optional<Node> ekNode = f.optional("ekPublicKeySha256");
        Optional<Node> akNode = f.optional("akName");
        if (ekNode.isEmpty() && akNode.isEmpty()) {
            problems.add(f.position(), "a host needs ekPublicKeySha256 or akName (or both) to be identified by its TPM");
        }
        Optional<HexValue> ek = ekNode.flatMap(n -> Values.hexOfLength(n, "ekPublicKeySha256", EK_HASH_LENGTH,
                "a SHA-256 of the EK's SubjectPublicKeyInfo", problems)).map(HexValue::new)
                .filter(h -> ekHashes.add(h.toString(), ekNode.get().position()));
        Optional<HexValue> ak = akNode.flatMap(n -> akName(n, "akName")).filter(h -> akNames.add(h.toString(), akNode.get().position()));
        LaunchRules launch = f.optional("launch").map(n -> new LaunchRulesBinder(bank, problems).bind(n, "launch of host " + name.orElse("?")))
                .orElse(LaunchRules.NONE);
        boolean ok = name.isPresent() && (ek.isPresent() || ak.isPresent()) && ekNode.isPresent() == ek.isPresent()
                && akNode.isPresent() == ak.isPresent();
        return ok ? Optional.of(new HostEntry(name.get(), ek, ak, launch)) : Optional.empty();
    }

    private Optional<HexValue> akName(Node node, String label) {
        Optional<byte[]> bytes = Values.hex(node, label, problems);
        Optional<String> problem = bytes.flatMap(TpmNames::problem);
        problem.ifPresent(p -> problems.add(node.position(), label + ": " + p));
        return problem.isPresent() ? Optional.empty() : bytes.map(HexValue::new);
    }

    List<GroupEntry> groups(Node node) {
        List<GroupEntry> out = new ArrayList<>();
        Optional<SequenceNode> list = Values.list(node, "groups", problems);
        groupsBound = list.isPresent();
        for (Node item : list.map(SequenceNode::items).orElse(List.of())) {
            Fields.of(item, "a group", List.of("name", "hosts"), problems).flatMap(this::group).ifPresent(out::add);
        }
        return out;
    }

    private Optional<GroupEntry> group(Fields f) {
        Optional<Node> nameNode = f.required("name");
        Optional<String> name = nameNode.flatMap(n -> Values.name(n, "name", problems)).filter(n -> groupNames.add(n, nameNode.get().position()));
        Optional<List<String>> hosts = f.required("hosts").flatMap(n -> hostReferences(n, "hosts of a group", "group member"));
        return name.isPresent() && hosts.isPresent() ? Optional.of(new GroupEntry(name.get(), hosts.get())) : Optional.empty();
    }

    /** A list of names of hosts defined in {@code hosts}, each once. */
    private Optional<List<String>> hostReferences(Node node, String label, String duplicateWhat) {
        Optional<SequenceNode> list = Values.list(node, label, problems);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        UniqueNames seen = new UniqueNames(duplicateWhat, problems);
        boolean ok = true;
        for (Node item : list.get().items()) {
            Optional<String> host = Values.name(item, "host", problems);
            if (host.isEmpty()) {
                ok = false;
            } else if (!hostNames.contains(host.get())) {
                if (hostsBound) {
                    problems.add(item.position(), "unknown host '" + host.get() + "': expected the name of a host defined under hosts");
                }
                ok = false;
            } else if (seen.add(host.get(), item.position())) {
                out.add(host.get());
            }
        }
        return ok ? Optional.of(out) : Optional.empty();
    }

    List<MigrationRule> migrations(Node node) {
        List<MigrationRule> out = new ArrayList<>();
        Set<MigrationRule> seen = new HashSet<>();
        for (Node item : Values.list(node, "migrations", problems).map(SequenceNode::items).orElse(List.of())) {
            Fields.of(item, "a migration rule", List.of("from", "to"), problems).ifPresent(f -> {
                Optional<String> from = f.required("from").flatMap(this::groupReference);
                Optional<String> to = f.required("to").flatMap(this::groupReference);
                if (from.isPresent() && to.isPresent()) {
                    MigrationRule rule = new MigrationRule(from.get(), to.get());
                    if (seen.add(rule)) {
                        out.add(rule);
                    } else {
                        problems.add(f.position(), "duplicate migration rule from '" + rule.from() + "' to '" + rule.to() + "'");
                    }
                }
            });
        }
        return out;
    }

    private Optional<String> groupReference(Node node) {
        Optional<String> name = Values.name(node, "group", problems);
        if (name.isPresent() && !groupNames.contains(name.get())) {
            if (groupsBound) {
                problems.add(node.position(), "unknown group '" + name.get() + "': expected the name of a group defined under groups");
            }
            return Optional.empty();
        }
        return name;
    }

    Revocations revoked(Optional<Node> node) {
        Optional<Fields> fields = node.flatMap(n -> Fields.of(n, "revoked", List.of("hosts", "keys"), problems));
        if (fields.isEmpty()) {
            return Revocations.NONE;
        }
        List<String> hosts = fields.get().optional("hosts").flatMap(n -> hostReferences(n, "revoked.hosts", "revoked host"))
                .orElse(List.of());
        List<HexValue> keys = new ArrayList<>();
        UniqueNames seenKeys = new UniqueNames("revoked key", problems);
        fields.get().optional("keys").flatMap(n -> Values.list(n, "revoked.keys", problems)).ifPresent(list -> {
            for (Node item : list.items()) {
                revokedKey(item).filter(k -> seenKeys.add(k.toString(), item.position())).ifPresent(keys::add);
            }
        });
        return new Revocations(hosts, keys);
    }

    /** An EK public key hash (32 bytes) or an AK's TPM name. */
    private Optional<HexValue> revokedKey(Node node) {
        Optional<byte[]> bytes = Values.hex(node, "revoked key", problems);
        if (bytes.isPresent() && bytes.get().length != EK_HASH_LENGTH && !TpmNames.isValid(bytes.get())) {
            problems.add(node.position(), "revoked key: expected an EK public key hash (32 bytes) or an AK's TPM name"
                    + " (2-byte algorithm id + digest, e.g. 34 bytes for 000b + sha256), found " + bytes.get().length + " bytes");
            return Optional.empty();
        }
        return bytes.map(HexValue::new);
    }
}
