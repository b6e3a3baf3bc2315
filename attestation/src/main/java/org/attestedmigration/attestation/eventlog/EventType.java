package org.attestedmigration.attestation.eventlog;

import java.util.Optional;

/**
 * Event types that appear in the logs this project writes and reads: the few TCG PC Client types
 * it needs, the Intel TXT types that SINIT ACMs log (0x400 range, Intel TXT Software Development
 * Guide / MLE developer guide, same names as Intel ISecL and Windows' {@code wbcl.h}), and tboot's
 * own verified-launch type.
 *
 * <p>An event log may carry any 32-bit type; {@link TcgEvent} therefore keeps the raw code and this
 * enum only gives names to known codes.
 */
public enum EventType {
    EV_PREBOOT_CERT(0x0),
    EV_POST_CODE(0x1),
    EV_NO_ACTION(0x3),
    EV_SEPARATOR(0x4),
    EV_ACTION(0x5),
    EV_EVENT_TAG(0x6),
    EV_S_CRTM_CONTENTS(0x7),
    EV_S_CRTM_VERSION(0x8),
    EV_IPL(0xD),
    EV_EFI_ACTION(0x80000007),

    TXT_EVENT_BASE(0x400),
    TXT_PCR_MAPPING(0x401),
    TXT_HASH_START(0x402),
    TXT_COMBINED_HASH(0x403),
    TXT_MLE_HASH(0x404),
    TXT_BIOSAC_REG_DATA(0x40A),
    TXT_CPU_SCRTM_STAT(0x40B),
    TXT_LCP_CONTROL_HASH(0x40C),
    TXT_ELEMENTS_HASH(0x40D),
    TXT_STM_HASH(0x40E),
    TXT_OSSINITDATA_CAP_HASH(0x40F),
    TXT_SINIT_PUBKEY_HASH(0x410),
    TXT_LCP_HASH(0x411),
    TXT_LCP_DETAILS_HASH(0x412),
    TXT_LCP_AUTHORITIES_HASH(0x413),
    TXT_NV_INFO_HASH(0x414),
    TXT_COLD_BOOT_BIOS_HASH(0x415),
    TXT_KM_HASH(0x416),
    TXT_BPM_HASH(0x417),
    TXT_KM_INFO_HASH(0x418),
    TXT_BPM_INFO_HASH(0x419),
    TXT_BOOT_POL_HASH(0x41A),
    TXT_CAP_VALUE(0x4FF),

    /**
     * tboot's verified-launch measurement (tboot source: {@code EVTTYPE_TB_MEASUREMENT =
     * 0x400 + 0x101}). tboot logs its launch-policy hash and every module it extends into PCR 17-19
     * with this type; Intel ISecL's trust agent labels these "tb_policy", "vmlinuz", "initrd" by
     * their order of appearance because tboot writes them without event data.
     */
    TBOOT_MEASUREMENT(0x501);

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    /** The 32-bit value written in the log (unsigned on the wire, Java int bits here). */
    public int code() {
        return code;
    }

    public static Optional<EventType> fromCode(int code) {
        for (EventType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The enum name for a known code, else the code in hex, for messages and listings. */
    public static String nameOf(int code) {
        return fromCode(code).map(Enum::name).orElseGet(() -> String.format("0x%08x", code));
    }
}
