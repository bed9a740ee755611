package dev.brook.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CoordinatorOptionsTest {
  @Test
  void defaultsAreIssue15sSizesOnBrookOnly() {
    CoordinatorOptions o = CoordinatorOptions.parse(new String[] {"--root", "/tmp/brook"});
    assertThat(o.brokers()).containsExactly("brook");
    assertThat(o.workloads()).containsExactly("commit", "rebalance", "load");
    assertThat(o.commitThreads()).isEqualTo(8);
    assertThat(o.consumers()).isEqualTo(8);
    assertThat(o.rebalancePartitions()).isEqualTo(16);
    assertThat(o.loadRecords()).isEqualTo(1_000_000);
    assertThat(o.out().toString()).startsWith("/tmp/brook/bench/out/coordinator-");
  }

  @Test
  void quickShrinksAndListsAreChecked() {
    CoordinatorOptions o = CoordinatorOptions.parse(
        new String[] {"--quick", "--kafka", "--workloads", "commit,rebalance", "--protocols", "consumer"});
    assertThat(o.brokers()).containsExactly("kafka", "brook");
    assertThat(o.runs("load")).isFalse();
    assertThat(o.protocols()).isEqualTo(List.of("consumer"));
    assertThat(o.loadRecords()).isEqualTo(100_000);
    assertThatThrownBy(() -> CoordinatorOptions.parse(new String[] {"--protocols", "range"}))
        .hasMessageContaining("eager,cooperative,consumer");
    assertThatThrownBy(() -> CoordinatorOptions.parse(new String[] {"--commit-threads", "32"}))
        .hasMessageContaining("--commit-partitions");
    assertThatThrownBy(() -> CoordinatorOptions.parse(new String[] {"--consumers"})).hasMessageContaining("needs a value");
  }

  @Test
  void anExternalBrokerReplacesTheStartedOnes() {
    CoordinatorOptions o = CoordinatorOptions.parse(new String[] {"--external-port", "29092", "--external-pid", "42"});
    assertThat(o.brokers()).containsExactly("external");
    assertThat(o.externalPort()).isEqualTo(29092);
    assertThat(o.externalPid()).isEqualTo(42);
  }

  @Test
  void overridesAreKeyValuePairsAndTheLastOneWins() {
    CoordinatorOptions o = CoordinatorOptions.parse(new String[] {"--override", "a.b=1", "--override", "c=x=y",
        "--override", "a.b=2"});
    assertThat(o.brookOverrides()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("a.b", "2", "c", "x=y"));
    assertThatThrownBy(() -> CoordinatorOptions.parse(new String[] {"--override", "=1"})).hasMessageContaining("KEY=VALUE");
  }
}
