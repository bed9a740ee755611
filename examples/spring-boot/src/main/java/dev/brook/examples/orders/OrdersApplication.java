package dev.brook.examples.orders;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.springframework.boot.SpringApplication;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * A Spring Boot application that sends orders to the topic {@code orders} and reads them back, and a
 * Kafka Streams topology ({@code spring.kafka.streams.*}) that ships each order: its item in capitals
 * to the topic {@code shipped}.
 */
@SpringBootApplication
@EnableKafkaStreams
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  /** orders → shipped, the item in capitals. */
  @Bean
  KStream<String, String> shipping(StreamsBuilder streams) {
    KStream<String, String> orders = streams.stream("orders", Consumed.with(Serdes.String(), Serdes.String()));
    orders.mapValues(item -> item.toUpperCase(java.util.Locale.ROOT)).to("shipped", Produced.with(Serdes.String(), Serdes.String()));
    return orders;
  }

  /** Sends orders with Spring Boot's auto-configured {@link KafkaTemplate} ({@code spring.kafka.*}). */
  @Component
  public static class Orders {
    private final KafkaTemplate<String, String> template;

    public Orders(KafkaTemplate<String, String> template) {
      this.template = template;
    }

    public void place(String id, String item) throws Exception {
      template.send("orders", id, item).get();
    }
  }

  /** Receives orders in the group {@code spring.kafka.consumer.group-id}; a test reads what arrived. */
  @Component
  public static class Received {
    public final BlockingQueue<String> items = new LinkedBlockingQueue<>();
    public final BlockingQueue<String> shipped = new LinkedBlockingQueue<>();

    @KafkaListener(topics = "orders")
    void on(String item) {
      items.add(item);
    }

    @KafkaListener(topics = "shipped", groupId = "shipping")
    void onShipped(String item) {
      shipped.add(item);
    }
  }
}
