import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Transactional producer throughput (issue 5's benchmark), run by bench/txn with Kafka 4.1.1's
 * client jars: {@code TxnThroughput <bootstrap> <transactions> <records per transaction> <record bytes>}.
 * Creates a 1-partition topic, warms up with 50 unmeasured transactions, then commits the given
 * number of transactions one after another and prints one line:
 * {@code records/s=… txn/s=… commit_p50_ms=… commit_p99_ms=…}.
 */
public final class TxnThroughput {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    int transactions = Integer.parseInt(args[1]);
    int perTxn = Integer.parseInt(args[2]);
    byte[] value = new byte[Integer.parseInt(args[3])];
    String topic = "txn-bench";
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("transactional.id", "txn-bench");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      producer.initTransactions();
      for (int i = 0; i < 50; i++) transaction(producer, topic, perTxn, value);
      long[] commitNanos = new long[transactions];
      long start = System.nanoTime();
      for (int i = 0; i < transactions; i++) commitNanos[i] = transaction(producer, topic, perTxn, value);
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(commitNanos);
      System.out.printf("records/s=%.0f txn/s=%.1f commit_p50_ms=%.2f commit_p99_ms=%.2f%n",
          transactions * (double) perTxn / seconds, transactions / seconds,
          commitNanos[transactions / 2] / 1e6, commitNanos[(int) (transactions * 0.99)] / 1e6);
      producer.close(Duration.ofSeconds(10));
    }
  }

  /** One transaction of {@code n} records; returns how long its commit took, in nanoseconds. */
  private static long transaction(KafkaProducer<byte[], byte[]> producer, String topic, int n, byte[] value) {
    producer.beginTransaction();
    for (int r = 0; r < n; r++) producer.send(new ProducerRecord<>(topic, value));
    long t = System.nanoTime();
    producer.commitTransaction();
    return System.nanoTime() - t;
  }
}
