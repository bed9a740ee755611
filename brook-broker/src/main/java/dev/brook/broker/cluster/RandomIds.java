package dev.brook.broker.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.apache.kafka.common.Uuid;

/**
 * Random identifiers (cluster ids, topic ids, fetch session ids) read from the operating system's
 * generator, {@code /dev/urandom}: the source the JDK's default {@link SecureRandom} reads on Linux and
 * macOS, without building one. The first {@code SecureRandom} walks the JDK's security providers, about
 * 10 ms on the way to a fresh broker's first answer (its cluster id). {@link SecureRandom} where the
 * device is missing or unreadable.
 */
public final class RandomIds {
  private static final Path URANDOM = Path.of("/dev/urandom");

  private RandomIds() {}

  /**
   * A random (version 4) id, never one Kafka reserves (zero, the metadata topic's) nor one whose
   * base64 form starts with '-' (it would read as an option on a command line): Kafka's
   * {@code Uuid.randomUuid} rules.
   */
  public static Uuid uuid() {
    while (true) {
      ByteBuffer b = ByteBuffer.wrap(bytes(16));
      long msb = (b.getLong() & ~0xF000L) | 0x4000L;
      long lsb = (b.getLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
      Uuid id = new Uuid(msb, lsb);
      if (!id.equals(Uuid.ZERO_UUID) && !id.equals(Uuid.METADATA_TOPIC_ID) && !id.toString().startsWith("-")) {
        return id;
      }
    }
  }

  /** A random int. */
  public static int nextInt() {
    return ByteBuffer.wrap(bytes(4)).getInt();
  }

  static byte[] bytes(int n) {
    return bytes(URANDOM, n);
  }

  /** {@code n} bytes from {@code device}, or from {@link SecureRandom} if it cannot be read. */
  static byte[] bytes(Path device, int n) {
    try (InputStream in = Files.newInputStream(device)) {
      byte[] b = in.readNBytes(n);
      if (b.length == n) return b;
    } catch (IOException | UnsupportedOperationException e) {
      // no such device here: the JDK's generator below
    }
    byte[] b = new byte[n];
    Fallback.RANDOM.nextBytes(b);
    return b;
  }

  /** Built only where /dev/urandom cannot be read. */
  private static final class Fallback {
    static final SecureRandom RANDOM = new SecureRandom();
  }
}
