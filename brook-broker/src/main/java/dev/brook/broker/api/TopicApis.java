package dev.brook.broker.api;

import dev.brook.broker.admin.DynamicBrokerConfigs;
import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.config.Listener;
import java.util.function.Function;
import org.apache.kafka.common.protocol.ApiKeys;

/** Registers the topic, config and cluster APIs served by the topic admin. */
public final class TopicApis {
  private TopicApis() {}

  /**
   * @param advertised this broker's endpoint on a listener, by listener name; asked at request
   *     time, so it may be completed after the listeners bind
   */
  public static void register(ApiDispatcher dispatcher, TopicManager topics, Function<String, Listener> advertised) {
    register(dispatcher, topics, advertised, ControllerMutationQuota.none());
  }

  /** @param mutations controller_mutation_rate, metered on topic creation and deletion */
  public static void register(ApiDispatcher dispatcher, TopicManager topics, Function<String, Listener> advertised,
      ControllerMutationQuota mutations) {
    register(dispatcher, topics, advertised, mutations, DynamicBrokerConfigs.inMemory(topics.config()));
  }

  /**
   * @param mutations controller_mutation_rate, metered on topic creation and deletion
   * @param brokerConfigs this broker's dynamic configs (DescribeConfigs and AlterConfigs on BROKER)
   */
  public static void register(ApiDispatcher dispatcher, TopicManager topics, Function<String, Listener> advertised,
      ControllerMutationQuota mutations, DynamicBrokerConfigs brokerConfigs) {
    dispatcher.register(ApiKeys.METADATA, new MetadataHandler(topics, advertised));
    dispatcher.register(ApiKeys.CREATE_TOPICS, new CreateTopicsHandler(topics, mutations));
    dispatcher.register(ApiKeys.DELETE_TOPICS, new DeleteTopicsHandler(topics, mutations));
    dispatcher.register(ApiKeys.CREATE_PARTITIONS, new CreatePartitionsHandler(topics, mutations));
    dispatcher.register(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(topics, brokerConfigs));
    AlterConfigsHandler alter = new AlterConfigsHandler(topics, brokerConfigs);
    dispatcher.register(ApiKeys.ALTER_CONFIGS, alter.legacy());
    dispatcher.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alter.incremental());
    dispatcher.register(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterHandler(topics, advertised));
    dispatcher.register(ApiKeys.DESCRIBE_LOG_DIRS, new DescribeLogDirsHandler(topics));
    dispatcher.register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, new DescribeTopicPartitionsHandler(topics));
  }
}
