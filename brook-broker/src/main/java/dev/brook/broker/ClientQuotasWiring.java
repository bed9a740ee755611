package dev.brook.broker;

import dev.brook.broker.api.ApiDispatcher;
import dev.brook.broker.api.ClientQuotaApis;
import dev.brook.broker.cluster.zk.ZkCluster;
import dev.brook.broker.config.BrokerConfig;
import dev.brook.broker.quota.ClientQuotaStore;
import dev.brook.broker.quota.ClientQuotas;
import dev.brook.broker.quota.FileClientQuotaStore;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The client quotas area: the quota store (a file in the first log directory on a single node,
 * ZooKeeper in a cluster) feeding the {@link ClientQuotas} the network meters with. Registers
 * DescribeClientQuotas and AlterClientQuotas on the dispatcher; adds the store and its writer thread
 * to {@code toClose}.
 */
final class ClientQuotasWiring {
  private ClientQuotasWiring() {}

  /**
   * Client quotas: kept in a file in the first log directory on a single node, in ZooKeeper in a
   * cluster; DescribeClientQuotas and AlterClientQuotas. Owned by the network area (which meters).
   */
  static ClientQuotas start(ApiDispatcher dispatcher, BrokerConfig config, ZkCluster cluster,
      Deque<AutoCloseable> toClose) throws Exception {
    ClientQuotaStore store = cluster != null
        ? new dev.brook.broker.cluster.zk.ZkClientQuotaStore(cluster) : new FileClientQuotaStore(config.logDir());
    toClose.add(store);
    ClientQuotas quotas = new ClientQuotas(config.getInt("quota.window.num"),
        config.getInt("quota.window.size.seconds") * 1000L, System::currentTimeMillis);
    store.onChange(quotas::update);
    quotas.update(store.load());
    ExecutorService writes = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("brook-quota-store").daemon().factory());
    toClose.add(writes::shutdownNow);
    new ClientQuotaApis(store, writes).register(dispatcher);
    return quotas;
  }
}
