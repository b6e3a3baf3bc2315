package org.attestedmigration.migrationcore.memory;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streams that know since when a read or write call has been blocked, for {@link StallWatchdog},
 * and how many bytes passed.
 */
final class MonitoredStreams {
    private MonitoredStreams() {
    }

    /** Something whose I/O calls can stall. */
    interface Busy {
        /** nanoTime at which the call now in progress started, or 0 if none is. */
        long busySince();
    }

    static final class In extends FilterInputStream implements Busy {
        private final AtomicLong since = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();

        In(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            begin();
            try {
                int b = super.read();
                if (b >= 0) {
                    bytes.incrementAndGet();
                }
                return b;
            } finally {
                since.set(0);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            begin();
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    bytes.addAndGet(n);
                }
                return n;
            } finally {
                since.set(0);
            }
        }

        private void begin() {
            since.set(Math.max(1, System.nanoTime()));
        }

        @Override
        public long busySince() {
            return since.get();
        }

        long bytes() {
            return bytes.get();
        }
    }

    static final class Out extends FilterOutputStream implements Busy {
        private final AtomicLong since = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();

        Out(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            since.set(Math.max(1, System.nanoTime()));
            try {
                out.write(b, off, len);
                bytes.addAndGet(len);
            } finally {
                since.set(0);
            }
        }

        @Override
        public void flush() throws IOException {
            since.set(Math.max(1, System.nanoTime()));
            try {
                out.flush();
            } finally {
                since.set(0);
            }
        }

        /** Closes without flushing first: a flush could block on the very stream being broken. */
        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public long busySince() {
            return since.get();
        }

        long bytes() {
            return bytes.get();
        }
    }
}
