package org.attestedmigration.migrationcore.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The admin API's JSON lines over the agent's unix domain socket (see {@code docs/agent.md}):
 * the client writes one request line, the agent answers with lines until the final one.
 * <pre>
 * → {"command":"status"}
 * ← {"type":"status","status":{host, listen, vms:[...], migrations:[...]}}
 * → {"command":"migrate","vm":"web-1","to":"10.0.0.7:7443","mode":"sync","maxBandwidth":0}
 * ← {"type":"progress","progress":{phase, bytesDone, bytesTotal, bytesPerSecond, detail}}   (any number)
 * ← {"type":"result","outcome":{result, vm, peer, message, reasons, sourceDigest, destinationDigest, ...}}
 * ← {"type":"error","message":"..."}   instead, for a malformed request
 * </pre>
 */
final class AdminProtocol {
    static final String COMMAND = "command";
    static final String STATUS = "status";
    static final String MIGRATE = "migrate";
    static final String RESOLVE = "resolve";
    static final String TYPE = "type";
    static final String PROGRESS = "progress";
    static final String RESULT = "result";
    static final String ERROR = "error";
    /** A request line longer than this is not one the CLI would send. */
    static final int MAX_REQUEST = 64 * 1024;

    private AdminProtocol() {
    }

    /** Tolerates fields it does not know, so an older client can talk to a newer agent. */
    static ObjectMapper mapper() {
        return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
