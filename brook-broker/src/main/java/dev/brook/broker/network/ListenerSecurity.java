package dev.brook.broker.network;

import dev.brook.broker.security.Session;
import io.netty.channel.socket.SocketChannel;

/**
 * What a listener's security protocol adds to each new connection, before Brook's frame decoder:
 * nothing for PLAINTEXT; a TLS handler for SSL and SASL_SSL ({@link TlsSecurity}, which sets the
 * session's principal from the client certificate once the handshake completes). SASL's exchange
 * is not here: it is made of Kafka requests, served by the connection handler's {@link
 * SaslAuthenticator} before any other request.
 */
@FunctionalInterface
public interface ListenerSecurity {
  /**
   * PLAINTEXT and SASL_PLAINTEXT: nothing added. A class, not a lambda: a lambda in an interface's
   * field initializer is not kept linked in bin/brook's AOT cache (JDK 25), so every start spun it
   * with the JDK's class-file API on its main thread.
   */
  ListenerSecurity NONE = new ListenerSecurity() {
    @Override
    public void configure(SocketChannel channel, Session session) {}
  };

  void configure(SocketChannel channel, Session session);

  /**
   * Whether bytes are transformed on their way to the socket (TLS): responses then carry record
   * bytes in buffers, since a file region would bypass the encryption.
   */
  default boolean encrypts() {
    return false;
  }
}
