package org.attestedmigration.attestation.device;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.SocketException;
import tss.TpmDeviceTcp;
import tss.TpmException;

/**
 * IBM's {@code tpm_server} and the Microsoft simulator: TSS.Java's own framing, with TCP_NODELAY
 * set on both sockets because the shipped device writes each field separately and otherwise waits
 * ~40 ms for a delayed ACK on every command.
 */
public final class MssimDevice extends TpmDeviceTcp {
    private static final int SIGNAL_HASH_START = 5;
    private static final int SIGNAL_HASH_DATA = 6;
    private static final int SIGNAL_HASH_END = 7;

    public MssimDevice(String host, int port) {
        super(host, port);
        try {
            CommandSocket.setTcpNoDelay(true);
            SignalSocket.setTcpNoDelay(true);
        } catch (SocketException e) {
            throw new TpmException("cannot configure the simulator sockets: " + e.getMessage());
        }
    }

    /** The DRTM hash sequence through the simulator's platform port. */
    public void hashSequence(byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(SignalSocket.getOutputStream());
        DataInputStream in = new DataInputStream(SignalSocket.getInputStream());
        out.writeInt(SIGNAL_HASH_START);
        out.flush();
        in.readInt();
        out.writeInt(SIGNAL_HASH_DATA);
        out.writeInt(data.length);
        out.write(data);
        out.flush();
        in.readInt();
        out.writeInt(SIGNAL_HASH_END);
        out.flush();
        in.readInt();
    }
}
