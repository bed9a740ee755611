package dev.brook.broker.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A TCP relay that makes its clients' connections come from another loopback address: it accepts
 * on 127.0.0.1 and connects to the target from {@code source} (a connection to 127.0.0.2 alone
 * would still come from 127.0.0.1, the loopback route's source). Lets a test give two clients two
 * client addresses, which ACL hosts tell apart. Bytes are copied unchanged, one thread per
 * direction per connection; closing the relay closes every connection.
 */
final class SourceAddressProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetAddress source;
  private final Supplier<InetSocketAddress> target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /** {@code target} is asked at each connection (the broker's port is known only once it started). */
  SourceAddressProxy(String source, Supplier<InetSocketAddress> target) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    this.source = InetAddress.getByName(source);
    this.target = target;
    Thread t = new Thread(this::acceptLoop, "source-proxy-" + source);
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.bind(new InetSocketAddress(source, 0));
        upstream.connect(target.get(), 5_000);
        sockets.add(client);
        sockets.add(upstream);
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        if (!closed) System.err.println("source proxy: " + e);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) out.write(buf, 0, n);
      } catch (IOException e) {
        // the other side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "source-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) closeQuietly(s);
  }
}
