package dev.brook.broker.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.ObjectName;

/**
 * An MBean in the shape Kafka's own metrics library ({@code org.apache.kafka.common.metrics}) publishes
 * its metrics: one ObjectName per metric group and tag set ({@code kafka.server:type=group-coordinator-metrics},
 * {@code kafka.server:type=group-coordinator-metrics,protocol=classic}), one numeric attribute per metric
 * ({@code partition-load-time-max}, {@code offset-commit-rate}). Kafka's coordinators report this way,
 * unlike the Yammer-style {@code name=…} MBeans the rest of the registry holds, so tools asking for
 * {@code --object-name kafka.server:type=transaction-coordinator-metrics --attributes partition-load-time-max}
 * find them. Read-only; each attribute is computed when read from a supplier over Dropwizard metrics
 * (no arithmetic of Brook's own). Attributes are added at startup, before it is published; read from any thread.
 */
public final class AttributeGroup implements DynamicMBean {
  private final ObjectName name;
  private final Map<String, Supplier<Number>> attributes = Collections.synchronizedMap(new LinkedHashMap<>());

  AttributeGroup(ObjectName name) {
    this.name = name;
  }

  public ObjectName name() {
    return name;
  }

  /** Adds (or replaces) the attribute {@code attribute}, read from {@code value}. */
  public AttributeGroup add(String attribute, Supplier<Number> value) {
    attributes.put(attribute, value);
    return this;
  }

  /** Every attribute and its value now, in the order added. */
  public Map<String, Number> values() {
    Map<String, Number> out = new LinkedHashMap<>();
    synchronized (attributes) {
      attributes.forEach((k, v) -> out.put(k, v.get()));
    }
    return out;
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    Supplier<Number> v = attributes.get(attribute);
    if (v == null) throw new AttributeNotFoundException(attribute + " is not an attribute of " + name);
    return v.get().doubleValue(); // Kafka's metrics are doubles over JMX
  }

  @Override
  public AttributeList getAttributes(String[] names) {
    AttributeList out = new AttributeList();
    for (String n : names) {
      Supplier<Number> v = attributes.get(n);
      if (v != null) out.add(new Attribute(n, v.get().doubleValue()));
    }
    return out;
  }

  @Override
  public void setAttribute(Attribute attribute) {
    throw new UnsupportedOperationException("metrics are read-only");
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) {
    throw new UnsupportedOperationException("metrics have no operations");
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    MBeanAttributeInfo[] info;
    synchronized (attributes) {
      info = attributes.keySet().stream()
          .map(a -> new MBeanAttributeInfo(a, "double", a, true, false, false))
          .toArray(MBeanAttributeInfo[]::new);
    }
    return new MBeanInfo(AttributeGroup.class.getName(), "Kafka-style metrics group " + name, info, null, null, null);
  }
}
