package dev.brook.testkit;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * Prints how long {@link BrookTestBroker#start()} takes, in this JVM, until the broker has answered a
 * Metadata request over its socket: the first start (a cold JVM: Brook's, Netty's and the codec's
 * classes loaded on the way) and then {@code args[0]} (default 10) more starts in the same, now warm,
 * JVM. Not a test (tests never assert wall-clock time); the testkit README's figures come from it:
 *
 * <pre>{@code
 * java -cp <brook-testkit's test class path> dev.brook.testkit.StartToFirstMetadata 10
 * }</pre>
 */
public final class StartToFirstMetadata {
  private StartToFirstMetadata() {}

  public static void main(String[] args) throws Exception {
    int warm = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    System.out.printf("cold: %.1f ms%n", once());
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < warm; i++) times.add(once());
    times.sort(null);
    System.out.printf("warm (%d starts): min %.1f ms, median %.1f ms, max %.1f ms%n",
        warm, times.get(0), times.get(times.size() / 2), times.get(times.size() - 1));
  }

  /** Milliseconds from {@code start()} to the Metadata answer; the broker is closed afterwards. */
  static double once() throws Exception {
    long t0 = System.nanoTime();
    try (BrookTestBroker broker = BrookTestBroker.start();
        RawKafkaClient client = RawKafkaClient.connect(broker.bootstrapServers())) {
      MetadataRequest request = new MetadataRequest.Builder(new MetadataRequestData().setTopics(List.of())).build((short) 12);
      client.call(request, MetadataResponse.class);
      return (System.nanoTime() - t0) / 1e6;
    }
  }
}
