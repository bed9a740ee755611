package dev.brook.broker.group;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the coordinator keeps its state: the partitions of __consumer_offsets. The coordinator
 * appends from its own thread, one partition's records in order; the returned future completes
 * once the records are durable as the log defines it (then the coordinator applies them).
 */
public interface GroupLog {
  CompletableFuture<Void> append(int partition, List<GroupRecord> records);

  /**
   * Every record of {@code partition} from its log start, in order (called off the coordinator
   * thread while the partition loads). Records that cannot be decoded are skipped and logged.
   */
  List<GroupRecord> read(int partition) throws IOException;
}
