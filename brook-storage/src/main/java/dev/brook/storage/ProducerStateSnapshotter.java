package dev.brook.storage;

import java.nio.ByteBuffer;

/**
 * The owner of a log's producer state (the broker) serializes it for the log's producer-state
 * snapshots; the log decides when to take one (at every segment roll) and where it goes ({@code
 * <offset>.snapshot}, see {@link ProducerSnapshots}). Storage never looks inside the bytes.
 */
@FunctionalInterface
public interface ProducerStateSnapshotter {
  /**
   * The producer state as of {@code offset} (every batch below it applied, none at or above),
   * serialized; null to skip this snapshot. Called when the log rolls a new segment at {@code
   * offset} (the log end), on the thread appending to the log, with the log's lock held: it must not
   * wait for a lock that an appender may hold while waiting for the log.
   */
  ByteBuffer snapshot(long offset);
}
