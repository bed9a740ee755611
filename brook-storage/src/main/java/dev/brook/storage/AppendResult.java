package dev.brook.storage;

/**
 * What an append wrote.
 *
 * @param firstOffset offset of the first record appended
 * @param lastOffset offset of the last record appended
 * @param maxTimestamp the largest record timestamp among the appended batches (-1 if none)
 * @param offsetOfMaxTimestamp the offset of the record with {@code maxTimestamp}
 * @param logStartOffset the log start offset after the append
 * @param batches number of batches appended
 * @param validBytes bytes appended
 */
public record AppendResult(
    long firstOffset,
    long lastOffset,
    long maxTimestamp,
    long offsetOfMaxTimestamp,
    long logStartOffset,
    int batches,
    int validBytes) {}
