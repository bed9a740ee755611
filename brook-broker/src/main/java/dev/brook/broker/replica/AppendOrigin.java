package dev.brook.broker.replica;

/**
 * Who writes a batch: a client's produce (held to every client rule: base offset 0, no control
 * batches) or one of the broker's own coordinators (group offsets, transaction markers), whose
 * batches are still validated but may be control batches.
 */
public enum AppendOrigin {
  CLIENT,
  COORDINATOR
}
