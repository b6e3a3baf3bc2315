package org.attestedmigration.migrationcore.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VmLifecycleTest {
    @Test
    void theSourcePathAndItsFailureEdges() throws Exception {
        VmLifecycle l = new VmLifecycle("vm", VmState.RUNNING);
        l.move(VmState.RUNNING, VmState.MIGRATING, "migrate");
        l.move(VmState.MIGRATING, VmState.RUNNING, "abort");
        l.move(VmState.RUNNING, VmState.MIGRATING, "migrate");
        l.move(VmState.MIGRATING, VmState.PAUSED, "pause");
        l.move(VmState.PAUSED, VmState.HANDED_OVER, "hand over");
        FencingException e = assertThrows(FencingException.class, () -> l.move(VmState.HANDED_OVER, VmState.RUNNING, "resume"));
        assertEquals(VmState.HANDED_OVER, e.state());
        assertThrows(FencingException.class, () -> l.move(VmState.HANDED_OVER, VmState.MIGRATING, "migrate"));
        assertEquals(VmState.HANDED_OVER, l.state());
        l.move(VmState.HANDED_OVER, VmState.DESTROYED, "destroy");
        assertThrows(VmStateException.class, () -> l.move(VmState.DESTROYED, VmState.RUNNING, "resume"));
    }

    @Test
    void theDestinationResumesOnceAndOnlyFromReceived() throws Exception {
        VmLifecycle l = new VmLifecycle("vm", VmState.PREPARED);
        assertThrows(VmStateException.class, () -> l.move(VmState.PREPARED, VmState.RUNNING, "resume"));
        l.move(VmState.PREPARED, VmState.RECEIVING, "receive");
        assertThrows(VmStateException.class, () -> l.move(VmState.RECEIVING, VmState.RUNNING, "resume"));
        l.move(VmState.RECEIVING, VmState.RECEIVED, "received");
        l.move(VmState.RECEIVED, VmState.RUNNING, "resume");
        assertThrows(VmStateException.class, () -> l.move(VmState.RECEIVED, VmState.RUNNING, "resume"));
        assertEquals(VmState.RUNNING, l.state());
    }

    @Test
    void aMoveFromTheWrongStateChangesNothing() {
        VmLifecycle l = new VmLifecycle("vm", VmState.RUNNING);
        assertThrows(VmStateException.class, () -> l.move(VmState.PAUSED, VmState.HANDED_OVER, "hand over"));
        assertEquals(VmState.RUNNING, l.state());
    }

    @Test
    void failurePathsNeverStartTheGuestAndStopAtFinalStates() {
        VmLifecycle l = new VmLifecycle("vm", VmState.RECEIVED);
        assertThrows(IllegalArgumentException.class, () -> l.moveIfAllowed(VmState.RUNNING));
        assertEquals(VmState.RECEIVED, l.moveIfAllowed(VmState.DESTROYED));
        assertEquals(VmState.DESTROYED, l.moveIfAllowed(VmState.DESTROYED));
        VmLifecycle source = new VmLifecycle("vm", VmState.HANDED_OVER);
        source.moveIfAllowed(VmState.PAUSED);
        assertEquals(VmState.HANDED_OVER, source.state());
    }
}
