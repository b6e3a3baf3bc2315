package org.attestedmigration.policy.document;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.eventlog.EventType;
import org.attestedmigration.policy.HexValue;
import org.attestedmigration.policy.LaunchRules;
import org.attestedmigration.policy.ModuleRule;
import org.attestedmigration.policy.NamedDigest;
import org.attestedmigration.policy.PlatformEventRule;

/**
 * Binds a {@code launch} section (global or host-unique) to {@link LaunchRules}. Every digest is
 * of the PCR bank's size because each log event carries one digest per bank.
 */
final class LaunchRulesBinder {
    static final List<String> CATEGORIES = List.of("sinit", "platform", "mle", "hypervisor", "kernel", "initrd", "extraModules");

    /** The launch events with a category of their own, and the bookkeeping types that are no measurement. */
    private static final List<EventType> NOT_PLATFORM = List.of(EventType.TXT_EVENT_BASE, EventType.TXT_HASH_START, EventType.TXT_MLE_HASH);

    private static final List<String> DIGEST_KEYS = List.of("name", "digest");
    private static final List<String> PLATFORM_KEYS = List.of("name", "eventType", "digest");
    private static final List<String> MODULE_KEYS = List.of("name", "imageDigest", "commandLine", "measurement");

    private final HashAlgorithm bank;
    private final Problems problems;

    LaunchRulesBinder(HashAlgorithm bank, Problems problems) {
        this.bank = bank;
        this.problems = problems;
    }

    LaunchRules bind(Node node, String section) {
        Optional<Fields> fields = Fields.of(node, section, CATEGORIES, problems);
        if (fields.isEmpty()) {
            return LaunchRules.NONE;
        }
        Fields f = fields.get();
        return new LaunchRules(
                f.optional("sinit").map(n -> list(n, section + ".sinit", DIGEST_KEYS, (e, u) -> namedDigest(e, u, "digest"))),
                f.optional("platform").map(n -> list(n, section + ".platform", PLATFORM_KEYS, this::platformEvent)),
                f.optional("mle").map(n -> list(n, section + ".mle", DIGEST_KEYS, (e, u) -> namedDigest(e, u, "digest"))),
                f.optional("hypervisor").map(n -> list(n, section + ".hypervisor", MODULE_KEYS, this::module)),
                f.optional("kernel").map(n -> list(n, section + ".kernel", MODULE_KEYS, this::module)),
                f.optional("initrd").map(n -> list(n, section + ".initrd", MODULE_KEYS, this::module)),
                f.optional("extraModules").map(n -> list(n, section + ".extraModules", MODULE_KEYS, this::module)));
    }

    /** An allowlist: entries with names unique within it. */
    <T> List<T> list(Node node, String section, List<String> keys, BiFunction<Fields, UniqueNames, Optional<T>> entry) {
        List<T> out = new ArrayList<>();
        Optional<SequenceNode> list = Values.list(node, section, problems);
        if (list.isEmpty()) {
            return out;
        }
        UniqueNames names = new UniqueNames("entry name", "in " + section, problems);
        for (Node item : list.get().items()) {
            Fields.of(item, "an entry of " + section, keys, problems).flatMap(f -> entry.apply(f, names)).ifPresent(out::add);
        }
        return out;
    }

    Optional<String> entryName(Fields f, UniqueNames names) {
        Optional<Node> node = f.required("name");
        Optional<String> name = node.flatMap(n -> Values.name(n, "name", problems));
        if (name.isPresent() && !names.add(name.get(), node.get().position())) {
            return Optional.empty();
        }
        return name;
    }

    Optional<HexValue> digest(Node node, String label) {
        return Values.hexOfLength(node, label, bank.digestLength(), "a " + bank.bankName() + " digest", problems).map(HexValue::new);
    }

    Optional<NamedDigest> namedDigest(Fields f, UniqueNames names, String key) {
        Optional<String> name = entryName(f, names);
        Optional<HexValue> digest = f.required(key).flatMap(n -> digest(n, key));
        return name.isPresent() && digest.isPresent() ? Optional.of(new NamedDigest(name.get(), digest.get())) : Optional.empty();
    }

    private Optional<PlatformEventRule> platformEvent(Fields f, UniqueNames names) {
        Optional<String> name = entryName(f, names);
        Optional<Integer> type = f.required("eventType").flatMap(this::eventType);
        Optional<HexValue> digest = f.required("digest").flatMap(n -> digest(n, "digest"));
        return name.isPresent() && type.isPresent() && digest.isPresent()
                ? Optional.of(new PlatformEventRule(name.get(), type.get(), digest.get())) : Optional.empty();
    }

    private Optional<Integer> eventType(Node node) {
        Optional<String> text = Values.text(node, "eventType", problems);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Optional<EventType> known = Arrays.stream(EventType.values()).filter(t -> t.name().equals(text.get())).findFirst();
        if (known.isPresent() && known.get() == EventType.TXT_HASH_START) {
            problems.add(node.position(), "eventType: TXT_HASH_START is the SINIT measurement: list it under sinit, not platform");
        } else if (known.isPresent() && known.get() == EventType.TXT_MLE_HASH) {
            problems.add(node.position(), "eventType: TXT_MLE_HASH is tboot's measurement: list it under mle, not platform");
        } else if (known.isPresent() && platformTypes().contains(known.get())) {
            return Optional.of(known.get().code());
        } else {
            problems.add(node.position(), "eventType: unknown event type '" + Values.shown(text.get()) + "': expected a TXT platform event type ("
                    + platformTypes().stream().map(Enum::name).collect(Collectors.joining(", ")) + ")");
        }
        return Optional.empty();
    }

    static List<EventType> platformTypes() {
        return Arrays.stream(EventType.values()).filter(t -> t.name().startsWith("TXT_") && !NOT_PLATFORM.contains(t)).toList();
    }

    private Optional<ModuleRule> module(Fields f, UniqueNames names) {
        Optional<String> name = entryName(f, names);
        Optional<Node> imageNode = f.optional("imageDigest");
        Optional<Node> measurementNode = f.optional("measurement");
        Optional<Node> commandLineNode = f.optional("commandLine");
        boolean ok = true;
        if (imageNode.isPresent() == measurementNode.isPresent()) {
            String both = imageNode.isPresent() ? "both" : "neither";
            Position at = imageNode.isPresent() ? measurementNode.get().position() : f.position();
            problems.add(at, "a module rule needs exactly one of imageDigest and measurement, found " + both);
            ok = false;
        } else if (imageNode.isPresent() && commandLineNode.isEmpty()) {
            problems.add(f.position(), "missing required key 'commandLine' in " + f.section()
                    + ": an imageDigest is measured together with its exact command line");
            ok = false;
        }
        Optional<HexValue> image = imageNode.flatMap(n -> digest(n, "imageDigest"));
        Optional<HexValue> measurement = measurementNode.flatMap(n -> digest(n, "measurement"));
        Optional<String> commandLine = commandLineNode.flatMap(n -> Values.text(n, "commandLine", problems));
        ok &= name.isPresent() && imageNode.isPresent() == image.isPresent() && measurementNode.isPresent() == measurement.isPresent()
                && commandLineNode.isPresent() == commandLine.isPresent();
        return ok ? Optional.of(new ModuleRule(name.get(), image, commandLine, measurement)) : Optional.empty();
    }
}
