package dev.brook.storage;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers which byte ranges of one file are in the page cache, through a read-only mapping of the
 * file that is only ever passed to {@code mincore} ({@link MappedByteBuffer#isLoaded}): the mapped
 * memory is never read, so asking costs no page fault, no disk read and no resident memory.
 *
 * <p>The mapping is made on the first question and lives until {@link #close}, which unmaps it at
 * once ({@code sun.misc.Unsafe.invokeCleaner}, the only way Java 21 has without preview features):
 * a deleted file that is still mapped keeps its disk space, so whoever truncates, closes or deletes
 * the file must close this first. Where the JDK offers no way to unmap, nothing is ever mapped and
 * every range answers "not resident", which is the safe answer (the caller reads it off its thread).
 * On JDK 24+ {@code invokeCleaner} warns unless {@code --sun-misc-unsafe-memory-access=allow}, which
 * {@code bin/brook} passes; once the build targets Java 22+, an {@code Arena}-scoped {@code
 * FileChannel.map} and {@code MemorySegment.isLoaded} do the same without {@code sun.misc}.
 *
 * <p>Thread-safe: any thread may ask; the monitor is held only for the mapping and the mincore call
 * (microseconds, no I/O).
 */
final class PageResidency implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PageResidency.class);
  private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

  private final FileChannel channel;
  private MappedByteBuffer map; // guarded by this

  PageResidency(FileChannel channel) {
    this.channel = channel;
  }

  /** Whether this JDK lets a mapping be unmapped deterministically, so residency can be asked. */
  static boolean supported() {
    return INVOKE_CLEANER != null;
  }

  /**
   * Whether every page of bytes {@code [position, position + length)} is in the page cache; false
   * when it cannot tell (no unmap on this JDK, the range beyond {@code fileSize} or 2 GiB, the file
   * closed, the mapping failed). {@code fileSize} is the file's current size, which the mapping
   * covers; a caller that shrinks the file must {@link #close} first.
   */
  synchronized boolean resident(long position, int length, long fileSize) {
    if (length <= 0) {
      return true;
    }
    long end = position + length;
    if (INVOKE_CLEANER == null || position < 0 || end > fileSize || fileSize > Integer.MAX_VALUE) {
      return false;
    }
    try {
      if (map == null || map.capacity() < end) {
        unmap();
        if (!channel.isOpen()) {
          return false;
        }
        map = channel.map(FileChannel.MapMode.READ_ONLY, 0, fileSize);
      }
      return map.slice((int) position, length).isLoaded();
    } catch (IOException | RuntimeException e) {
      log.debug("cannot tell the page-cache residency of a segment range; reading it as cold", e);
      unmap();
      return false;
    }
  }

  /** Whether a mapping is held (tests). */
  synchronized boolean mapped() {
    return map != null;
  }

  /** Unmaps the file now; a later question maps it again if the channel is still open. */
  @Override
  public synchronized void close() {
    unmap();
  }

  private void unmap() {
    MappedByteBuffer m = map;
    map = null;
    if (m == null) {
      return;
    }
    try {
      INVOKE_CLEANER.invokeExact((ByteBuffer) m);
    } catch (Throwable t) {
      // Not expected (a mapping we made, unmapped once); the GC unmaps it later.
      log.warn("cannot unmap a page-residency mapping; the GC will", t);
    }
  }

  private static MethodHandle findInvokeCleaner() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Object unsafe = f.get(null);
      return MethodHandles.lookup()
          .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("this JDK cannot unmap a file mapping (sun.misc.Unsafe.invokeCleaner: {}); every fetch below a "
          + "partition's recent tail is read on the background threads", e.toString());
      return null;
    }
  }
}
