package dev.overseer.api;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;

/**
 * Reads request bodies (within the limit), except for a WebSocket upgrade, whose connection must stay
 * unread for the handshake. A platform handler, so it runs before authentication as Vert.x requires.
 */
final class BodyUnlessUpgrade implements PlatformHandler {
  private final BodyHandler body;

  BodyUnlessUpgrade(BodyHandler body) {
    this.body = body;
  }

  @Override
  public void handle(RoutingContext rc) {
    if ("websocket".equalsIgnoreCase(rc.request().getHeader("Upgrade"))) {
      // hold the request unread through the asynchronous checks, or the handshake finds it consumed
      rc.request().pause();
      rc.next();
    } else {
      body.handle(rc);
    }
  }
}
