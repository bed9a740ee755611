package dev.brook.broker.group;

import java.util.Collection;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.kafka.common.Uuid;

/** What the KIP-848 coordinator needs to know of topics: ids, names and partition counts. Thread-safe. */
public interface TopicLookup {
  Optional<Uuid> id(String topic);

  Optional<String> name(Uuid id);

  OptionalInt partitionCount(String topic);

  /** Every topic name (for regex subscriptions). */
  Collection<String> names();

  TopicLookup NONE =
      new TopicLookup() {
        @Override
        public Optional<Uuid> id(String topic) {
          return Optional.empty();
        }

        @Override
        public Optional<String> name(Uuid id) {
          return Optional.empty();
        }

        @Override
        public OptionalInt partitionCount(String topic) {
          return OptionalInt.empty();
        }

        @Override
        public Collection<String> names() {
          return java.util.List.of();
        }
      };
}
