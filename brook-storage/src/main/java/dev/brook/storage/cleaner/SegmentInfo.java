package dev.brook.storage.cleaner;

/**
 * What the cleaner's planning needs to know of one segment.
 *
 * @param baseOffset the segment's base offset (its file name)
 * @param sizeInBytes bytes of its {@code .log}
 * @param largestTimestamp the largest record timestamp in it (-1 if unknown or empty)
 * @param indexEntries entries of its offset index (bounds a cleaned group's index)
 */
public record SegmentInfo(long baseOffset, long sizeInBytes, long largestTimestamp, int indexEntries) {}
