package dev.brook.cli;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code brook consume}: prints records, one per line, like kafka-console-consumer.sh.
 *
 * <p>Without {@code --group} it assigns the partitions itself (all, or {@code --partition}) and
 * needs no group coordinator; with {@code --group} it subscribes and commits. It stops after {@code
 * --max-messages}, after {@code --timeout-ms} without a record, or on SIGINT/SIGTERM, and then tells
 * on stderr how many records it printed.
 */
@Command(name = "consume", mixinStandardHelpOptions = true, description = "Print records of a topic (like kafka-console-consumer.sh).")
final class ConsumeCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = "--topic", required = true, description = "Topic to read.")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the earliest offset (default: the end).")
  boolean fromBeginning;

  @Option(names = "--partition", description = "Read only this partition.")
  Integer partition;

  @Option(names = "--offset", description = "With --partition: earliest, latest, or an offset (default: latest).")
  String offset;

  @Option(names = "--max-messages", description = "Stop after this many records.")
  Long maxMessages;

  @Option(names = "--timeout-ms", description = "Stop when no record arrives for this long.")
  Long timeoutMs;

  @Option(names = "--group", description = "Consumer group: subscribe and commit offsets.")
  String group;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Output settings: print.key, print.timestamp, print.partition, print.offset, print.value, key.separator, line.separator.")
  List<String> properties = new ArrayList<>();

  @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer setting; repeatable.")
  List<String> consumerProperties = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (offset != null && partition == null) {
      throw new UserError("--offset needs --partition", Main.EXIT_USAGE);
    }
    if (offset != null && fromBeginning) {
      throw new UserError("--offset and --from-beginning cannot be used together", Main.EXIT_USAGE);
    }
    if (group != null && partition != null) {
      throw new UserError("--group and --partition cannot be used together", Main.EXIT_USAGE);
    }
    Long startOffset = parseOffset();
    RecordFormat format = new RecordFormat(KeyValues.parse("--property", properties));

    Map<String, Object> defaults = Map.of(ConsumerConfig.CLIENT_ID_CONFIG, "brook-consume");
    Map<String, Object> props = client.clientProperties(defaults, consumerProperties);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    } else {
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }

    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
    long count = 0;
    CountDownLatch done = new CountDownLatch(1);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
    Thread stopper = new Thread(() -> {
      consumer.wakeup();
      try {
        done.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "brook-consume-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      start(consumer, startOffset);
      long lastRecord = System.nanoTime();
      while (maxMessages == null || count < maxMessages) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<byte[], byte[]> r : records) {
          format.write(r, out);
          count++;
          if (maxMessages != null && count >= maxMessages) break;
        }
        out.flush();
        if (!records.isEmpty()) {
          lastRecord = System.nanoTime();
        } else if (timeoutMs != null && System.nanoTime() - lastRecord > timeoutMs * 1_000_000) {
          break;
        }
      }
    } catch (WakeupException e) {
      // stop signal
    } finally {
      out.flush();
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        // closing after a wakeup may rethrow it; nothing left to do
      }
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    System.err.println("Processed a total of " + count + " messages");
    return 0;
  }

  private Long parseOffset() {
    if (offset == null || offset.equals("latest")) return null;
    if (offset.equals("earliest")) return -2L;
    try {
      long o = Long.parseLong(offset);
      if (o < 0) throw new NumberFormatException();
      return o;
    } catch (NumberFormatException e) {
      throw new UserError("--offset: expected earliest, latest or a non-negative number, got '" + offset + "'", Main.EXIT_USAGE);
    }
  }

  private void start(KafkaConsumer<byte[], byte[]> consumer, Long startOffset) {
    if (group != null) {
      consumer.subscribe(List.of(topic));
      return;
    }
    List<TopicPartition> tps = new ArrayList<>();
    if (partition != null) {
      tps.add(new TopicPartition(topic, partition));
    } else {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (infos == null || infos.isEmpty()) throw new UserError("topic '" + topic + "' does not exist");
      infos.forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
    }
    consumer.assign(tps);
    if (startOffset != null && startOffset >= 0) {
      tps.forEach(tp -> consumer.seek(tp, startOffset));
    } else if (fromBeginning || (startOffset != null && startOffset == -2L)) {
      consumer.seekToBeginning(tps);
    } else {
      consumer.seekToEnd(tps);
    }
  }

  /** kafka-console-consumer's default formatter: [timestamp][partition][offset][key] value. */
  static final class RecordFormat {
    private final boolean key, timestamp, partition, offset, value;
    private final String separator, lineSeparator;

    RecordFormat(Map<String, String> p) {
      key = Boolean.parseBoolean(p.getOrDefault("print.key", "false"));
      timestamp = Boolean.parseBoolean(p.getOrDefault("print.timestamp", "false"));
      partition = Boolean.parseBoolean(p.getOrDefault("print.partition", "false"));
      offset = Boolean.parseBoolean(p.getOrDefault("print.offset", "false"));
      value = Boolean.parseBoolean(p.getOrDefault("print.value", "true"));
      separator = p.getOrDefault("key.separator", "\t");
      lineSeparator = p.getOrDefault("line.separator", "\n");
    }

    void write(ConsumerRecord<byte[], byte[]> r, PrintStream out) {
      List<String> cols = new ArrayList<>(5);
      if (timestamp) {
        cols.add(r.timestampType() == TimestampType.NO_TIMESTAMP_TYPE ? "NO_TIMESTAMP" : r.timestampType() + ":" + r.timestamp());
      }
      if (partition) cols.add("Partition:" + r.partition());
      if (offset) cols.add("Offset:" + r.offset());
      if (key) cols.add(text(r.key()));
      if (value) cols.add(text(r.value()));
      out.print(String.join(separator, cols));
      out.print(lineSeparator);
    }

    private static String text(byte[] b) {
      return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }
  }
}
