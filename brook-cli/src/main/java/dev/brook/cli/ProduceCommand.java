package dev.brook.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code brook produce}: one record per line of stdin, like kafka-console-producer.sh. With {@code
 * --property parse.key=true} each line is {@code key<separator>value} (separator: {@code
 * key.separator}, default tab). Exits 1 with one line if any record was not acknowledged.
 */
@Command(name = "produce", mixinStandardHelpOptions = true, description = "Send lines of stdin as records (like kafka-console-producer.sh).")
final class ProduceCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = "--topic", required = true, description = "Topic to write to.")
  String topic;

  @Option(names = "--partition", description = "Partition to write to (default: the producer's partitioner).")
  Integer partition;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Reader settings: parse.key=true, key.separator=SEP, ignore.error=true.")
  List<String> properties = new ArrayList<>();

  @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "A producer setting (acks, linger.ms, compression.type, ...); repeatable.")
  List<String> producerProperties = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Map<String, String> reader = KeyValues.parse("--property", properties);
    boolean parseKey = Boolean.parseBoolean(reader.getOrDefault("parse.key", "false"));
    boolean ignoreError = Boolean.parseBoolean(reader.getOrDefault("ignore.error", "false"));
    String separator = reader.getOrDefault("key.separator", "\t");
    if (separator.isEmpty()) throw new UserError("key.separator must not be empty", Main.EXIT_USAGE);

    Map<String, Object> defaults =
        Map.of(
            ProducerConfig.CLIENT_ID_CONFIG, "brook-produce",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000,
            ProducerConfig.LINGER_MS_CONFIG, 5);
    Map<String, Object> props = client.clientProperties(defaults, producerProperties);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    AtomicReference<Exception> failure = new AtomicReference<>();
    long lineNo = 0;
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null && failure.get() == null) {
        lineNo++;
        byte[] key = null;
        String value = line;
        if (parseKey) {
          int at = line.indexOf(separator);
          if (at < 0) {
            if (ignoreError) {
              key = null;
            } else {
              throw new UserError("line " + lineNo + ": no key separator '" + printable(separator) + "' (parse.key=true)");
            }
          } else {
            key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
            value = line.substring(at + separator.length());
          }
        }
        ProducerRecord<byte[], byte[]> record =
            new ProducerRecord<>(topic, partition, key, value.getBytes(StandardCharsets.UTF_8));
        producer.send(record, (md, e) -> {
          if (e != null) failure.compareAndSet(null, e);
        });
      }
      producer.flush();
    }
    Exception e = failure.get();
    if (e != null) {
      throw new UserError("could not produce to " + topic + ": " + e.getMessage());
    }
    return 0;
  }

  private static String printable(String s) {
    return s.replace("\t", "\\t");
  }
}
