package dev.brook.testkit.spring;

import dev.brook.testkit.BrookBroker;
import dev.brook.testkit.BrookBrokerExtension;
import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.util.ClassUtils;

/**
 * Spring's test context asks this factory (listed in the test kit's {@code META-INF/spring.factories})
 * about every test class: for one that runs a {@link BrookBroker} and has Spring Boot on its class
 * path, it answers a customizer that adds a {@link BrookKafkaConnectionDetails} bean, so Spring Boot's
 * Kafka auto-configuration points {@code spring.kafka.*} and {@code spring.kafka.streams.*} at the
 * broker, as {@code @ServiceConnection} does for a container. Any other class: no customizer.
 */
public final class BrookContextCustomizerFactory implements ContextCustomizerFactory {
  private static final String CONNECTION_DETAILS = "org.springframework.boot.autoconfigure.kafka.KafkaConnectionDetails";

  @Override
  public ContextCustomizer createContextCustomizer(Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
    if (!ClassUtils.isPresent(CONNECTION_DETAILS, testClass.getClassLoader())) return null; // Spring without Boot
    return BrookBrokerExtension.ownerOf(testClass).map(BrookConnectionDetailsCustomizer::new).orElse(null);
  }
}
