package dev.brook.broker.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** Frames reserve their size from the request-memory pool before their bytes are read. */
class FrameDecoderMemoryTest {
  private final RequestMemoryPool pool = new RequestMemoryPool(100);

  private EmbeddedChannel connection() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(new FrameDecoder(1000, pool, new ReadGate(ch)));
    return ch;
  }

  private static ByteBuf frame(int size) {
    ByteBuf b = Unpooled.buffer(4 + size);
    b.writeInt(size);
    b.writeZero(size);
    return b;
  }

  @Test
  void aFrameWaitsForMemoryAndIsReadOnceAnotherReturnsIt() {
    EmbeddedChannel first = connection();
    EmbeddedChannel second = connection();
    first.writeInbound(frame(80));
    ByteBuf held = first.readInbound();
    assertThat(held.capacity()).isEqualTo(80);
    assertThat(pool.available()).isEqualTo(20);

    // The second connection's frame header arrives with its whole body: it may not be read yet.
    second.writeInbound(frame(60));
    assertThat((Object) second.readInbound()).isNull();
    assertThat(second.config().isAutoRead()).as("stops reading without memory").isFalse();

    FrameDecoder.release(pool, held);
    held.release();
    second.runPendingTasks();
    ByteBuf next = second.readInbound();
    assertThat(next).as("decoded once memory came back, with no new bytes arriving").isNotNull();
    assertThat(next.capacity()).isEqualTo(60);
    assertThat(second.config().isAutoRead()).isTrue();
    assertThat(pool.available()).isEqualTo(40);
    next.release();
  }

  @Test
  void aFrameLargerThanThePoolTakesTheWholePool() {
    EmbeddedChannel ch = connection();
    ch.writeInbound(frame(500));
    ByteBuf big = ch.readInbound();
    assertThat(big.capacity()).isEqualTo(500);
    assertThat(pool.available()).isZero();
    FrameDecoder.release(pool, big);
    big.release();
    assertThat(pool.available()).isEqualTo(100);
  }

  @Test
  void aClosedConnectionReturnsTheReservationOfItsUnfinishedFrame() {
    EmbeddedChannel ch = connection();
    ByteBuf partial = Unpooled.buffer();
    partial.writeInt(70);
    partial.writeZero(10);
    ch.writeInbound(partial);
    assertThat(pool.available()).isEqualTo(30);
    ch.close();
    assertThat(pool.available()).isEqualTo(100);
  }
}
