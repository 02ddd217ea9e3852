package dev.overseer.stream;

import io.vertx.core.http.ServerWebSocket;

/** A cursor's output over a WebSocket: one text message per event. */
final class WebSocketSink implements StreamSink {
  /** The close code for a client that read too slowly (4000-4999: the application's own). */
  static final short TOO_SLOW = 4008;
  private final ServerWebSocket socket;

  WebSocketSink(ServerWebSocket socket) {
    this.socket = socket;
  }

  @Override
  public void send(StreamEvent event) {
    socket.writeTextMessage(event.toJson().encode());
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    socket.drainHandler(v -> action.run());
  }

  @Override
  public void closeTooSlow(long lastSent) {
    // a close reason is limited to 123 bytes
    socket.close(TOO_SLOW, "too slow; resume with after=" + lastSent);
  }

  /** The close code for a connection whose token was revoked. */
  static final short TOKEN_REVOKED = 4001;

  @Override
  public void closeShutdown() {
    socket.close((short) 1001, "server shutting down");
  }

  @Override
  public void closeRevoked() {
    socket.close(TOKEN_REVOKED, "token revoked");
  }

  @Override
  public void onClose(Runnable action) {
    socket.closeHandler(v -> action.run());
  }
}
