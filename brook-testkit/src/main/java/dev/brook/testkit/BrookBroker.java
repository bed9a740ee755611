package dev.brook.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one Brook broker for a test class (like Spring's {@code @EmbeddedKafka}, but Brook, in
 * this JVM, in well under a second).
 *
 * <p>The broker listens on {@code 127.0.0.1} on an ephemeral port with a temporary log directory,
 * starts before the first test of the class and stops after the last. Test constructors and methods
 * may take a {@link BrookTestBroker} parameter, or a {@code String} parameter annotated with {@link
 * BrookBootstrap}. While it runs, the system properties named by {@link #bootstrapServersProperty}
 * (default {@code spring.kafka.bootstrap-servers}) and {@link #alsoBootstrapServersProperties}
 * ({@code spring.kafka.streams.bootstrap-servers} and {@code spring.embedded.kafka.brokers}, which
 * Spring Kafka's {@code @EmbeddedKafka} sets) hold its bootstrap string: a Spring Boot test's {@code
 * spring.kafka.*} clients, its Kafka Streams and any {@code ${spring.embedded.kafka.brokers}}
 * placeholder point at the broker with no code. Properties it replaced are restored afterwards.
 *
 * <p>A drop-in for {@code @EmbeddedKafka}'s attributes: {@link #topics}, {@link #partitions} and
 * {@link #brokerProperties} mean the same; {@link #kraft} is accepted and ignored (Brook has one mode).
 *
 * <pre>{@code
 * @BrookBroker(topics = {"orders", "payments"}, partitions = 3)
 * class OrdersTest {
 *   @Test
 *   void roundTrip(@BrookBootstrap String bootstrap) { ... }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(BrookBrokerExtension.class)
public @interface BrookBroker {
  /** Topics to create before the tests run. */
  String[] topics() default {};

  /** Partitions of each topic in {@link #topics} (as {@code @EmbeddedKafka}, default 2). */
  int partitions() default 2;

  /** Broker settings, {@code "key=value"} each, with Kafka's key names. */
  String[] brokerProperties() default {};

  /** System property set to the bootstrap string while the broker runs; empty for none. */
  String bootstrapServersProperty() default "spring.kafka.bootstrap-servers";

  /** More system properties set to the bootstrap string while the broker runs (empty array: none). */
  String[] alsoBootstrapServersProperties() default {"spring.kafka.streams.bootstrap-servers", "spring.embedded.kafka.brokers"};

  /** {@code @EmbeddedKafka}'s choice of KRaft or ZooKeeper mode: accepted so annotations port as they are; ignored. */
  boolean kraft() default true;
}
