package dev.brook.cli.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

/**
 * The client-generation scenario through Spring Kafka's own API, in a child JVM with one Spring Kafka
 * version and the kafka-clients it was released with: {@code KafkaTemplate.executeInTransaction}
 * (one transaction committed, one rolled back by an exception), a plain template, and a {@code
 * KafkaMessageListenerContainer} in a group (read_committed, AckMode.RECORD); a plain consumer of the
 * same group then finds the offsets committed. Prints {@code OK <spring-kafka version>} or the failure.
 */
public final class SpringKafkaScenario {
  private SpringKafkaScenario() {}

  public static void main(String[] args) {
    String version = String.valueOf(KafkaTemplate.class.getPackage().getImplementationVersion());
    try {
      run(args[0], args[1]);
      System.out.println("OK " + version);
      System.exit(0);
    } catch (Throwable t) {
      System.out.println("FAILED " + version + ": " + t);
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }

  static void run(String bootstrap, String topic) throws Exception {
    Map<String, Object> pp = new HashMap<>();
    pp.put("bootstrap.servers", bootstrap);
    pp.put("key.serializer", StringSerializer.class);
    pp.put("value.serializer", StringSerializer.class);
    DefaultKafkaProducerFactory<String, String> txFactory = new DefaultKafkaProducerFactory<>(pp);
    txFactory.setTransactionIdPrefix("spring-scenario-" + System.nanoTime() + "-");
    KafkaTemplate<String, String> tx = new KafkaTemplate<>(txFactory);
    tx.executeInTransaction(t -> {
      for (int i = 0; i < 10; i++) t.send(topic, "k" + i, "committed-" + i);
      return null;
    });
    try {
      tx.executeInTransaction(t -> {
        for (int i = 0; i < 5; i++) t.send(topic, "k" + i, "aborted-" + i);
        t.flush();
        throw new IllegalStateException("roll back");
      });
      throw new AssertionError("the second transaction should have rolled back");
    } catch (IllegalStateException expected) {
      // rolled back: its records are aborted
    }
    txFactory.destroy();
    DefaultKafkaProducerFactory<String, String> plainFactory = new DefaultKafkaProducerFactory<>(pp);
    KafkaTemplate<String, String> plain = new KafkaTemplate<>(plainFactory);
    for (int i = 0; i < 10; i++) plain.send(topic, "p" + i, "plain-" + i).get(30, TimeUnit.SECONDS);
    plainFactory.destroy();

    String group = "spring-scenario-group-" + System.nanoTime();
    Map<String, Object> cp = new HashMap<>();
    cp.put("bootstrap.servers", bootstrap);
    cp.put("group.id", group);
    cp.put("key.deserializer", StringDeserializer.class);
    cp.put("value.deserializer", StringDeserializer.class);
    cp.put("auto.offset.reset", "earliest");
    cp.put("enable.auto.commit", false);
    cp.put("isolation.level", "read_committed");
    List<String> values = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch twenty = new CountDownLatch(20);
    ContainerProperties props = new ContainerProperties(topic);
    props.setAckMode(ContainerProperties.AckMode.RECORD);
    props.setMessageListener((MessageListener<String, String>) r -> {
      values.add(r.value());
      twenty.countDown();
    });
    KafkaMessageListenerContainer<String, String> container =
        new KafkaMessageListenerContainer<>(new DefaultKafkaConsumerFactory<>(cp), props);
    container.start();
    try {
      if (!twenty.await(60, TimeUnit.SECONDS)) throw new AssertionError("the listener received only " + values);
      Thread.sleep(500); // anything past the 20th (an aborted record leaking) would arrive now
    } finally {
      container.stop();
    }
    if (values.size() != 20 || values.stream().anyMatch(v -> v.startsWith("aborted-"))) {
      throw new AssertionError("read_committed listener received " + values);
    }

    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(cp)) {
      Set<TopicPartition> partitions = new HashSet<>();
      for (PartitionInfo pi : c.partitionsFor(topic)) partitions.add(new TopicPartition(topic, pi.partition()));
      Map<TopicPartition, OffsetAndMetadata> committed = c.committed(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Long> ends = c.endOffsets(partitions);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata o = committed.get(tp);
        if (o == null || o.offset() != ends.get(tp)) {
          throw new AssertionError("committed " + committed + " but end offsets are " + ends);
        }
      }
    }
  }
}
