package org.attestedmigration.cli.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling the stream layer is measured against: the same bytes over an attested connection (same
 * TLS engine, contexts, event loops and pipeline up to the TLS handler) with no stream layer on top,
 * written as plain buffers and counted at the other end.
 */
final class BareTlsPush {
    private BareTlsPush() {
    }

    /** Installs the receiving end: counts and drops the decrypted bytes. */
    static void installSink(ChannelPipeline pipeline, ReceivedBytes received) {
        pipeline.addLast("bench-bare-sink", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                received.add(b.readableBytes());
                b.release();
            }
        });
    }

    /** Writes {@code bytes} from one shared zero buffer in {@code chunk}-sized writes, {@code inFlight} unflushed at most. */
    static void push(Channel channel, long bytes, int chunk, int inFlight) throws Exception {
        ByteBuf zeros = Unpooled.directBuffer(chunk).writeZero(chunk);
        try {
            ArrayDeque<ChannelFuture> pending = new ArrayDeque<>();
            for (long sent = 0; sent < bytes; sent += chunk) {
                int n = (int) Math.min(chunk, bytes - sent);
                pending.add(channel.writeAndFlush(zeros.retainedSlice(0, n)));
                if (pending.size() >= inFlight) {
                    await(pending.poll());
                }
            }
            for (ChannelFuture f : pending) {
                await(f);
            }
        } finally {
            zeros.release();
        }
    }

    private static void await(ChannelFuture f) throws Exception {
        if (!f.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a bare TLS write did not complete within 60 s");
        }
        if (!f.isSuccess()) {
            throw new IllegalStateException("bare TLS write failed: " + f.cause(), f.cause());
        }
    }
}
