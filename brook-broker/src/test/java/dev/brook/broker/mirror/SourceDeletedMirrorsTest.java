package dev.brook.broker.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class SourceDeletedMirrorsTest {
  private final Map<String, Uuid> mirrorIds = new HashMap<>();
  private final SourceDeletedMirrors marks = new SourceDeletedMirrors(name -> Optional.ofNullable(mirrorIds.get(name)));

  @Test
  void aMirrorWhoseSourceTopicIsPresentUnderItsRecordedIdIsNotMarked() {
    Uuid sourceId = Uuid.randomUuid();
    mirrorIds.put("orders", Uuid.randomUuid());
    marks.noticeIn("east", Map.of("orders", source("orders", sourceId)), List.of(mirror("orders", "east", "orders", sourceId.toString())));
    assertThat(marks.contains("orders")).isFalse();
  }

  @Test
  void aMirrorWhoseSourceTopicIsMissingIsMarked() {
    mirrorIds.put("orders", Uuid.randomUuid());
    marks.noticeIn("east", Map.of(), List.of(mirror("orders", "east", "orders", "")));
    assertThat(marks.contains("orders")).isTrue();
  }

  @Test
  void aSourceTopicCreatedAgainUnderAnotherIdMarksTheMirror() {
    mirrorIds.put("orders", Uuid.randomUuid());
    marks.noticeIn("east", Map.of("orders", source("orders", Uuid.randomUuid())),
        List.of(mirror("orders", "east", "orders", Uuid.randomUuid().toString())));
    assertThat(marks.contains("orders")).isTrue();
  }

  @Test
  void aMirrorCreatedBeforeSourceIdsWereRecordedFollowsTheSourceByName() {
    mirrorIds.put("orders", Uuid.randomUuid());
    marks.noticeIn("east", Map.of("orders", source("orders", Uuid.randomUuid())), List.of(mirror("orders", "east", "orders", "")));
    assertThat(marks.contains("orders")).isFalse();
  }

  @Test
  void onlyTheMirrorsOfTheLinkAskedAboutAreJudged() {
    mirrorIds.put("orders", Uuid.randomUuid());
    mirrorIds.put("payments", Uuid.randomUuid());
    marks.noticeIn("east", Map.of(), List.of(mirror("orders", "east", "orders", ""), mirror("payments", "west", "payments", "")));
    assertThat(marks.contains("orders")).isTrue();
    assertThat(marks.contains("payments")).isFalse();
  }

  @Test
  void aMirrorTopicDeletedAndCreatedAgainUnderTheSameNameStartsUnmarked() {
    mirrorIds.put("orders", Uuid.randomUuid());
    marks.noticeIn("east", Map.of(), List.of(mirror("orders", "east", "orders", "")));
    mirrorIds.put("orders", Uuid.randomUuid());
    assertThat(marks.contains("orders")).isFalse();
    mirrorIds.remove("orders");
    assertThat(marks.contains("orders")).isFalse();
  }

  @Test
  void aMirrorTopicNoLongerInTheMetadataIsNotMarked() {
    marks.noticeIn("east", Map.of(), List.of(mirror("orders", "east", "orders", "")));
    mirrorIds.put("orders", Uuid.randomUuid());
    assertThat(marks.contains("orders")).isFalse();
  }

  private static MirrorTopic mirror(String topic, String link, String sourceTopic, String sourceTopicId) {
    return new MirrorTopic(topic, link, sourceTopic, MirrorTopic.ACTIVE, sourceTopicId);
  }

  private static TopicDescription source(String name, Uuid id) {
    return new TopicDescription(name, false, List.of(), Set.of(), id);
  }
}
