package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class GroupOffsetCopierTest {
  private static final TopicPartition SOURCE_0 = new TopicPartition("orders", 0);
  private static final TopicPartition SOURCE_1 = new TopicPartition("orders", 1);
  private static final TopicPartition MIRROR_0 = new TopicPartition("east.orders", 0);
  private static final TopicPartition MIRROR_1 = new TopicPartition("east.orders", 1);
  private static final MirrorTopic EAST_ORDERS = new MirrorTopic("east.orders", "east", "orders", MirrorTopic.ACTIVE, "");

  private final AtomicLong nanos = new AtomicLong(1);
  /** The source's committed offsets, by group. */
  private final Map<String, Map<TopicPartition, OffsetAndMetadata>> sourceOffsets = new HashMap<>();
  private final List<Pattern> sourceAsked = new ArrayList<>();
  private final Map<TopicPartition, Long> logEnds = new HashMap<>();
  private final FakeCoordinators coordinators = new FakeCoordinators();
  private final Map<TopicPartition, MirrorTopic> ledHere = new HashMap<>(Map.of(MIRROR_0, EAST_ORDERS, MIRROR_1, EAST_ORDERS));

  @Test
  void anOffsetIsCopiedUnchangedOnlyOnceTheMirrorHoldsIt() {
    GroupOffsetCopier copier = copier(Map.of("bootstrap.servers", "a:1"));
    sourceOffsets.put("billing", Map.of(SOURCE_0, new OffsetAndMetadata(40, Optional.of(3), "m"), SOURCE_1, new OffsetAndMetadata(7)));
    logEnds.put(MIRROR_0, 39L);
    logEnds.put(MIRROR_1, 7L);
    copier.copyIfDue(ledHere);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_1 + "=7@-1");
    assertThat(coordinators.requests.get(0).generationIdOrMemberEpoch()).isEqualTo(-1);
    assertThat(coordinators.requests.get(0).memberId()).isEmpty();

    logEnds.put(MIRROR_0, 40L);
    nextRound(copier);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_1 + "=7@-1", "billing " + MIRROR_0 + "=40@3/m");
  }

  @Test
  void anOffsetUnchangedOnTheSourceIsNotCopiedAgainSoTheTargetGroupsOwnCommitsStay() {
    GroupOffsetCopier copier = copierOfBillingAt10();
    copier.copyIfDue(ledHere);
    nextRound(copier);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_0 + "=10@-1");
    sourceOffsets.put("billing", Map.of(SOURCE_0, new OffsetAndMetadata(12)));
    nextRound(copier);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_0 + "=10@-1", "billing " + MIRROR_0 + "=12@-1");
  }

  @Test
  void anOffsetTheCoordinatorRefusedIsTriedAgainNextRound() {
    GroupOffsetCopier copier = copierOfBillingAt10();
    coordinators.answer = Errors.UNKNOWN_MEMBER_ID; // the group has members here
    copier.copyIfDue(ledHere);
    coordinators.answer = Errors.NONE;
    nextRound(copier);
    nextRound(copier);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_0 + "=10@-1", "billing " + MIRROR_0 + "=10@-1");
  }

  @Test
  void aGroupCoordinatedElsewhereIsSentThereAndOneNotAvailableWaits() {
    GroupOffsetCopier copier = copierOfBillingAt10();
    sourceOffsets.put("audit", Map.of(SOURCE_0, new OffsetAndMetadata(20)));
    coordinators.availability.put("billing", Errors.NOT_COORDINATOR);
    coordinators.availability.put("audit", Errors.COORDINATOR_LOAD_IN_PROGRESS);
    copier.copyIfDue(ledHere);
    assertThat(coordinators.committedElsewhere).containsExactly("billing " + MIRROR_0 + "=10@-1");
    assertThat(coordinators.committedHere).isEmpty();

    coordinators.availability.remove("audit");
    nextRound(copier);
    assertThat(coordinators.committedHere).containsExactly("audit " + MIRROR_0 + "=20@-1");
  }

  @Test
  void onlyTheLinksPartitionsFilledHereAreCopied() {
    GroupOffsetCopier copier = copier(Map.of("bootstrap.servers", "a:1"));
    TopicPartition westMirror = new TopicPartition("west.orders", 0);
    ledHere.remove(MIRROR_1);
    ledHere.put(westMirror, new MirrorTopic("west.orders", "west", "orders", MirrorTopic.ACTIVE, ""));
    logEnds.putAll(Map.of(MIRROR_0, 100L, MIRROR_1, 100L, westMirror, 100L));
    sourceOffsets.put("billing", Map.of(SOURCE_0, new OffsetAndMetadata(10), SOURCE_1, new OffsetAndMetadata(11)));
    copier.copyIfDue(ledHere);
    assertThat(coordinators.committedHere).containsExactly("billing " + MIRROR_0 + "=10@-1");
  }

  @Test
  void roundsComeEveryOffsetSyncMsAndNotAtAllWhenSyncIsOff() {
    GroupOffsetCopier copier = copier(Map.of("bootstrap.servers", "a:1", "consumer.offset.sync.ms", "1000",
        "consumer.offset.sync.groups", "bill.*"));
    copier.copyIfDue(ledHere);
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
    copier.copyIfDue(ledHere);
    assertThat(sourceAsked).hasSize(1);
    assertThat(sourceAsked.get(0).pattern()).isEqualTo("bill.*");
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    copier.copyIfDue(ledHere);
    assertThat(sourceAsked).hasSize(2);

    GroupOffsetCopier off = copier(Map.of("bootstrap.servers", "a:1", "consumer.offset.sync.enable", "false"));
    nextRound(off);
    assertThat(sourceAsked).hasSize(2);
  }

  @Test
  void aSourceThatDoesNotAnswerIsWarnedOfAndTriedAgainNextRound() {
    GroupOffsetCopier.SourceOffsets failing = groups -> {
      sourceAsked.add(groups);
      throw new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("no answer"));
    };
    GroupOffsetCopier copier = new GroupOffsetCopier(MirrorLink.validate("east", Map.of("bootstrap.servers", "a:1")), failing,
        tp -> logEnds.containsKey(tp) ? OptionalLong.of(logEnds.get(tp)) : OptionalLong.empty(), coordinators, warnings(), nanos::get);
    copier.copyIfDue(ledHere);
    nextRound(copier);
    assertThat(sourceAsked).hasSize(2);
    assertThat(coordinators.requests).isEmpty();
  }

  /** A copier of link east, whose source has group billing at offset 10 of orders-0, which the mirror holds. */
  private GroupOffsetCopier copierOfBillingAt10() {
    logEnds.put(MIRROR_0, 100L);
    sourceOffsets.put("billing", Map.of(SOURCE_0, new OffsetAndMetadata(10)));
    return copier(Map.of("bootstrap.servers", "a:1"));
  }

  private GroupOffsetCopier copier(Map<String, String> linkConfigs) {
    GroupOffsetCopier.SourceOffsets source = groups -> {
      sourceAsked.add(groups);
      return sourceOffsets;
    };
    return new GroupOffsetCopier(MirrorLink.validate("east", linkConfigs), source,
        tp -> logEnds.containsKey(tp) ? OptionalLong.of(logEnds.get(tp)) : OptionalLong.empty(), coordinators, warnings(), nanos::get);
  }

  private static ThrottledWarnings warnings() {
    return new ThrottledWarnings(LoggerFactory.getLogger(GroupOffsetCopierTest.class), System::nanoTime);
  }

  /** Lets the default consumer.offset.sync.ms pass and runs {@code copier}'s round. */
  private void nextRound(GroupOffsetCopier copier) {
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(30));
    copier.copyIfDue(ledHere);
  }

  /** Records each commit as "group topic-partition=offset@epoch[/metadata]" and answers {@link #answer} for every partition. */
  private static final class FakeCoordinators implements GroupOffsetCopier.Coordinators {
    final Map<String, Errors> availability = new HashMap<>();
    final List<OffsetCommitRequestData> requests = new ArrayList<>();
    final List<String> committedHere = new ArrayList<>();
    final List<String> committedElsewhere = new ArrayList<>();
    Errors answer = Errors.NONE;

    @Override
    public Errors availability(String group) {
      return availability.getOrDefault(group, Errors.NONE);
    }

    @Override
    public OffsetCommitResponseData commitHere(OffsetCommitRequestData req) {
      return commit(req, committedHere);
    }

    @Override
    public OffsetCommitResponseData commitElsewhere(String group, OffsetCommitRequestData req) {
      return commit(req, committedElsewhere);
    }

    private OffsetCommitResponseData commit(OffsetCommitRequestData req, List<String> into) {
      requests.add(req);
      OffsetCommitResponseData resp = new OffsetCommitResponseData();
      for (OffsetCommitRequestData.OffsetCommitRequestTopic t : req.topics()) {
        OffsetCommitResponseData.OffsetCommitResponseTopic rt = new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name());
        for (OffsetCommitRequestData.OffsetCommitRequestPartition p : t.partitions()) {
          into.add(req.groupId() + " " + t.name() + "-" + p.partitionIndex() + "=" + p.committedOffset() + "@" + p.committedLeaderEpoch()
              + (p.committedMetadata().isEmpty() ? "" : "/" + p.committedMetadata()));
          rt.partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
              .setErrorCode(answer.code()));
        }
        resp.topics().add(rt);
      }
      return resp;
    }
  }
}
