package dev.overseer.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Carries an immutable message object between verticles of one node as it is: no JSON to build, encode
 * or copy per message (a node with 10,000 agents sends 10,000 heartbeats a second). Such messages never
 * leave the node: their addresses are only ever consumed with {@code localConsumer}.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  private final Class<T> type;

  public LocalCodec(Class<T> type) {
    this.type = type;
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T transform(T message) {
    return message;
  }

  @Override
  public String name() {
    return "overseer-local-" + type.getSimpleName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
