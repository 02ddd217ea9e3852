package dev.overseer.stream;

import io.vertx.core.http.HttpServerResponse;

/** A cursor's output as Server-Sent Events: {@code id} is the position, {@code event} the type. */
final class SseSink implements StreamSink {
  private final HttpServerResponse response;
  private final Runnable onEnd;

  SseSink(HttpServerResponse response, Runnable onEnd) {
    this.response = response;
    this.onEnd = onEnd;
  }

  @Override
  public void send(StreamEvent event) {
    response.write("id: " + event.position() + "\nevent: " + event.type() + "\ndata: " + event.toJson().encode() + "\n\n");
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    response.drainHandler(v -> action.run());
  }

  @Override
  public void closeTooSlow(long lastSent) {
    response.write("event: overseer.too-slow\ndata: {\"resumeAfter\":" + lastSent + "}\n\n");
    response.end();
    onEnd.run();
  }

  @Override
  public void closeShutdown() {
    response.end();
    onEnd.run();
  }

  @Override
  public void closeRevoked() {
    response.write("event: overseer.token-revoked\ndata: {}\n\n");
    response.end();
    onEnd.run();
  }

  @Override
  public void onClose(Runnable action) {
    response.closeHandler(v -> {
      onEnd.run();
      action.run();
    });
  }
}
