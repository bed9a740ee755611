package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.brook.broker.admin.MirrorTopicRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MirrorStatusGathererTest {
  private static final int HERE = 1;

  private final Map<Integer, Integer> leaders = new HashMap<>(); // partition -> leader; absent: none
  private final Map<Integer, Map<Integer, String>> answers = new HashMap<>(); // broker -> its items
  private final List<String> asked = new ArrayList<>(); // "broker:topic", in order
  private final List<String> askedOn = new ArrayList<>(); // thread names
  private boolean closed;

  private final MirrorStatusGatherer gatherer = new MirrorStatusGatherer(tp -> leaders.getOrDefault(tp.partition(), -1), () -> HERE,
      () -> new MirrorStatusGatherer.Question() {
        @Override
        public Map<Integer, String> ask(int broker, String topic) {
          asked.add(broker + ":" + topic);
          askedOn.add(Thread.currentThread().getName());
          return answers.getOrDefault(broker, Map.of());
        }

        @Override
        public void close() {
          closed = true;
        }
      });

  @AfterEach
  void close() throws Exception {
    gatherer.close();
  }

  @Test
  void anItemIsPartitionStateEndHighWatermarkAndLag() {
    assertThat(MirrorStatusGatherer.item(3, "fetching", 100, 120)).isEqualTo("3:fetching:100:120:20");
    assertThat(MirrorStatusGatherer.item(0, "fetching", 130, 120)).isEqualTo("0:fetching:130:120:0");
    assertThat(MirrorStatusGatherer.item(1, "connecting", 100, -1)).isEqualTo("1:connecting:100:-1:-1");
    assertThat(MirrorStatusGatherer.item(2, "offline", -1, -1)).isEqualTo("2:offline:-1:-1:-1");
  }

  @Test
  void partitionsLedHereAreAnsweredAtOnceWithoutAskingAnyone() throws Exception {
    leaders.put(0, HERE);
    leaders.put(1, HERE);
    CompletableFuture<String> status = gatherer.gather("orders", 2, i -> "here" + i);
    assertThat(status).isCompleted();
    assertThat(status.get()).isEqualTo("here0;here1");
    assertThat(asked).isEmpty();
  }

  @Test
  void aPartitionWithoutALeaderIsOffline() throws Exception {
    leaders.put(0, HERE);
    assertThat(gatherer.gather("orders", 2, i -> "here" + i).get()).isEqualTo("here0;1:offline:-1:-1:-1");
    assertThat(asked).isEmpty();
  }

  @Test
  void eachOtherLeaderIsAskedOnceOnTheStatusThreadAndItsItemsTaken() throws Exception {
    leaders.putAll(Map.of(0, HERE, 1, 2, 2, 3, 3, 2));
    answers.put(2, Map.of(1, "1:fetching:10:10:0", 3, "3:fetching:5:7:2", 0, "0:follower:9:-1:-1"));
    answers.put(3, Map.of(2, "2:connecting:0:-1:-1"));
    String status = gatherer.gather("orders", 4, i -> "here" + i).get(10, TimeUnit.SECONDS);
    assertThat(status).isEqualTo("here0;1:fetching:10:10:0;2:connecting:0:-1:-1;3:fetching:5:7:2");
    assertThat(asked).containsExactly("2:orders", "3:orders");
    assertThat(askedOn).containsOnly("brook-mirror-status");
  }

  @Test
  void aLeaderThatDoesNotAnswerLeavesItsPartitionsUnknown() throws Exception {
    leaders.putAll(Map.of(0, 2, 1, 2, 2, 3));
    answers.put(3, Map.of(2, "2:fetching:4:4:0"));
    assertThat(gatherer.gather("orders", 3, i -> "here" + i).get(10, TimeUnit.SECONDS))
        .isEqualTo("0:unknown:-1:-1:-1;1:unknown:-1:-1:-1;2:fetching:4:4:0");
  }

  @Test
  void closingClosesTheQuestionOnlyOnceOneWasMade() throws Exception {
    gatherer.close();
    assertThat(closed).isFalse();
    leaders.put(0, 2);
    gatherer.gather("orders", 1, i -> "here" + i).get(10, TimeUnit.SECONDS);
    gatherer.close();
    assertThat(closed).isTrue();
  }

  @Test
  void anAnswersItemsAreTakenByPartitionAndAnErrorAddsNone() {
    DescribeConfigsResponseData answer = new DescribeConfigsResponseData();
    answer.results().add(new DescribeConfigsResponseData.DescribeConfigsResult().setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
    answer.results().add(new DescribeConfigsResponseData.DescribeConfigsResult().setConfigs(List.of(
        new DescribeConfigsResponseData.DescribeConfigsResourceResult().setName("retention.ms").setValue("0:not:an:item:here"),
        new DescribeConfigsResponseData.DescribeConfigsResourceResult().setName(MirrorTopicRules.STATUS_HERE).setValue(null),
        new DescribeConfigsResponseData.DescribeConfigsResourceResult().setName(MirrorTopicRules.STATUS_HERE)
            .setValue("0:fetching:10:12:2;1:follower:8:-1:-1"))));
    Map<Integer, String> items = new HashMap<>();
    List<Errors> errors = new ArrayList<>();
    MirrorStatusGatherer.addItems(answer, items, errors::add);
    assertThat(items).containsExactlyInAnyOrderEntriesOf(Map.of(0, "0:fetching:10:12:2", 1, "1:follower:8:-1:-1"));
    assertThat(errors).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }
}
