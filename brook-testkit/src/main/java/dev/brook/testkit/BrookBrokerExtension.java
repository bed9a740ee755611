package dev.brook.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link BrookBroker}: one broker per annotated class, kept in the
 * class's extension store (so {@code @Nested} classes share it) and closed after its last test.
 */
public final class BrookBrokerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BrookBrokerExtension.class);

  /** What the store holds: the broker and the system property values it replaced (null: was unset). */
  private record Running(BrookTestBroker broker, Map<String, String> previous) {
    void stop() {
      try {
        broker.close();
      } finally {
        previous.forEach((property, value) -> {
          if (value == null) System.clearProperty(property);
          else System.setProperty(property, value);
        });
      }
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (find(context).isPresent()) return; // an enclosing class already runs one
    BrookBroker settings =
        AnnotationSupport.findAnnotation(context.getRequiredTestClass(), BrookBroker.class)
            .orElseThrow(() -> new ExtensionConfigurationException("@BrookBroker is missing"));
    BrookTestBroker.Builder b = BrookTestBroker.builder().brokerProperties(parse(settings.brokerProperties()));
    for (String t : settings.topics()) b.topic(t, settings.partitions());
    BrookTestBroker broker = b.start();
    Map<String, String> previous = new LinkedHashMap<>();
    List<String> properties = new ArrayList<>(List.of(settings.alsoBootstrapServersProperties()));
    properties.add(0, settings.bootstrapServersProperty());
    for (String property : properties) {
      if (property.isEmpty() || previous.containsKey(property)) continue;
      previous.put(property, System.getProperty(property));
      System.setProperty(property, broker.bootstrapServers());
    }
    context.getStore(NS).put(Running.class, new Running(broker, previous));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Running r = context.getStore(NS).remove(Running.class, Running.class);
    if (r != null) r.stop();
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    Class<?> type = p.getParameter().getType();
    return type == BrookTestBroker.class || (type == String.class && p.isAnnotated(BrookBootstrap.class));
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    BrookTestBroker broker =
        find(e).orElseThrow(() -> new ParameterResolutionException("no @BrookBroker is running for " + e.getDisplayName()))
            .broker();
    return p.getParameter().getType() == BrookTestBroker.class ? broker : broker.bootstrapServers();
  }

  private static Optional<Running> find(ExtensionContext context) {
    // The store lookup walks up to parent contexts (enclosing classes of @Nested tests).
    return Optional.ofNullable(context.getStore(NS).get(Running.class, Running.class));
  }

  private static Map<String, String> parse(String[] pairs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : pairs) {
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new ExtensionConfigurationException("@BrookBroker brokerProperties: expected key=value, got '" + p + "'");
      }
      out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
    }
    return out;
  }
}
