package dev.brook.examples.orders;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** A Spring Boot application that sends orders to the topic {@code orders} and reads them back. */
@SpringBootApplication
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
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

    @KafkaListener(topics = "orders")
    void on(String item) {
      items.add(item);
    }
  }
}
