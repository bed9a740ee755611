package dev.brook.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A load generator that costs the client little CPU: requests serialized once (record batches built
 * and CRC'd once), sent as raw bytes over many non-blocking connections from one thread, pipelined
 * ({@code window} in flight per connection), answers counted by their size prefix. Every {@code
 * checkEvery}-th answer of a connection is kept whole and handed to a checker (error codes), so the
 * figures count only good answers without decoding every one.
 *
 * <p>Two ways to load: closed loop ({@link #runClosed}: each connection keeps {@code window} requests
 * in flight, as fast as the broker answers) and open loop ({@link #runOpen}: a fixed request rate,
 * latency from the send of each request to the last byte of its answer, so a stalled broker shows
 * as latency, not as a slower send rate). One thread; not thread-safe.
 */
final class RawLoad implements AutoCloseable {

  /** What a run measured. {@code latenciesNanos} is empty for a closed-loop run. */
  record Result(long requests, double seconds, Latencies latencies, long skipped) {}

  private final class Conn {
    final SocketChannel ch;
    final SelectionKey key;
    final List<ByteBuffer> requests;
    final ByteBuffer in = ByteBuffer.allocateDirect(256 << 10);
    final long[] sentAt;
    int next;
    ByteBuffer out;
    int inFlight;
    long sent;
    long answered;
    int frameRemaining = -1; // -1: reading a size prefix
    ByteBuffer kept; // the whole answer, when this one is checked
    int head; // ring index of the oldest in-flight send time

    Conn(SocketChannel ch, SelectionKey key, List<ByteBuffer> requests, int window) {
      this.ch = ch;
      this.key = key;
      this.requests = requests;
      this.sentAt = new long[Math.max(1, window) * 2 + 2];
    }
  }

  private final Selector selector;
  private final List<Conn> conns = new ArrayList<>();
  private final int checkEvery;
  private final Consumer<ByteBuffer> checker;
  private Latencies latencies;
  private boolean measuring;

  /**
   * @param requestsPerConnection for each connection, the frames (size prefix included) it sends in
   *     turn, over and over
   * @param checker given every {@code checkEvery}-th answer frame (without its size prefix); throws
   *     to stop the run
   */
  RawLoad(String host, int port, List<List<ByteBuffer>> requestsPerConnection, int checkEvery,
      Consumer<ByteBuffer> checker) throws IOException {
    this.selector = Selector.open();
    this.checkEvery = checkEvery;
    this.checker = checker;
    for (List<ByteBuffer> reqs : requestsPerConnection) {
      SocketChannel ch = SocketChannel.open();
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
      ch.connect(new InetSocketAddress(host, port));
      ch.configureBlocking(false);
      SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
      Conn c = new Conn(ch, key, reqs, 64);
      key.attach(c);
      conns.add(c);
    }
  }

  /** Each connection keeps {@code window} requests in flight for {@code seconds}; returns what was answered. */
  Result runClosed(int window, double seconds) throws IOException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long answeredBefore = answered();
    long start = System.nanoTime();
    for (Conn c : conns) fill(c, window);
    while (System.nanoTime() < deadline) {
      selector.select(10);
      for (SelectionKey k : selector.selectedKeys()) {
        Conn c = (Conn) k.attachment();
        if (k.isReadable()) read(c);
        if (k.isValid() && k.isWritable()) write(c);
        fill(c, window);
      }
      selector.selectedKeys().clear();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    drain();
    return new Result(answered() - answeredBefore, elapsed, null, 0);
  }

  /**
   * Sends {@code rate} requests per second in total, spread over the connections in turn, for {@code
   * seconds}; records each request's latency (send to answer).
   */
  Result runOpen(double rate, double seconds) throws IOException {
    latencies = new Latencies();
    measuring = true;
    long intervalNanos = (long) (1e9 / rate);
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long due = start;
    long answeredBefore = answered();
    int turn = 0;
    long skipped = 0;
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      while (due <= now) {
        Conn c = conns.get(turn++ % conns.size());
        if (c.out == null && c.inFlight < c.sentAt.length - 1) {
          send(c, due);
        } else {
          skipped++; // that connection is still writing: counted, so a stall cannot hide as a lower rate
        }
        due += intervalNanos;
      }
      long waitMs = Math.max(0, (due - System.nanoTime()) / 1_000_000);
      if (waitMs > 0) selector.select(waitMs); else selector.selectNow();
      for (SelectionKey k : selector.selectedKeys()) {
        Conn c = (Conn) k.attachment();
        if (k.isReadable()) read(c);
        if (k.isValid() && k.isWritable()) write(c);
      }
      selector.selectedKeys().clear();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    drain();
    measuring = false;
    return new Result(answered() - answeredBefore, elapsed, latencies, skipped);
  }

  private long answered() {
    long n = 0;
    for (Conn c : conns) n += c.answered;
    return n;
  }

  /** Waits (bounded) for every in-flight answer, so the next run starts from none. */
  private void drain() throws IOException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean any = false;
      for (Conn c : conns) any |= c.inFlight > 0;
      if (!any) return;
      selector.select(10);
      for (SelectionKey k : selector.selectedKeys()) {
        Conn c = (Conn) k.attachment();
        if (k.isReadable()) read(c);
        if (k.isValid() && k.isWritable()) write(c);
      }
      selector.selectedKeys().clear();
    }
    throw new IOException("answers still missing after 30 s");
  }

  private void fill(Conn c, int window) throws IOException {
    while (c.out == null && c.inFlight < window) send(c, System.nanoTime());
  }

  private void send(Conn c, long at) throws IOException {
    ByteBuffer req = c.requests.get(c.next++ % c.requests.size()).duplicate();
    c.sentAt[(c.head + c.inFlight) % c.sentAt.length] = at;
    c.inFlight++;
    c.sent++;
    c.ch.write(req);
    if (req.hasRemaining()) {
      c.out = req;
      c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }
  }

  private void write(Conn c) throws IOException {
    if (c.out == null) return;
    c.ch.write(c.out);
    if (!c.out.hasRemaining()) {
      c.out = null;
      c.key.interestOps(SelectionKey.OP_READ);
    }
  }

  private void read(Conn c) throws IOException {
    ByteBuffer in = c.in;
    int n;
    while ((n = c.ch.read(in)) > 0) {
      in.flip();
      consume(c, in);
      in.compact();
    }
    if (n < 0) throw new IOException("the broker closed a connection (answered " + c.answered + ")");
  }

  private void consume(Conn c, ByteBuffer in) {
    while (true) {
      if (c.frameRemaining < 0) {
        if (in.remaining() < 4) return;
        c.frameRemaining = in.getInt();
        boolean check = checkEvery > 0 && c.answered % checkEvery == 0;
        c.kept = check ? ByteBuffer.allocate(c.frameRemaining) : null;
      }
      int take = Math.min(c.frameRemaining, in.remaining());
      if (c.kept != null) {
        ByteBuffer part = in.duplicate();
        part.limit(part.position() + take);
        c.kept.put(part);
      }
      in.position(in.position() + take);
      c.frameRemaining -= take;
      if (c.frameRemaining > 0) return;
      c.frameRemaining = -1;
      long sentAt = c.sentAt[c.head];
      c.head = (c.head + 1) % c.sentAt.length;
      c.inFlight--;
      c.answered++;
      if (measuring) latencies.record(System.nanoTime() - sentAt);
      if (c.kept != null) {
        checker.accept(c.kept.flip());
        c.kept = null;
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (Conn c : conns) c.ch.close();
    selector.close();
  }
}
