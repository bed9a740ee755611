package dev.brook.testkit;

import dev.brook.broker.network.NetworkServer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first {@link BrookTestBroker} in a JVM loads and links some 2,000 classes (the codec's message
 * schemas, Netty, the broker); two helper threads take the largest independent parts off the starting
 * thread, once per JVM: the codec's API table ({@code ApiKeys}, every message schema), then Netty's
 * transport and handler checks and the codec's path through a first Metadata exchange. The starting
 * thread meanwhile reads the configuration, opens the log directory and wires the broker, and waits
 * for a part only where it uses it (the JVM's class initialization lock). Later starts in the same JVM
 * find everything loaded and start no thread. {@code -Dbrook.testkit.preload=false} turns it off
 * (for comparing cold starts; nothing else needs that).
 */
final class ColdStartPreload {
  private static final AtomicBoolean STARTED = new AtomicBoolean();

  private ColdStartPreload() {}

  /** Starts the helpers the first time it is called in this JVM; returns at once. */
  static void startOnce() {
    if (!STARTED.compareAndSet(false, true) || !Boolean.parseBoolean(System.getProperty("brook.testkit.preload", "true"))) {
      return;
    }
    Thread.ofPlatform().name("brook-preload-codec").daemon().start(NetworkServer::preloadCodec); // logs nothing
    // Netty logs: the logging backend initializes on this thread first. While SLF4J initializes it
    // hands other threads substitute loggers, one of which can stay a no-op logger for good.
    Logger log = LoggerFactory.getLogger(ColdStartPreload.class);
    Thread.ofPlatform().name("brook-preload-network").daemon().start(() -> {
      try {
        NetworkServer.preload();
        NetworkServer.preloadRequestPath();
      } catch (RuntimeException | Error e) {
        // Only time is lost: the broker loads the same classes itself when it needs them.
        log.warn("preloading Brook's network classes failed; the first start is slower, nothing else changes", e);
      }
    });
  }
}
