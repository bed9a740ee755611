package dev.brook.testkit.spring;

import dev.brook.testkit.BrookBroker;
import dev.brook.testkit.BrookBrokerExtension;
import dev.brook.testkit.BrookTestBroker;
import java.util.List;
import org.springframework.boot.autoconfigure.kafka.KafkaConnectionDetails;

/**
 * Spring Boot's Kafka connection details for the broker a test class's {@link BrookBroker} runs:
 * producers, consumers, admin and Kafka Streams of {@code spring.kafka.*} bootstrap from it (over
 * plaintext), whatever {@code spring.kafka.bootstrap-servers} says. Added to the test's context by
 * {@link BrookContextCustomizerFactory}; the broker is looked up each time Spring asks, so the context
 * may be built before JUnit starts the broker, but not used after the class's last test stopped it.
 */
public final class BrookKafkaConnectionDetails implements KafkaConnectionDetails {
  private final Class<?> owner;

  BrookKafkaConnectionDetails(Class<?> owner) {
    this.owner = owner;
  }

  /** The running broker's bootstrap string. */
  @Override
  public List<String> getBootstrapServers() {
    BrookTestBroker broker = BrookBrokerExtension.runningFor(owner).orElseThrow(() -> new IllegalStateException(
        "no Brook broker is running for " + owner.getName() + ": @BrookBroker starts it before the class's first "
            + "test and stops it after the last; a Spring context used outside that has no broker to point at"));
    return List.of(broker.bootstrapServers());
  }

  @Override
  public String getSecurityProtocol() {
    return "PLAINTEXT";
  }

  @Override
  public String toString() {
    return "BrookKafkaConnectionDetails[" + owner.getName() + "]";
  }
}
