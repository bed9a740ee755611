package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.replica.LocalReplicaManager;
import dev.brook.broker.replica.Partition;
import dev.brook.storage.LogManager;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeLogDirs: one result per log directory ({@code log.dirs}), with the size of each hosted
 * partition's log in it (all partitions, or those asked for), and from v4 the file system's total
 * and usable bytes. An offline directory (see {@link dev.brook.storage.LogDirFailureChannel}) is
 * answered as Kafka answers it: KAFKA_STORAGE_ERROR and no partitions.
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequestData> {
  private static final Logger log = LoggerFactory.getLogger(DescribeLogDirsHandler.class);

  private final TopicManager topics;

  public DescribeLogDirsHandler(TopicManager topics) {
    this.topics = topics;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeLogDirsRequestData request) {
    Map<String, Set<Integer>> wanted = null;
    if (request.topics() != null) {
      wanted = new HashMap<>();
      for (DescribableLogDirTopic t : request.topics()) {
        wanted.computeIfAbsent(t.topic(), k -> new HashSet<>()).addAll(t.partitions());
      }
    }
    List<LogManager> dirs = topics.replicas() instanceof LocalReplicaManager lrm ? lrm.logDirs().managers() : List.of();
    DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
    if (dirs.isEmpty()) {
      response.results().add(describe(ctx, topics.config().logDir(), false, partitionsIn(null, wanted)));
    }
    for (LogManager dir : dirs) {
      response.results().add(describe(ctx, dir.logDir(), dir.isOffline(), dir.isOffline() ? List.of() : partitionsIn(dir, wanted)));
    }
    return CompletableFuture.completedFuture(response);
  }

  /** The topics with their partitions whose log is in {@code dir} (every partition when null). */
  private List<DescribeLogDirsTopic> partitionsIn(LogManager dir, Map<String, Set<Integer>> wanted) {
    Map<String, List<DescribeLogDirsPartition>> byTopic = new TreeMap<>();
    for (Partition p : topics.replicas().partitions()) {
      String topic = p.topicPartition().topic();
      int index = p.topicPartition().partition();
      if (wanted != null && !wanted.getOrDefault(topic, Set.of()).contains(index)) continue;
      if (dir != null && dir.get(p.log().id()).orElse(null) != p.log()) continue;
      byTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(new DescribeLogDirsPartition()
          .setPartitionIndex(index).setPartitionSize(p.log().sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
    }
    List<DescribeLogDirsTopic> out = new ArrayList<>();
    byTopic.forEach((name, parts) -> {
      parts.sort((a, b) -> Integer.compare(a.partitionIndex(), b.partitionIndex()));
      out.add(new DescribeLogDirsTopic().setName(name).setPartitions(parts));
    });
    return out;
  }

  private static DescribeLogDirsResult describe(RequestContext ctx, Path logDir, boolean offline, List<DescribeLogDirsTopic> in) {
    Path dir = logDir.toAbsolutePath();
    DescribeLogDirsResult result = new DescribeLogDirsResult()
        .setErrorCode(offline ? Errors.KAFKA_STORAGE_ERROR.code() : Errors.NONE.code())
        .setLogDir(dir.toString()).setTopics(in);
    if (ctx.apiVersion() >= 4 && !offline) {
      try {
        FileStore store = Files.getFileStore(dir);
        result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
      } catch (IOException e) {
        log.warn("Cannot read the size of the file system of {}", dir, e);
      }
    }
    return result;
  }
}
