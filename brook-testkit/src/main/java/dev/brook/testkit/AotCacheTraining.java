package dev.brook.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A training run for a JDK 25 AOT cache (JEP 483, 514) of the test kit's first start: starts a broker
 * with a topic (created through the Admin API), asks it for Metadata over a socket, and stops it; run
 * with {@code -XX:AOTCacheOutput=FILE}, the JVM then writes the classes it loaded and linked to FILE.
 * A test JVM started with {@code -XX:AOTCache=FILE} (same JDK, same jars at the same paths) finds them
 * there instead of loading them from the jars. The JVM writes a cache only when the class path holds
 * no non-empty directory, so this runs on the test class path's jars alone; a test JVM whose class
 * path also starts with {@code target/test-classes} and {@code target/classes} uses it all the same
 * (brook-testkit/README.md, "Start time").
 *
 * <pre>{@code
 * java -XX:AOTCacheOutput=target/brook-test.aot -cp <the tests' jars> dev.brook.testkit.AotCacheTraining
 * }</pre>
 */
public final class AotCacheTraining {
  private AotCacheTraining() {}

  public static void main(String[] args) throws Exception {
    try (BrookTestBroker broker = BrookTestBroker.builder().topic("training", 1).start();
        Socket s = new Socket("127.0.0.1", broker.port())) {
      byte[] client = "aot-training".getBytes(StandardCharsets.UTF_8);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(2 + 2 + 4 + 2 + client.length + 4);
      out.writeShort(3); // Metadata v1, all topics
      out.writeShort(1);
      out.writeInt(1);
      out.writeShort(client.length);
      out.write(client);
      out.writeInt(-1);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      in.readFully(new byte[in.readInt()]);
    }
  }
}
