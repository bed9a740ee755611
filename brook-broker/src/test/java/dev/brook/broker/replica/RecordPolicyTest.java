package dev.brook.broker.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.config.BrokerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordPolicyTest {
  @Test
  void brokerDefaultsMatchKafkas() {
    assertThat(RecordPolicy.of(BrokerConfig.of(Map.of()), Map.of())).isEqualTo(RecordPolicy.defaults());
  }

  @Test
  void brokerKeysSetTheDefaultsAndTopicOverridesWin() {
    BrokerConfig broker = BrokerConfig.of(Map.of(
        "message.max.bytes", "5000",
        "log.message.timestamp.type", "LogAppendTime",
        "log.message.timestamp.after.max.ms", "10",
        "min.insync.replicas", "2",
        "log.cleanup.policy", "compact"));
    RecordPolicy p = RecordPolicy.of(broker, Map.of());
    assertThat(p).isEqualTo(new RecordPolicy(5000, true, Long.MAX_VALUE, 10, 2, true));
    RecordPolicy t = RecordPolicy.of(broker, Map.of(
        "max.message.bytes", "100",
        "message.timestamp.type", "CreateTime",
        "message.timestamp.before.max.ms", "7",
        "cleanup.policy", "delete"));
    assertThat(t).isEqualTo(new RecordPolicy(100, false, 7, 10, 2, false));
  }

  @Test
  void overridesReplaceRatherThanAccumulate() {
    RecordPolicy base = RecordPolicy.defaults();
    RecordPolicy once = base.with(Map.of("max.message.bytes", "10"));
    assertThat(base.with(Map.of())).isEqualTo(base);
    assertThat(once.maxMessageBytes()).isEqualTo(10);
  }
}
