package example;

import dev.brook.testkit.BrookBootstrap;
import dev.brook.testkit.BrookBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** What a user of dev.brook:brook-testkit writes: one annotation, a record sent and read back. */
@BrookBroker(topics = "greetings", partitions = 1)
class GreetingsTest {
  @Test
  void aRecordSentIsReadBack(@BrookBootstrap String bootstrap) throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("greetings", "hello")).get();
    }
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap), new StringDeserializer(), new StringDeserializer())) {
      TopicPartition p = new TopicPartition("greetings", 0);
      consumer.assign(List.of(p));
      consumer.seekToBeginning(List.of(p));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
          String value = records.iterator().next().value();
          if (!value.equals("hello")) throw new AssertionError("read '" + value + "', sent 'hello'");
          return;
        }
      }
      throw new AssertionError("nothing read from greetings in 60 s");
    }
  }
}
