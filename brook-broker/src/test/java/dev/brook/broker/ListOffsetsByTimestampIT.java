package dev.brook.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ListOffsets by timestamp and max timestamp through the real AdminClient: the answer is the exact
 * record inside a compressed batch, for every codec a producer may use.
 */
class ListOffsetsByTimestampIT {
  @TempDir Path dir;
  Broker broker;

  @AfterEach
  void stop() {
    if (broker != null) broker.close();
  }

  @Test
  void timestampLookupsAreExactInsideBatchesOfEveryCodec() throws Exception {
    broker = PartitionTestSupport.start(dir, Map.of());
    List<String> codecs = List.of("none", "gzip", "snappy", "lz4", "zstd");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String codec : codecs) topics.add(new NewTopic("ts-" + codec, 1, (short) 1));
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
      long t = 1_700_000_000_000L;
      for (String codec : codecs) {
        TopicPartition tp = new TopicPartition("ts-" + codec, 0);
        try (KafkaProducer<String, String> p = producer(codec)) {
          // Out of order timestamps in one batch (the producer lingers until flush).
          List<Future<RecordMetadata>> sent = new ArrayList<>();
          for (long ts : new long[] {t + 100, t + 300, t + 200, t + 900, t + 50}) {
            sent.add(p.send(new ProducerRecord<>(tp.topic(), 0, ts, "k", "v" + ts)));
          }
          p.flush();
          for (Future<RecordMetadata> f : sent) f.get(30, TimeUnit.SECONDS);
        }
        assertThat(lookup(admin, tp, OffsetSpec.forTimestamp(t + 150))).as(codec).isEqualTo(new long[] {1, t + 300});
        assertThat(lookup(admin, tp, OffsetSpec.forTimestamp(t + 301))).as(codec).isEqualTo(new long[] {3, t + 900});
        assertThat(lookup(admin, tp, OffsetSpec.forTimestamp(t + 50))).as(codec).isEqualTo(new long[] {0, t + 100});
        assertThat(lookup(admin, tp, OffsetSpec.maxTimestamp())).as(codec).isEqualTo(new long[] {3, t + 900});
        assertThat(lookup(admin, tp, OffsetSpec.forTimestamp(t + 901))[0]).as(codec).isEqualTo(-1);
      }
    }
  }

  private static long[] lookup(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
    ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(30, TimeUnit.SECONDS);
    return new long[] {info.offset(), info.offset() < 0 ? -1 : info.timestamp()};
  }

  private KafkaProducer<String, String> producer(String codec) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 90_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
    return new KafkaProducer<>(p);
  }
}
