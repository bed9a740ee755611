package dev.brook.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link StorageFiles.Opener} for tests that makes chosen operations on chosen files fail with
 * {@link IOException} ("Input/output error", as a failing disk answers), once armed. Installed for
 * the duration of a test; every storage file opened meanwhile goes through it.
 */
final class FaultyFiles implements StorageFiles.Opener, AutoCloseable {
  /** The operations a fault can hit. */
  enum Op { OPEN, WRITE, PARTIAL_WRITE, TRUNCATE, MAP, FORCE }

  private final AutoCloseable restore;
  private volatile Op op;
  private volatile Predicate<Path> files = p -> false;
  final AtomicInteger faults = new AtomicInteger();
  /** Run before every force of a matching file (a test blocks the flusher here). */
  volatile Predicate<Path> slowForce = p -> false;
  volatile Runnable onSlowForce = () -> {};
  /** Run before every open of a matching file (a test blocks the flusher's preparation here). */
  volatile Predicate<Path> slowOpen = p -> false;
  volatile Runnable onSlowOpen = () -> {};
  /** Called with every file opened, on the opening thread (a test sees who opens what). */
  volatile java.util.function.Consumer<Path> onOpen = p -> {};

  FaultyFiles() {
    restore = StorageFiles.install(this);
  }

  /** From now on, {@code op} on a file matching {@code which} throws. */
  FaultyFiles fail(Op op, Predicate<Path> which) {
    this.files = which;
    this.op = op;
    return this;
  }

  /** Files whose name ends with {@code suffix}. */
  static Predicate<Path> named(String suffix) {
    return p -> p.getFileName().toString().endsWith(suffix);
  }

  void disarm() {
    op = null;
  }

  private void maybeFail(Op at, Path file) throws IOException {
    if (op == at && files.test(file)) {
      faults.incrementAndGet();
      throw new IOException("Input/output error (injected " + at + " fault on " + file.getFileName() + ")");
    }
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    onOpen.accept(file);
    if (slowOpen.test(file)) {
      onSlowOpen.run();
    }
    maybeFail(Op.OPEN, file);
    return new Channel(file, FileChannel.open(file, options));
  }

  @Override
  public void close() throws Exception {
    restore.close();
  }

  private final class Channel extends FileChannel {
    private final Path file;
    private final FileChannel d;

    Channel(Path file, FileChannel d) {
      this.file = file;
      this.d = d;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      maybeFail(Op.WRITE, file);
      return d.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      maybeFail(Op.WRITE, file);
      return d.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      maybeFail(Op.TRUNCATE, file);
      d.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (slowForce.test(file)) {
        onSlowForce.run();
      }
      maybeFail(Op.FORCE, file);
      d.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      maybeFail(Op.WRITE, file);
      return d.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      maybeFail(Op.WRITE, file);
      if (op == Op.PARTIAL_WRITE && files.test(file) && src.remaining() > 1) {
        // What a full disk does: part of the batch reaches the file, then the write fails.
        ByteBuffer half = src.duplicate();
        half.limit(half.position() + src.remaining() / 2);
        d.write(half, position);
        faults.incrementAndGet();
        throw new IOException("No space left on device (injected after " + half.position() + " bytes)");
      }
      return d.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      maybeFail(Op.MAP, file);
      return d.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
