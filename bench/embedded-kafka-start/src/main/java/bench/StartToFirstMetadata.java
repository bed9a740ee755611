package bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * In one JVM: Spring Kafka's embedded Kafka ({@code @EmbeddedKafka}'s broker, KRaft, one node) and
 * Brook's {@code BrookTestBroker}, each timed from the start call to the first Metadata answer (a
 * hand-written Metadata v1 request on a socket, the same for both). The first start of each is in a
 * JVM that has not loaded that broker's classes yet ("cold"); then {@code args[2]} more of each.
 * args: brook-cli/target/lib, brook-testkit/target/classes, repetitions, and {@code kafka-first} to
 * run Kafka's before Brook's (the first of the two also pays for the JVM's own warm-up).
 */
public final class StartToFirstMetadata {
  public static void main(String[] args) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (File f : new File(args[0]).listFiles((d, n) -> n.endsWith(".jar"))) urls.add(f.toURI().toURL());
    urls.add(new File(args[1]).toURI().toURL());
    ClassLoader brookLoader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    int n = Integer.parseInt(args[2]);
    boolean kafkaFirst = args.length > 3 && args[3].equals("kafka-first");
    String kafka = "Kafka " + org.apache.kafka.common.utils.AppInfoParser.getVersion()
        + " @EmbeddedKafka (EmbeddedKafkaKraftBroker)";
    if (kafkaFirst) report(kafka, kafka(), kafkaRuns(n));
    report("Brook BrookTestBroker", brook(brookLoader), brookRuns(brookLoader, n));
    if (!kafkaFirst) report(kafka, kafka(), kafkaRuns(n));
  }

  static List<Double> brookRuns(ClassLoader l, int n) throws Exception {
    List<Double> t = new ArrayList<>();
    for (int i = 0; i < n; i++) t.add(brook(l));
    return t;
  }

  static List<Double> kafkaRuns(int n) throws Exception {
    List<Double> t = new ArrayList<>();
    for (int i = 0; i < n; i++) t.add(kafka());
    return t;
  }

  static double brook(ClassLoader l) throws Exception {
    long t0 = System.nanoTime();
    Class<?> c = Class.forName("dev.brook.testkit.BrookTestBroker", true, l);
    AutoCloseable broker = (AutoCloseable) c.getMethod("start").invoke(null);
    try {
      int port = (int) c.getMethod("port").invoke(broker);
      metadata(port);
      return (System.nanoTime() - t0) / 1e6;
    } finally {
      broker.close();
    }
  }

  static double kafka() throws Exception {
    long t0 = System.nanoTime();
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
    broker.kafkaPorts(0);
    broker.afterPropertiesSet();
    try {
      String bootstrap = broker.getBrokersAsString();
      metadata(Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
      return (System.nanoTime() - t0) / 1e6;
    } finally {
      broker.destroy();
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
    }
  }

  static void report(String what, double cold, List<Double> warm) {
    warm.sort(null);
    System.out.printf("%s: cold %.0f ms; warm (%d) min %.0f, median %.0f, max %.0f ms%n", what, cold, warm.size(),
        warm.get(0), warm.get(warm.size() / 2), warm.get(warm.size() - 1));
  }
}
