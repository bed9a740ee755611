package dev.brook.broker.group;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.brook.broker.txn.TxnRecordCodec;
import java.nio.ByteBuffer;

/**
 * Fuzzes the readers of __consumer_offsets and __transaction_state records (what a broker reads
 * back from its own log, or from a Kafka log directory it opens): any bytes decode to a record or
 * fail with IllegalArgumentException, which the loaders report and skip; nothing else is thrown and
 * nothing allocates by a length it has not checked (the fuzzer's memory limit would catch it).
 */
class CoordinatorRecordsFuzzTest {

  @FuzzTest(maxExecutions = 1_000_000, maxDuration = "60m")
  void fuzzRecords(FuzzedDataProvider data) {
    byte[] key = data.consumeBytes(data.consumeInt(0, 256));
    byte[] value = data.consumeBoolean() ? null : data.consumeRemainingAsBytes();
    try {
      GroupRecordCodec.decode(ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value));
    } catch (IllegalArgumentException expected) {
      // a malformed record: reported and skipped by the loader
    }
    try {
      String id = TxnRecordCodec.decodeKey(ByteBuffer.wrap(key));
      if (value != null) TxnRecordCodec.decodeValue(id, ByteBuffer.wrap(value));
    } catch (IllegalArgumentException expected) {
      // as above
    }
  }
}
