package org.attestedmigration.securechannel.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ControlChannelTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    record Prepare(String vm, int disks) {
    }

    /** Server side: CONTROL streams get a channel with handlers; BYTES streams go to {@code bulk}. */
    private static StreamAcceptor server(LinkedBlockingQueue<JsonNode> events, StreamAcceptor bulk) {
        return in -> {
            if (in.kind() != StreamKind.CONTROL) {
                bulk.onOpen(in);
                return;
            }
            new ControlChannel(MAPPER)
                    .onRequest("prepare", body -> Map.of("vm", body.get("vm").asText(), "ok", true))
                    .onRequest("slow", body -> CompletableFuture.supplyAsync(() -> "later"))
                    .onRequest("fail", body -> {
                        throw new IllegalStateException("disk busy");
                    })
                    .onEvent("progress", events::add)
                    .attach(in.accept());
        };
    }

    @Test
    void requestsResponsesErrorsAndEvents() throws Exception {
        LinkedBlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        try (MuxHarness h = new MuxHarness(server(events, StreamAcceptor.rejectAll()))) {
            ControlChannel cc = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            JsonNode r = cc.request("prepare", new Prepare("vm-1", 2)).get(5, TimeUnit.SECONDS);
            assertEquals("vm-1", r.get("vm").asText());
            assertTrue(r.get("ok").asBoolean());
            assertEquals("later", cc.request("slow", null).get(5, TimeUnit.SECONDS).asText());
            ExecutionException e = assertThrows(ExecutionException.class, () -> cc.request("fail", Map.of()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(ControlException.class, e.getCause());
            assertEquals("disk busy", e.getCause().getMessage());
            e = assertThrows(ExecutionException.class, () -> cc.request("nope", Map.of()).get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("unknown request type"));
            cc.event("progress", Map.of("percent", 40));
            assertEquals(40, events.poll(5, TimeUnit.SECONDS).get("percent").asInt());
            // A message larger than one frame is reassembled.
            String big = "x".repeat(200_000);
            assertEquals(big, cc.request("prepare", new Prepare(big, 1)).get(5, TimeUnit.SECONDS).get("vm").asText());
        }
    }

    @Test
    void controlStaysResponsiveWhileABulkStreamIsSaturated() throws Exception {
        AtomicLong bulkReceived = new AtomicLong();
        StreamAcceptor fastSink = in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, ByteBuf data, boolean eom) {
                int n = data.readableBytes();
                data.release();
                bulkReceived.addAndGet(n);
                s.consumed(n);
            }
        });
        try (MuxHarness h = new MuxHarness(server(new LinkedBlockingQueue<>(), fastSink))) {
            ControlChannel cc = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            MuxStream bulk = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            AtomicBoolean stop = new AtomicBoolean();
            ByteBuf block = Unpooled.directBuffer(1 << 20).writeZero(1 << 20);
            Thread pump = new Thread(() -> {
                while (!stop.get()) {
                    try { // keep 4 MiB queued so the stream is always saturated
                        List<CompletableFuture<Void>> w = List.of(bulk.write(block.retainedDuplicate()),
                                bulk.write(block.retainedDuplicate()), bulk.write(block.retainedDuplicate()),
                                bulk.write(block.retainedDuplicate()));
                        w.get(0).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            pump.start();
            while (bulkReceived.get() < (64 << 20)) {
                Thread.sleep(5);
            }
            long bulkBefore = bulkReceived.get();
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                cc.request("prepare", new Prepare("vm-" + i, i)).get(2, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertTrue(ms < 1000, "control request took " + ms + " ms under bulk load");
            }
            assertTrue(bulkReceived.get() > bulkBefore, "bulk kept flowing during the requests");
            stop.set(true);
            pump.join(10_000);
            block.release();
        }
    }

    @Test
    void controlWorksWhileABulkStreamIsStalled() throws Exception {
        CompletableFuture<MuxStream> stalled = new CompletableFuture<>();
        try (MuxHarness h = new MuxHarness(server(new LinkedBlockingQueue<>(), in -> stalled.complete(in.accept())))) {
            ControlChannel cc = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            MuxStream bulk = h.client.open(StreamKind.BYTES, Map.of()).get(5, TimeUnit.SECONDS);
            bulk.write(Unpooled.wrappedBuffer(new byte[4 << 20])); // the receiver never reads it
            while (bulk.sendWindow() > 0) {
                Thread.sleep(5);
            }
            assertEquals("vm", cc.request("prepare", new Prepare("vm", 1)).get(2, TimeUnit.SECONDS).get("vm").asText());
            InputStream in = stalled.get().inputStream();
            assertEquals(1, in.read(new byte[1]));
        }
    }

    @Test
    void pendingRequestsFailWhenTheSessionEnds() throws Exception {
        try (MuxHarness h = new MuxHarness(in -> new ControlChannel(MAPPER)
                .onRequest("hang", body -> new CompletableFuture<>()).attach(in.accept()))) {
            ControlChannel cc = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            CompletableFuture<JsonNode> r = cc.request("hang", Map.of());
            Thread.sleep(50);
            h.server.close("shutting down");
            ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(5, TimeUnit.SECONDS));
            assertInstanceOf(ControlException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("shutting down"), e.getCause().getMessage());
        }
    }

    @Test
    void oversizedControlMessageResetsOnlyTheControlStream() throws Exception {
        MuxConfig config = MuxConfig.defaults().withMaxControlMessage(100_000);
        try (MuxHarness h = new MuxHarness(config, StreamAcceptor.rejectAll(),
                server(new LinkedBlockingQueue<>(), MuxStreamTest.echo()))) {
            ControlChannel cc = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> cc.request("prepare", new Prepare("x".repeat(200_000), 1)).get(5, TimeUnit.SECONDS));
            assertInstanceOf(ControlException.class, e.getCause());
            CloseReason reason = cc.closeFuture().get(5, TimeUnit.SECONDS);
            assertEquals(ErrorCode.MESSAGE_TOO_LARGE, reason.code());
            assertTrue(reason.byPeer());
            ControlChannel again = new ControlChannel(MAPPER).openOn(h.client).get(5, TimeUnit.SECONDS);
            assertEquals("ok", again.request("prepare", new Prepare("ok", 1)).get(5, TimeUnit.SECONDS).get("vm").asText());
        }
    }
}
