package dev.brook.broker.security;

import java.util.Properties;

/** Client properties for Brook's security tests, as a Kafka user would write them. */
public final class SecureClients {
  private SecureClients() {}

  public static Properties ssl(String bootstrap, TestCertificates certs) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", "SSL");
    trust(p, certs);
    return p;
  }

  public static Properties mtls(String bootstrap, TestCertificates certs, java.nio.file.Path keyStore) {
    Properties p = ssl(bootstrap, certs);
    p.put("ssl.keystore.location", keyStore.toString());
    p.put("ssl.keystore.password", TestCertificates.PASSWORD);
    p.put("ssl.keystore.type", "PKCS12");
    return p;
  }

  public static Properties sasl(String bootstrap, String protocol, String mechanism, String user, String password,
      TestCertificates certs) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("security.protocol", protocol);
    p.put("sasl.mechanism", mechanism);
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    p.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
    if (protocol.equals("SASL_SSL")) trust(p, certs);
    return p;
  }

  private static void trust(Properties p, TestCertificates certs) {
    p.put("ssl.truststore.location", certs.trustStore.toString());
    p.put("ssl.truststore.password", TestCertificates.PASSWORD);
    p.put("ssl.truststore.type", "PKCS12");
  }

  /** Shorter timeouts so that a refused client fails the test quickly. */
  public static Properties quick(Properties p) {
    p.put("request.timeout.ms", "10000");
    p.put("default.api.timeout.ms", "15000");
    p.put("reconnect.backoff.max.ms", "1000");
    return p;
  }
}
