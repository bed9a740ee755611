package dev.brook.testkit.spring;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Adds a {@link BrookKafkaConnectionDetails} bean for the broker {@code owner}'s {@code @BrookBroker}
 * runs. A record: Spring caches test contexts by their customizers among other things, so two classes
 * with brokers of their own never share a context (whose clients would point at the other's broker).
 */
record BrookConnectionDetailsCustomizer(Class<?> owner) implements ContextCustomizer {
  static final String BEAN_NAME = "brookKafkaConnectionDetails";

  @Override
  public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
    if (!(context.getBeanFactory() instanceof BeanDefinitionRegistry registry)) {
      throw new IllegalStateException("cannot add the KafkaConnectionDetails bean for @BrookBroker: "
          + context.getBeanFactory().getClass().getName() + " is not a BeanDefinitionRegistry");
    }
    RootBeanDefinition bean = new RootBeanDefinition(BrookKafkaConnectionDetails.class, () -> new BrookKafkaConnectionDetails(owner));
    registry.registerBeanDefinition(BEAN_NAME, bean);
  }
}
