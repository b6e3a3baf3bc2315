package org.attestedmigration.attestation.txt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.attestedmigration.attestation.HashAlgorithm;
import org.attestedmigration.attestation.MalformedStructureException;

/**
 * Event data of a tboot module measurement ({@code TBOOT_MEASUREMENT}, 0x501) in the logs this
 * project writes. Real tboot logs these events with no data at all, so a verifier can only guess
 * the module from the event's position; this encoding names it and carries the command line so a
 * policy can check "allowed image + allowed command line" for each module.
 *
 * <p>Encoding (integers little-endian), nothing before or after:
 * <pre>
 *   u8   version          = 1
 *   u8   labelLength      1..32
 *   byte label[labelLength]      US-ASCII, [A-Za-z0-9._-]
 *   u32  cmdlineLength    0..65536
 *   byte cmdline[cmdlineLength]  UTF-8, exactly the bytes tboot hashed, no terminator
 * </pre>
 *
 * <p>The event's digest in bank H is {@code H(H(cmdline) || H(image))}; a policy that knows the
 * allowed image digest for that bank recomputes it with {@link #measurement(HashAlgorithm, String, byte[])}.
 */
public record ModuleEventData(String label, String commandLine) {
    public static final int VERSION = 1;
    public static final int MAX_LABEL_LENGTH = 32;
    public static final int MAX_COMMAND_LINE_BYTES = 1 << 16;

    public ModuleEventData {
        Objects.requireNonNull(commandLine, "commandLine");
        if (!isValidLabel(label)) {
            throw new IllegalArgumentException("module label '" + label + "' is not 1.." + MAX_LABEL_LENGTH
                    + " characters of [A-Za-z0-9._-]");
        }
        byte[] utf8 = commandLine.getBytes(StandardCharsets.UTF_8);
        // An unpaired surrogate would be hashed as '?', so the logged text would lie about what was measured.
        if (!new String(utf8, StandardCharsets.UTF_8).equals(commandLine)) {
            throw new IllegalArgumentException("command line is not valid Unicode text");
        }
        if (utf8.length > MAX_COMMAND_LINE_BYTES) {
            throw new IllegalArgumentException("command line exceeds " + MAX_COMMAND_LINE_BYTES + " bytes");
        }
    }

    public static boolean isValidLabel(String label) {
        return label != null && !label.isEmpty() && label.length() <= MAX_LABEL_LENGTH
                && label.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'));
    }

    /** The digest tboot extends for a module: H(H(cmdline) || imageDigest) where imageDigest = H(image). */
    public static byte[] measurement(HashAlgorithm bank, String commandLine, byte[] imageDigest) {
        if (imageDigest.length != bank.digestLength()) {
            throw new IllegalArgumentException("image digest has " + imageDigest.length + " bytes, "
                    + bank.bankName() + " needs " + bank.digestLength());
        }
        return bank.digest(bank.digest(commandLine.getBytes(StandardCharsets.UTF_8)), imageDigest);
    }

    public byte[] encode() {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] c = commandLine.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + l.length + 4 + c.length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) VERSION).put((byte) l.length).put(l).putInt(c.length).put(c).array();
    }

    /** @throws MalformedStructureException on a wrong version, bad label, bad UTF-8, truncation or trailing bytes */
    public static ModuleEventData parse(byte[] data) throws MalformedStructureException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        need(b, 2, "version/labelLength");
        int version = b.get() & 0xFF;
        if (version != VERSION) {
            throw malformed("version", 0, "is " + version + ", expected " + VERSION);
        }
        int labelLength = b.get() & 0xFF;
        need(b, labelLength, "label");
        byte[] l = new byte[labelLength];
        b.get(l);
        String label = new String(l, StandardCharsets.US_ASCII);
        if (!isValidLabel(label)) {
            throw malformed("label", 2, "is not 1.." + MAX_LABEL_LENGTH + " characters of [A-Za-z0-9._-]");
        }
        need(b, 4, "cmdlineLength");
        int at = b.position();
        long cmdlineLength = b.getInt() & 0xFFFFFFFFL;
        if (cmdlineLength > MAX_COMMAND_LINE_BYTES) {
            throw malformed("cmdlineLength", at, cmdlineLength + " exceeds " + MAX_COMMAND_LINE_BYTES);
        }
        need(b, (int) cmdlineLength, "cmdline");
        at = b.position();
        byte[] c = new byte[(int) cmdlineLength];
        b.get(c);
        if (b.hasRemaining()) {
            throw malformed("cmdline", b.position(), b.remaining() + " trailing bytes");
        }
        try {
            String cmdline = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(c)).toString();
            return new ModuleEventData(label, cmdline);
        } catch (CharacterCodingException e) {
            throw malformed("cmdline", at, "is not valid UTF-8");
        }
    }

    private static void need(ByteBuffer b, int n, String field) throws MalformedStructureException {
        if (b.remaining() < n) {
            throw malformed(field, b.position(), "truncated: needs " + n + " bytes, " + b.remaining() + " left");
        }
    }

    private static MalformedStructureException malformed(String field, int offset, String problem) {
        return new MalformedStructureException("tboot module event data, field " + field + " at byte offset "
                + offset + ": " + problem);
    }
}
