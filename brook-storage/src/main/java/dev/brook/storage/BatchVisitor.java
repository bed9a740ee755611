package dev.brook.storage;

import java.nio.ByteBuffer;

/**
 * Sees record batches one by one while the log is scanned (for example to rebuild producer state).
 * The buffer holds exactly one batch, positioned at its first byte; use {@link RecordBatchHeader}
 * to read its fields. It is valid only during the call.
 */
@FunctionalInterface
public interface BatchVisitor {
  void visit(ByteBuffer batch);
}
