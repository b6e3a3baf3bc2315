package org.attestedmigration.securechannel.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * CPU cost of the stream layer alone, on one thread, without TLS or sockets: the receive path (decoder,
 * session, stream, a reader that releases) fed with 64 KiB buffers as the TLS handler hands them over, and
 * the send path (scheduler, framing) into a channel that drops what it is given. CPU time, so the figures
 * hold on a busy machine where wall-clock throughput does not. Not a test: run with
 * {@code mvn -o -pl secure-channel test -Dtest=MuxPathBenchmark -Dmux.bench=true}.
 */
@EnabledIfSystemProperty(named = "mux.bench", matches = "true")
class MuxPathBenchmark {
    private static final long BYTES = 1L << 30;
    private static final int FRAME = 256 * 1024;
    private static final int READ = 64 * 1024;
    private static final MuxConfig BULK = MuxConfig.defaults().withConnectionWindow(64 * 1024 * 1024)
            .withInitialStreamWindow(8 * 1024 * 1024).withMaxFramePayload(FRAME);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void receiveAndSendPaths() {
        for (int round = 0; round < 4; round++) {
            double feed = cpuPerGiB(() -> feed(null));
            double receive = cpuPerGiB(MuxPathBenchmark::receive);
            double send = cpuPerGiB(MuxPathBenchmark::send);
            System.out.printf("round %d CPU-ms/GiB: feeding 64 KiB buffers %.0f, receive path %.0f (%.0f over feeding), send path %.0f%n",
                    round + 1, feed, receive, receive - feed, send);
        }
    }

    private static double cpuPerGiB(Runnable r) {
        long t = THREADS.getCurrentThreadCpuTime();
        r.run();
        return (THREADS.getCurrentThreadCpuTime() - t) / 1e6 / (BYTES / (double) (1L << 30));
    }

    /** The wire bytes of DATA frames on stream 1, handed over in pooled 64 KiB buffers (or dropped when {@code ch} is null). */
    private static void feed(EmbeddedChannel ch) {
        ByteBuf wire = Unpooled.directBuffer(FrameFormat.HEADER_SIZE + FRAME);
        wire.writeInt(FRAME).writeByte(FrameType.DATA.code()).writeByte(0).writeShort(0).writeInt(1).writeZero(FRAME);
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        int offset = 0;
        for (long fed = 0; fed < BYTES; fed += READ) {
            ByteBuf read = alloc.directBuffer(READ, READ);
            while (read.isWritable()) {
                int n = Math.min(read.writableBytes(), wire.capacity() - offset);
                read.writeBytes(wire, offset, n);
                offset = (offset + n) % wire.capacity();
            }
            if (ch == null) {
                read.release();
            } else {
                ch.writeInbound(read);
                drainOutbound(ch);
            }
        }
        wire.release();
    }

    private static void receive() {
        EmbeddedChannel ch = new EmbeddedChannel();
        MuxSession.install(ch, MuxRole.RESPONDER, BULK, in -> in.accept(new StreamReader() {
            @Override
            public void onData(MuxStream s, ByteBuf data, boolean endOfMessage) {
                int n = data.readableBytes();
                data.release();
                s.consumed(n);
            }
        }));
        ByteBuf hello = Unpooled.buffer();
        hello.writeInt(12).writeByte(FrameType.HELLO.code()).writeByte(0).writeShort(0).writeInt(0)
                .writeShort(1).writeShort(0).writeInt(FRAME).writeInt(Integer.MAX_VALUE);
        hello.writeInt(8).writeByte(FrameType.OPEN.code()).writeByte(0).writeShort(0).writeInt(1)
                .writeByte(StreamKind.BYTES.code()).writeByte(0).writeInt(8 * 1024 * 1024).writeShort(0);
        ch.writeInbound(hello);
        feed(ch);
        ch.finishAndReleaseAll();
    }

    private static void send() {
        EmbeddedChannel ch = new EmbeddedChannel();
        MuxSession session = MuxSession.install(ch, MuxRole.INITIATOR, BULK, StreamAcceptor.rejectAll());
        ByteBuf hello = Unpooled.buffer();
        hello.writeInt(12).writeByte(FrameType.HELLO.code()).writeByte(0).writeShort(0).writeInt(0)
                .writeShort(1).writeShort(0).writeInt(FRAME).writeInt(Integer.MAX_VALUE);
        ch.writeInbound(hello);
        var opened = session.open(StreamKind.BYTES, Map.of());
        ByteBuf accept = Unpooled.buffer();
        accept.writeInt(4).writeByte(FrameType.ACCEPT.code()).writeByte(0).writeShort(0).writeInt(1).writeInt(Integer.MAX_VALUE);
        ch.writeInbound(accept);
        MuxStream s = opened.join();
        ByteBuf zeros = Unpooled.directBuffer(FRAME).writeZero(FRAME);
        for (long sent = 0; sent < BYTES; sent += FRAME) {
            s.write(zeros.retainedSlice(0, FRAME));
            drainOutbound(ch);
        }
        zeros.release();
        ch.finishAndReleaseAll();
    }

    private static void drainOutbound(EmbeddedChannel ch) {
        for (Object o; (o = ch.readOutbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
    }
}
