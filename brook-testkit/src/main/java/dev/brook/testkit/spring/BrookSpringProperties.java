package dev.brook.testkit.spring;

import dev.brook.testkit.BrookTestBroker;
import java.util.List;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Points a Spring test's Kafka configuration at a {@link BrookTestBroker}, for a {@code
 * @DynamicPropertySource} method (spring-test on the class path; the test kit depends on it optionally):
 *
 * <pre>{@code
 * static final BrookTestBroker brook = BrookTestBroker.builder().topic("orders", 3).start();
 *
 * @DynamicPropertySource
 * static void kafka(DynamicPropertyRegistry registry) {
 *   BrookSpringProperties.register(registry, brook);
 * }
 * }</pre>
 *
 * Registers {@link #BOOTSTRAP_PROPERTIES}: Spring Boot's producer, consumer, admin and Kafka Streams
 * bootstrap servers, and {@code spring.embedded.kafka.brokers} for placeholders written for {@code
 * @EmbeddedKafka}. The values are read when Spring asks, so the broker may start later.
 */
public final class BrookSpringProperties {
  /** The properties {@link #register} sets to the broker's bootstrap string. */
  public static final List<String> BOOTSTRAP_PROPERTIES = List.of(
      "spring.kafka.bootstrap-servers", "spring.kafka.streams.bootstrap-servers", "spring.embedded.kafka.brokers");

  private BrookSpringProperties() {}

  /** Adds each of {@link #BOOTSTRAP_PROPERTIES} to {@code registry}, as {@code broker}'s bootstrap string. */
  public static void register(DynamicPropertyRegistry registry, BrookTestBroker broker) {
    for (String property : BOOTSTRAP_PROPERTIES) registry.add(property, broker::bootstrapServers);
  }
}
