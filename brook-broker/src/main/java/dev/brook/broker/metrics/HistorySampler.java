package dev.brook.broker.metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the {@link History} sample every interval: per topic, the messages appended since the last
 * sample (the difference of its MessagesInPerSec meter's count); per group and topic, the group's lag
 * on the topic's partitions (per topic, so that the console can leave out a topic its viewer may not
 * see; {@link History}). Runs on
 * its own scheduled thread, never on a request thread; one run at a time.
 */
public final class HistorySampler implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(HistorySampler.class);

  private final History history;
  private final BrokerTopicMetrics topics;
  private final ConsumerLag lag;
  private final LongSupplier clock;
  private final Map<String, Long> lastCounts = new HashMap<>();

  public HistorySampler(History history, BrokerTopicMetrics topics, ConsumerLag lag, LongSupplier clock) {
    this.history = history;
    this.topics = topics;
    this.lag = lag;
    this.clock = clock;
  }

  @Override
  public void run() {
    try {
      Map<String, Long> sample = new LinkedHashMap<>();
      for (String t : topics.topicNames()) {
        long count = topics.topic(t).messagesInCount();
        Long before = lastCounts.put(t, count);
        sample.put(History.topicSeries(t), before == null ? count : count - before);
      }
      List<ConsumerLag.Lag> lags = lag.all().get(5, TimeUnit.SECONDS);
      for (ConsumerLag.Lag l : lags) sample.merge(History.lagSeries(l.topic(), l.group()), l.lag(), Long::sum);
      history.record(clock.getAsLong(), sample);
    } catch (Exception e) {
      log.warn("taking the history sample failed", e);
    }
  }
}
