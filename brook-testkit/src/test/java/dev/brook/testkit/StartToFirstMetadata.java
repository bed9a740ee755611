package dev.brook.testkit;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints how long {@link BrookTestBroker#start()} takes, in this JVM, until the broker has answered a
 * Metadata request over its socket: the first start (a cold JVM: Brook's, Netty's and the codec's
 * classes loaded on the way) and then {@code args[0]} (default 10) more starts in the same, now warm,
 * JVM. For the cold start it also prints the CPU the whole process used meanwhile (all threads: the
 * JIT compilers, GC and helpers too) and the starting thread's CPU (the part no other core can take
 * over), which a loaded machine does not inflate as it does wall time.
 * The request is written by hand (Metadata v1, as {@code bench/embedded-kafka-start} sends), so the
 * client loads none of the codec's classes. Not a test (tests never assert wall-clock time); the
 * testkit README's figures come from it:
 *
 * <pre>{@code
 * java -cp <brook-testkit's test class path> dev.brook.testkit.StartToFirstMetadata 10
 * }</pre>
 */
public final class StartToFirstMetadata {
  private StartToFirstMetadata() {}

  public static void main(String[] args) throws Exception {
    int warm = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = processCpuMillis();
    long thread0 = threads.getCurrentThreadCpuTime();
    double cold = once();
    System.out.printf("cold: %.1f ms, process CPU %d ms, starting thread's CPU %d ms%n", cold,
        processCpuMillis() - cpu0, (threads.getCurrentThreadCpuTime() - thread0) / 1_000_000);
    if (warm == 0) return;
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < warm; i++) times.add(once());
    times.sort(null);
    System.out.printf("warm (%d starts): min %.1f ms, median %.1f ms, max %.1f ms%n",
        warm, times.get(0), times.get(times.size() / 2), times.get(times.size() - 1));
  }

  /** Milliseconds from {@code start()} to the Metadata answer; the broker is closed afterwards. */
  static double once() throws Exception {
    long t0 = System.nanoTime();
    try (BrookTestBroker broker = BrookTestBroker.start()) {
      metadata(broker.port());
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** Metadata v1 (all topics), answered: the bytes of the response read whole. */
  static void metadata(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      byte[] client = "probe".getBytes(StandardCharsets.UTF_8);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(2 + 2 + 4 + 2 + client.length + 4);
      out.writeShort(3); // Metadata
      out.writeShort(1);
      out.writeInt(1); // correlation id
      out.writeShort(client.length);
      out.write(client);
      out.writeInt(-1); // all topics
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] response = new byte[in.readInt()];
      in.readFully(response);
      if (response.length < 8) throw new IllegalStateException("short Metadata answer: " + response.length + " bytes");
    }
  }

  /** User plus system CPU of this process so far (10 ms ticks on Linux). */
  static long processCpuMillis() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toMillis();
  }
}
