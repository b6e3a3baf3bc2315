package org.attestedmigration.securechannel.mux;

import java.util.Map;
import java.util.Objects;

/**
 * Why a stream or the whole session ended.
 *
 * @param code     {@link ErrorCode#NO_ERROR} for a clean end
 * @param message  human-readable reason (from the RESET/GOAWAY frame when the peer sent it)
 * @param byPeer   true when the peer reported the error, false when it was detected or decided locally
 * @param trailers metadata the peer sent with its CLOSE (e.g. a command's exit status), empty otherwise
 */
public record CloseReason(ErrorCode code, String message, boolean byPeer, Map<String, String> trailers) {

    public CloseReason {
        Objects.requireNonNull(code, "code");
        message = message == null ? "" : message;
        trailers = Map.copyOf(trailers);
    }

    /** A local reason without trailers. */
    public static CloseReason local(ErrorCode code, String message) {
        return new CloseReason(code, message, false, Map.of());
    }

    /** A reason the peer reported, without trailers. */
    public static CloseReason remote(ErrorCode code, String message) {
        return new CloseReason(code, message, true, Map.of());
    }

    /** True for a clean end. */
    public boolean isClean() {
        return code == ErrorCode.NO_ERROR;
    }

    @Override
    public String toString() {
        return code + (byPeer ? " (peer)" : "") + (message.isEmpty() ? "" : ": " + message);
    }
}
