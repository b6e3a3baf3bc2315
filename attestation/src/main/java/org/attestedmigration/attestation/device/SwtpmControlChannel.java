package org.attestedmigration.attestation.device;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.attestedmigration.attestation.TpmAccessException;

/**
 * swtpm's control port (data port + 1). It speaks swtpm's own CMD_* protocol, not the
 * simulator's platform signals: 32-bit big-endian command codes and result codes.
 * A fresh connection per operation, since swtpm serves one client per port at a time.
 */
public final class SwtpmControlChannel {
    private static final int CMD_SET_LOCALITY = 5;
    private static final int CMD_HASH_START = 6;
    private static final int CMD_HASH_DATA = 7;
    private static final int CMD_HASH_END = 8;
    private static final int CMD_SHUTDOWN = 3;
    /** swtpm accepts at most this much hash data in one CMD_HASH_DATA. */
    private static final int HASH_CHUNK = 4096;

    private final String host;
    private final int port;

    public SwtpmControlChannel(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Commands on the data port from now on carry this locality (0..4). */
    public void setLocality(int locality) throws TpmAccessException {
        if (locality < 0 || locality > 4) {
            throw new IllegalArgumentException("locality " + locality + " is outside 0..4");
        }
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(CMD_SET_LOCALITY);
            out.writeByte(locality);
            out.flush();
            check("SET_LOCALITY " + locality, new DataInputStream(s.getInputStream()).readInt());
        } catch (IOException e) {
            throw failure("SET_LOCALITY", e);
        }
    }

    /**
     * The dynamic root of trust sequence (TPM_HASH_START / DATA / END at locality 4), as the CPU
     * performs it for an SINIT ACM: resets PCR 17..22 to zero and extends PCR 17 with H(data) in
     * every active bank.
     */
    public void hashSequence(byte[] data) throws TpmAccessException {
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeInt(CMD_HASH_START);
            out.flush();
            check("HASH_START", in.readInt());
            for (int off = 0; off < data.length; off += HASH_CHUNK) {
                int n = Math.min(HASH_CHUNK, data.length - off);
                out.writeInt(CMD_HASH_DATA);
                out.writeInt(n);
                out.write(data, off, n);
                out.flush();
                check("HASH_DATA", in.readInt());
            }
            out.writeInt(CMD_HASH_END);
            out.flush();
            check("HASH_END", in.readInt());
        } catch (IOException e) {
            throw failure("HASH_START/DATA/END", e);
        }
    }

    /** Asks swtpm to save its state and exit. */
    public void shutdown() throws TpmAccessException {
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(CMD_SHUTDOWN);
            out.flush();
            check("SHUTDOWN", new DataInputStream(s.getInputStream()).readInt());
        } catch (IOException e) {
            throw failure("SHUTDOWN", e);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        s.connect(new InetSocketAddress(host, port), 10_000);
        return s;
    }

    private static void check(String what, int result) throws TpmAccessException {
        if (result != 0) {
            throw new TpmAccessException("swtpm control " + what + " failed with result 0x" + Integer.toHexString(result));
        }
    }

    private TpmAccessException failure(String what, IOException e) {
        return new TpmAccessException("swtpm control port " + host + ":" + port + " failed during " + what + ": " + e.getMessage(), e);
    }
}
