package dev.overseer.stream;

/** Where a cursor writes: a WebSocket or a Server-Sent Events response. Used on the HTTP server's context. */
interface StreamSink {
  void send(StreamEvent event);

  boolean writeQueueFull();

  void onDrain(Runnable action);

  /** Ends the connection because the client read too slowly; it may resume with {@code after=lastSent}. */
  void closeTooSlow(long lastSent);

  void onClose(Runnable action);

  /** Ends the connection because this node is shutting down; the client resumes elsewhere or later. */
  void closeShutdown();

  /** Ends the connection because the token it was opened with was revoked. */
  void closeRevoked();
}
