package org.attestedmigration.attestation.txt;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.attestedmigration.attestation.HashAlgorithm;

/**
 * Small, deterministic stand-ins for the images of a TXT launch (SINIT ACM, tboot, Xen, dom0
 * kernel and initrd), for the demo and the tests: the same version string gives the same bytes and
 * so the same PCR values on every run and every machine.
 */
public final class SampleLaunch {
    public static final String DEFAULT_TBOOT = "tboot-1.11.1";
    public static final String DEFAULT_XEN = "xen-4.17.3";
    public static final String DEFAULT_KERNEL = "linux-6.1.0-dom0";
    public static final String XEN_CMDLINE = "dom0_mem=2048M,max:2048M loglvl=all guest_loglvl=all";
    public static final String KERNEL_CMDLINE = "root=/dev/mapper/vg0-root ro console=hvc0";

    private final String sinit;
    private final String tboot;
    private final String xen;
    private final String kernel;

    private SampleLaunch(String sinit, String tboot, String xen, String kernel) {
        this.sinit = sinit;
        this.tboot = tboot;
        this.xen = xen;
        this.kernel = kernel;
    }

    /** The known-good launch: the images an administrator would enroll. */
    public static SampleLaunch trusted() {
        return new SampleLaunch("sinit-acm-5th-gen", DEFAULT_TBOOT, DEFAULT_XEN, DEFAULT_KERNEL);
    }

    /** The same launch with another hypervisor image, e.g. one the policy does not allow. */
    public SampleLaunch withHypervisor(String version) {
        return new SampleLaunch(sinit, tboot, version, kernel);
    }

    /** The same launch with another MLE (tboot) image. */
    public SampleLaunch withMle(String version) {
        return new SampleLaunch(sinit, version, xen, kernel);
    }

    public String hypervisor() {
        return xen;
    }

    public String mle() {
        return tboot;
    }

    public LaunchComponents components() {
        return new LaunchComponents(image(sinit, 8 * 1024), image(tboot, 16 * 1024), List.of(
                new LaunchModule("xen.gz", image(xen, 32 * 1024), XEN_CMDLINE),
                new LaunchModule("vmlinuz", image(kernel, 48 * 1024), KERNEL_CMDLINE),
                new LaunchModule("initrd.img", image(kernel + "-initrd", 24 * 1024), "")));
    }

    /** Bytes derived from the name by a SHA-256 counter stream: stable and different per name. */
    static byte[] image(String name, int size) {
        byte[] out = new byte[size];
        byte[] seed = name.getBytes(StandardCharsets.UTF_8);
        int off = 0;
        for (int counter = 0; off < size; counter++) {
            byte[] block = HashAlgorithm.SHA256.digest(seed, new byte[] {(byte) (counter >> 24), (byte) (counter >> 16), (byte) (counter >> 8), (byte) counter});
            int n = Math.min(block.length, size - off);
            System.arraycopy(block, 0, out, off, n);
            off += n;
        }
        return out;
    }
}
