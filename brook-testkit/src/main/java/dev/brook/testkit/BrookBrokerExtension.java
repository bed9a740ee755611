package dev.brook.testkit;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>While it runs, the broker is also found by its owning class ({@link #runningFor}): that is how
 * the Spring support's {@code KafkaConnectionDetails} bean, built by Spring's test context rather
 * than by JUnit, reaches it.
 */
public final class BrookBrokerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(BrookBrokerExtension.class);
  /** Running brokers by {@link #ownerOf owning class}; test classes may run in parallel. */
  private static final Map<Class<?>, BrookTestBroker> RUNNING = new ConcurrentHashMap<>();

  /** What the store holds: the broker and the system property values it replaced (null: was unset). */
  private record Running(Class<?> owner, BrookTestBroker broker, Map<String, String> previous) {
    void stop() {
      RUNNING.remove(owner, broker);
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
    Class<?> owner = ownerOf(context.getRequiredTestClass()).orElseThrow();
    RUNNING.put(owner, broker);
    context.getStore(NS).put(Running.class, new Running(owner, broker, previous));
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

  /**
   * The class whose {@link BrookBroker} runs the broker {@code testClass}'s tests use: the outermost
   * annotated class (directly, through a superclass or a meta-annotation) among {@code testClass} and
   * the classes enclosing it as {@code @Nested} (inner) classes; empty when none is annotated.
   */
  public static Optional<Class<?>> ownerOf(Class<?> testClass) {
    Class<?> owner = null;
    for (Class<?> c = testClass; c != null; c = Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass()) {
      if (AnnotationSupport.isAnnotated(c, BrookBroker.class)) owner = c;
    }
    return Optional.ofNullable(owner);
  }

  /** The broker {@code @BrookBroker} runs for {@code owner} (see {@link #ownerOf}), while it runs. */
  public static Optional<BrookTestBroker> runningFor(Class<?> owner) {
    return Optional.ofNullable(RUNNING.get(owner));
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
