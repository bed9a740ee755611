package dev.brook.broker.api;

import dev.brook.broker.admin.TopicManager;
import dev.brook.broker.cluster.BrokerEndpoint;
import dev.brook.broker.cluster.ClusterState;
import dev.brook.broker.config.Listener;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeCluster: the cluster id, the controller (this node) and the brokers (this one, never
 * fenced). Asked for controller endpoints (v1+), it answers UNSUPPORTED_ENDPOINT_TYPE as a Kafka
 * broker does.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequestData> {
  private static final byte BROKERS = 1;

  private final TopicManager topics;
  private final Function<String, Listener> endpoint;

  public DescribeClusterHandler(TopicManager topics, Function<String, Listener> endpoint) {
    this.topics = topics;
    this.endpoint = endpoint;
  }

  @Override
  public CompletableFuture<ApiMessage> handle(RequestContext ctx, DescribeClusterRequestData request) {
    DescribeClusterResponseData r = new DescribeClusterResponseData();
    if (ctx.apiVersion() >= 1) r.setEndpointType(request.endpointType());
    if (ctx.apiVersion() >= 1 && request.endpointType() != BROKERS) {
      return CompletableFuture.completedFuture(r.setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
          .setErrorMessage("This endpoint serves broker endpoints only, not " + describe(request.endpointType())));
    }
    r.setClusterId(topics.store().clusterId()).setControllerId(topics.nodeId())
        .setClusterAuthorizedOperations(request.includeClusterAuthorizedOperations()
            ? AuthorizedOperations.CLUSTER : AuthorizedOperations.NOT_REQUESTED);
    ClusterState cluster = topics.cluster();
    if (cluster != null) { // cluster mode: every live broker, the elected controller
      r.setControllerId(cluster.controllerId());
      for (BrokerEndpoint live : cluster.liveBrokers()) {
        BrokerEndpoint b = live.on(ctx.listenerName());
        r.brokers().add(new DescribeClusterBroker().setBrokerId(b.id()).setHost(b.host()).setPort(b.port())
            .setRack(b.rack()));
      }
      return CompletableFuture.completedFuture(r);
    }
    Listener l = endpoint.apply(ctx.listenerName());
    r.brokers().add(new DescribeClusterBroker().setBrokerId(topics.nodeId()).setHost(l.host()).setPort(l.port())
        .setRack(topics.config().getString("broker.rack")));
    return CompletableFuture.completedFuture(r);
  }

  private static String describe(byte type) {
    return type == 2 ? "CONTROLLER" : "UNKNOWN(" + type + ")";
  }
}
