package org.attestedmigration.migrationcore.memory;

/**
 * The memory migration stream, big-endian, one way from source to destination.
 *
 * <pre>
 * header : u32 MAGIC "AMMS" | u16 VERSION | u16 page size | u8 name length | name (UTF-8)
 *          | u64 memory bytes | u64 epoch | 32 bytes handover commitment
 * records: u8 type | body
 *   PAGE      u32 page | 4096 bytes        pre-copy or final
 *   ZERO      u32 page                     a page of zeros, no data
 *   ROUND_END u32 round                    end of a pre-copy round; also a keep-alive
 *   PAUSED    u64 seconds | u32 nanos      the guest stopped on the source (its clock)
 *   CPU_STATE u16 length | state           after PAUSED, after the last page
 *   END       32 bytes digest              the last record; the source then closes
 *   ABORT     u16 length | UTF-8 reason    the source gave up; the destination destroys
 * </pre>
 */
final class MemoryStreamFormat {
    static final int MAGIC = 0x414D4D53;
    static final int VERSION = 1;
    static final int PAGE = 1;
    static final int ZERO = 2;
    static final int ROUND_END = 3;
    static final int PAUSED = 4;
    static final int CPU_STATE = 5;
    static final int END = 6;
    static final int ABORT = 7;
    /** Larger CPU state or abort reasons are refused: nothing legitimate comes close. */
    static final int MAX_BLOB = 4096;

    private MemoryStreamFormat() {
    }
}
