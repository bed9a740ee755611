package dev.brook.broker;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A group consumer in its own JVM, for tests that kill it with SIGKILL (so that it cannot leave):
 * args bootstrap, group, topic, protocol, session timeout ms. Prints "ASSIGNED n" whenever its
 * assignment size changes.
 */
public final class KilledConsumerMain {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("group.id", args[1]);
    p.put("group.protocol", args[3]);
    if (args[3].equals("classic")) {
      p.put("session.timeout.ms", args[4]);
      p.put("heartbeat.interval.ms", "200");
    }
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(args[2]));
      int last = -1;
      while (true) {
        c.poll(Duration.ofMillis(100));
        if (c.assignment().size() != last) {
          last = c.assignment().size();
          System.out.println("ASSIGNED " + last);
          System.out.flush();
        }
      }
    }
  }
}
