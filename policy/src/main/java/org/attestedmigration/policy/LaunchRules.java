package org.attestedmigration.policy;

import java.util.List;
import java.util.Optional;

/**
 * Event-level rules for a TXT launch with tboot, split as Intel ISecL splits flavors:
 * platform (the SINIT ACM and the platform's PCR 17 measurements), OS (tboot, Xen, dom0 kernel,
 * initrd). An absent category is not checked; a present but empty one allows nothing.
 *
 * <p>{@code extraModules} are the modules tboot loads after the initrd (an XSM/FLASK policy, a CPU
 * microcode update, ...). Absent, a launch with such a module fails {@code launch.structure}: an
 * unchecked module could run anything. Present, every extra module must match one of its entries
 * (empty: no extra module allowed), and a launch without extra modules passes.
 */
public record LaunchRules(Optional<List<NamedDigest>> sinit, Optional<List<PlatformEventRule>> platform,
        Optional<List<NamedDigest>> mle, Optional<List<ModuleRule>> hypervisor, Optional<List<ModuleRule>> kernel,
        Optional<List<ModuleRule>> initrd, Optional<List<ModuleRule>> extraModules) {

    public static final LaunchRules NONE = new LaunchRules(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    /** Rules that allow no module after the initrd. */
    public LaunchRules(Optional<List<NamedDigest>> sinit, Optional<List<PlatformEventRule>> platform,
            Optional<List<NamedDigest>> mle, Optional<List<ModuleRule>> hypervisor, Optional<List<ModuleRule>> kernel,
            Optional<List<ModuleRule>> initrd) {
        this(sinit, platform, mle, hypervisor, kernel, initrd, Optional.empty());
    }

    public LaunchRules {
        sinit = sinit.map(List::copyOf);
        platform = platform.map(List::copyOf);
        mle = mle.map(List::copyOf);
        hypervisor = hypervisor.map(List::copyOf);
        kernel = kernel.map(List::copyOf);
        initrd = initrd.map(List::copyOf);
        extraModules = extraModules.map(List::copyOf);
    }

    /** Whether no category is constrained. */
    public boolean isEmpty() {
        return this.equals(NONE);
    }
}
