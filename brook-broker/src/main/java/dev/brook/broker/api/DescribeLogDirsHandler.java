package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.replica.Partition;
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
 * DescribeLogDirs: the broker's one log directory with the size of each hosted partition's log (all
 * partitions, or those asked for), and from v4 the file system's total and usable bytes.
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
    Map<String, List<DescribeLogDirsPartition>> byTopic = new TreeMap<>();
    for (Partition p : topics.replicas().partitions()) {
      String topic = p.topicPartition().topic();
      int index = p.topicPartition().partition();
      if (wanted != null && !wanted.getOrDefault(topic, Set.of()).contains(index)) continue;
      byTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(new DescribeLogDirsPartition()
          .setPartitionIndex(index).setPartitionSize(p.log().sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
    }
    List<DescribeLogDirsTopic> out = new ArrayList<>();
    byTopic.forEach((name, parts) -> {
      parts.sort((a, b) -> Integer.compare(a.partitionIndex(), b.partitionIndex()));
      out.add(new DescribeLogDirsTopic().setName(name).setPartitions(parts));
    });
    Path dir = topics.config().logDir().toAbsolutePath();
    DescribeLogDirsResult result = new DescribeLogDirsResult().setErrorCode(Errors.NONE.code())
        .setLogDir(dir.toString()).setTopics(out);
    if (ctx.apiVersion() >= 4) {
      try {
        FileStore store = Files.getFileStore(dir);
        result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
      } catch (IOException e) {
        log.warn("Cannot read the size of the file system of {}", dir, e);
      }
    }
    DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
    response.results().add(result);
    return CompletableFuture.completedFuture(response);
  }
}
