package dev.overseer.stream;

import dev.overseer.config.OverseerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

/** Starts a client's cursor over a WebSocket or an SSE response. */
public final class Streams {
  /** How often an idle SSE response gets a comment line, so proxies keep it open. */
  private static final long SSE_KEEPALIVE_MILLIS = 15_000;
  private static final int WRITE_QUEUE_BYTES = 256 * 1024;

  private Streams() {}

  /** @param after the position the client saw last; null to start at the current head */
  public static void follow(Vertx vertx, EventHub hub, String actor, StreamFilter filter, Long after, ServerWebSocket ws,
      OverseerConfig.Stream limits) {
    ws.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    ws.textMessageHandler(text -> { }); // clients only listen; anything they send is ignored
    new StreamCursor(vertx, hub, actor, filter, start(hub, after), new WebSocketSink(ws), limits.slowClientTimeout()).start();
  }

  public static void followSse(Vertx vertx, EventHub hub, String actor, StreamFilter filter, Long after,
      HttpServerResponse response, OverseerConfig.Stream limits) {
    response.setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    long keepAlive = vertx.setPeriodic(SSE_KEEPALIVE_MILLIS, id -> {
      if (!response.writeQueueFull()) response.write(": keep-alive\n\n");
    });
    SseSink sink = new SseSink(response, () -> vertx.cancelTimer(keepAlive));
    new StreamCursor(vertx, hub, actor, filter, start(hub, after), sink, limits.slowClientTimeout()).start();
  }

  private static long start(EventHub hub, Long after) {
    return after != null ? after : Math.max(0, hub.head());
  }
}
