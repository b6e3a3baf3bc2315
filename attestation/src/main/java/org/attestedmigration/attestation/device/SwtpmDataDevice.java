package org.attestedmigration.attestation.device;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import tss.TpmDeviceTcp;
import tss.TpmException;

/**
 * swtpm's data port speaking raw TPM 2.0 commands, one write per command and TCP_NODELAY.
 *
 * <p>TSS.Java's {@code TpmDeviceBase} cannot be subclassed outside its signed package, so this
 * extends {@link TpmDeviceTcp} through the single-socket constructor: that constructor opens
 * {@code CommandSocket} and then sends a GetRandom probe through our overrides before this
 * class's constructor body runs, which is why the streams are set up lazily.
 */
public final class SwtpmDataDevice extends TpmDeviceTcp {
    private static final int HEADER = 10;
    private static final int MAX_RESPONSE = 64 * 1024;
    /** swtpm answers in milliseconds (an RSA key generation in well under a second); silence means another client holds it. */
    private static final int RESPONSE_TIMEOUT_MS = 15_000;

    private DataInputStream in;
    private OutputStream out;
    private boolean pending;

    public SwtpmDataDevice(String host, int port) {
        super(host, port, true);
    }

    private void ensureStreams() {
        if (in != null) {
            return;
        }
        try {
            CommandSocket.setTcpNoDelay(true);
            CommandSocket.setSoTimeout(RESPONSE_TIMEOUT_MS);
            in = new DataInputStream(CommandSocket.getInputStream());
            out = CommandSocket.getOutputStream();
        } catch (SocketException e) {
            throw new TpmException("cannot configure the swtpm data socket: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void dispatchCommand(byte[] command) {
        ensureStreams();
        try {
            out.write(command);
            out.flush();
            pending = true;
        } catch (IOException e) {
            throw new TpmException("error sending a command to swtpm: " + e.getMessage());
        }
    }

    @Override
    public byte[] getResponse() {
        if (!pending) {
            throw new TpmException("getResponse without a command");
        }
        pending = false;
        try {
            byte[] header = new byte[HEADER];
            in.readFully(header);
            int size = ByteBuffer.wrap(header, 2, 4).getInt();
            if (size < HEADER || size > MAX_RESPONSE) {
                throw new TpmException("swtpm sent a response of impossible size " + size);
            }
            byte[] response = new byte[size];
            System.arraycopy(header, 0, response, 0, HEADER);
            in.readFully(response, HEADER, size - HEADER);
            return response;
        } catch (java.net.SocketTimeoutException e) {
            throw new TpmException("swtpm did not answer within " + RESPONSE_TIMEOUT_MS / 1000
                    + " s (is another client connected? swtpm serves one at a time)");
        } catch (IOException e) {
            throw new TpmException("error reading a response from swtpm: " + e.getMessage());
        }
    }

    @Override
    public boolean responseReady() {
        return true;
    }

    @Override
    public void setLocality(int locality) {
        // Locality on swtpm is a property of its control channel; see SwtpmControlChannel.
        throw new TpmException("set the locality of swtpm through its control channel");
    }

    @Override
    public void close() throws IOException {
        if (CommandSocket != null) {
            CommandSocket.close();
            CommandSocket = null;
        }
    }
}
