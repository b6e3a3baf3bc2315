package org.attestedmigration.migrationcore.simvm;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Names of the sim-vm control protocol: JSON lines shaped like QMP's (a QEMU adapter will speak
 * QMP itself, so both adapters read alike).
 *
 * <pre>
 * on connect  ← {"greeting":{"vm":NAME,"pid":N,"protocol":1}}
 * request     → {"execute":COMMAND,"arguments":{...},"id":ID}      id: any JSON value, echoed
 * answer      ← {"return":{...},"id":ID}
 *             ← {"error":{"class":CLASS,"desc":TEXT[,"state":VMSTATE]},"id":ID}
 * event       ← {"event":"PAUSED","data":{"id":ID}}                  stop-and-copy ID paused the guest
 * </pre>
 */
final class ControlProtocol {
    static final int VERSION = 1;
    static final ObjectMapper JSON = new ObjectMapper();

    static final String EXECUTE = "execute";
    static final String ARGUMENTS = "arguments";
    static final String ID = "id";
    static final String RETURN = "return";
    static final String ERROR = "error";
    static final String EVENT = "event";
    static final String DATA = "data";
    static final String GREETING = "greeting";

    static final String STATUS = "status";
    static final String MIGRATE_OUT = "migrate-out";
    static final String AWAIT_PRECOPY = "await-precopy";
    static final String STOP_AND_COPY = "stop-and-copy";
    static final String CONTINUE = "continue";
    static final String RESUME_HERE = "resume-here";
    static final String HAND_OVER = "hand-over";
    static final String ABORT = "abort";
    static final String DESTROY = "destroy";
    static final String RECEIVE = "receive";
    static final String RESUME = "resume";

    /** The guest paused inside stop-and-copy and waits for {@link #CONTINUE} or {@link #RESUME_HERE}. */
    static final String PAUSED_EVENT = "PAUSED";

    /** Longest request line accepted; a longer one is malformed (receipts and tokens are a few hundred bytes). */
    static final int MAX_LINE = 64 * 1024;

    private ControlProtocol() {
    }
}
