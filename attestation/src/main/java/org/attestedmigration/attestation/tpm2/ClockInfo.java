package org.attestedmigration.attestation.tpm2;

import org.attestedmigration.attestation.MalformedStructureException;

/**
 * TPMS_CLOCK_INFO. {@code clock} is an unsigned 64-bit millisecond count; resetCount and
 * restartCount are unsigned 32-bit values widened to long.
 */
public record ClockInfo(long clock, long resetCount, long restartCount, boolean safe) {

    static ClockInfo parse(TpmReader r, String field) throws MalformedStructureException {
        long clock = r.u64(field + ".clock");
        long resetCount = r.u32(field + ".resetCount");
        long restartCount = r.u32(field + ".restartCount");
        int safeAt = r.offset();
        int safe = r.u8(field + ".safe");
        if (safe > 1) {
            // TPMI_YES_NO admits only 0 and 1; anything else means the bytes are not a clock info.
            throw r.malformed(field + ".safe", safeAt, "TPMI_YES_NO value " + safe + " is neither 0 nor 1");
        }
        return new ClockInfo(clock, resetCount, restartCount, safe == 1);
    }
}
