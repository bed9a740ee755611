package dev.brook.broker.quota;

import java.util.Arrays;
import java.util.Optional;

/** The client quotas Kafka defines, by their config key. */
public enum QuotaType {
  /** Bytes per second of produce requests. */
  PRODUCE("producer_byte_rate"),
  /** Bytes per second of fetch responses. */
  FETCH("consumer_byte_rate"),
  /** Percentage of one request thread's time (100 = one whole thread). */
  REQUEST("request_percentage"),
  /** Partitions created or deleted per second (CreateTopics, CreatePartitions, DeleteTopics). */
  CONTROLLER_MUTATION("controller_mutation_rate");

  private final String key;

  QuotaType(String key) {
    this.key = key;
  }

  public String key() {
    return key;
  }

  public static Optional<QuotaType> forKey(String key) {
    return Arrays.stream(values()).filter(t -> t.key.equals(key)).findFirst();
  }
}
