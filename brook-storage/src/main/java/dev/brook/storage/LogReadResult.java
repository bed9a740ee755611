package dev.brook.storage;

/**
 * What a read by offset found.
 *
 * @param outOfRange the requested offset is below the log start offset or above the log end offset
 *     (the broker answers OFFSET_OUT_OF_RANGE); {@code records} is then empty
 * @param records whole batches starting with the batch that contains the requested offset; empty
 *     when the offset equals the read's upper bound
 * @param firstBatchBaseOffset base offset of the first batch in {@code records}, or -1
 * @param logStartOffset the log start offset when the read was made
 * @param logEndOffset the log end offset when the read was made
 */
public record LogReadResult(
    boolean outOfRange, FileSlice records, long firstBatchBaseOffset, long logStartOffset, long logEndOffset) {}
