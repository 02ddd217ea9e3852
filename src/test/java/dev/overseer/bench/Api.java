package dev.overseer.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Overseer's HTTP API as the bench uses it: Vert.x WebClient with keep-alive connections (cheap enough on
 * the client side not to be what is measured), blocking helpers for control calls from the driver's
 * thread, and closed- and open-loop load generators. Talks only to 127.0.0.1.
 */
final class Api implements AutoCloseable {
  private final Vertx vertx;
  private final WebClient client;
  private final WebSocketClient webSockets;
  private final String token;
  private volatile String host;
  private volatile int port;

  Api(String baseUrl, String token) {
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2));
    this.client = WebClient.create(vertx,
        new WebClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(10_000),
        new PoolOptions().setHttp1MaxSize(128).setMaxWaitQueueSize(-1));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(16 << 20));
    this.token = token;
    retarget(baseUrl);
  }

  /** Points the client at a restarted Overseer (its port changed). */
  void retarget(String baseUrl) {
    URI uri = URI.create(baseUrl);
    if (!"127.0.0.1".equals(uri.getHost()) && !"localhost".equals(uri.getHost())) {
      throw new IllegalStateException("the bench only talks to 127.0.0.1, not " + uri.getHost());
    }
    this.host = "127.0.0.1";
    this.port = uri.getPort();
  }

  record Reply(int status, Buffer body) {
    JsonObject json() {
      return body == null || body.length() == 0 ? new JsonObject() : new JsonObject(body);
    }

    String text() {
      return body == null ? "" : body.toString();
    }
  }

  /** Sends one request; the future fails only when no answer came (connection error, timeout). */
  Future<Reply> send(HttpMethod method, String path, Buffer body, Duration timeout) {
    HttpRequest<Buffer> request = client.request(method, port, host, path)
        .putHeader("Authorization", "Bearer " + token)
        .timeout(timeout.toMillis());
    Future<HttpResponse<Buffer>> answer;
    if (body != null) {
      request.putHeader("Content-Type", "application/json");
      answer = request.sendBuffer(body);
    } else {
      answer = request.send();
    }
    return answer.map(r -> new Reply(r.statusCode(), r.body()));
  }

  /** A blocking call from the driver's thread (never from an event loop). */
  Reply call(HttpMethod method, String path, JsonObject body, Duration timeout) {
    try {
      return send(method, path, body == null ? null : body.toBuffer(), timeout)
          .await(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }

  /** A blocking call that must answer {@code expected}; returns the body as JSON. */
  JsonObject expect(int expected, HttpMethod method, String path, JsonObject body, Duration timeout) {
    Reply reply = call(method, path, body, timeout);
    if (reply.status() != expected) {
      throw new IllegalStateException(method + " " + path + " answered " + reply.status() + " (expected " + expected
          + "): " + abbreviate(reply.text()));
    }
    return reply.json();
  }

  JsonObject get(String path) {
    return expect(200, HttpMethod.GET, path, null, Duration.ofSeconds(60));
  }

  JsonObject post(int expected, String path, JsonObject body) {
    return expect(expected, HttpMethod.POST, path, body, Duration.ofSeconds(60));
  }

  /** The answer of a load run: how many answered as expected, the first unexpected answer, wall time. */
  record LoadResult(int sent, int ok, int failed, String firstFailure, long startNanos, long endNanos) {
    double seconds() {
      return (endNanos - startNanos) / 1e9;
    }

    double perSecond(long units) {
      return units / seconds();
    }
  }

  /**
   * Closed loop: {@code concurrency} clients, each sending the next body as soon as its previous request
   * was answered, until every body was sent or {@code sendFor} passed (then no new request starts; those
   * under way are waited for). The result counts what was sent, and ends at the last answer.
   */
  LoadResult closedLoop(HttpMethod method, String path, List<Buffer> bodies, int concurrency, int expectedStatus,
      Duration sendFor) {
    int n = bodies.size();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    AtomicLong end = new AtomicLong();
    Promise<Void> done = Promise.promise();
    long start = System.nanoTime();
    long stopSendingAt = start + sendFor.toNanos();
    Duration timeout = Duration.ofSeconds(120);
    Consumer<Void>[] sendNext = new Consumer[1];
    sendNext[0] = ignored -> {
      int i = System.nanoTime() > stopSendingAt ? n : next.getAndIncrement();
      if (i >= n) {
        if (inFlight.get() == 0) {
          end.compareAndSet(0, System.nanoTime());
          done.tryComplete();
        }
        return;
      }
      inFlight.incrementAndGet();
      send(method, path, bodies.get(i), timeout).onComplete(r -> {
        if (r.succeeded() && r.result().status() == expectedStatus) {
          ok.incrementAndGet();
        } else {
          failed.incrementAndGet();
          firstFailure.compareAndSet(null, r.succeeded()
              ? r.result().status() + " " + abbreviate(r.result().text()) : String.valueOf(r.cause()));
        }
        inFlight.decrementAndGet();
        sendNext[0].accept(null);
      });
    };
    if (n == 0) return new LoadResult(0, 0, 0, null, start, start);
    vertx.runOnContext(v -> {
      for (int c = 0; c < Math.min(concurrency, n); c++) sendNext[0].accept(null);
    });
    await(done.future(), sendFor.plus(timeout).plusSeconds(10));
    int sent = ok.get() + failed.get();
    if (sent < n) Bench.log("  sent %d of %d requests within %ds", sent, n, sendFor.toSeconds());
    return new LoadResult(sent, ok.get(), failed.get(), firstFailure.get(), start, end.get());
  }

  /**
   * Open loop: body i is sent at {@code start + i * interval}, whatever the answers do (so a slow server
   * does not slow the offered load down). Returns when every request was answered.
   */
  LoadResult openLoop(HttpMethod method, String path, List<Buffer> bodies, Duration interval, int expectedStatus) {
    int n = bodies.size();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Promise<Void> done = Promise.promise();
    long start = System.nanoTime();
    long intervalNanos = interval.toNanos();
    for (int i = 0; i < n; i++) {
      long due = start + i * intervalNanos;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      send(method, path, bodies.get(i), Duration.ofSeconds(60)).onComplete(r -> {
        if (r.succeeded() && r.result().status() == expectedStatus) {
          ok.incrementAndGet();
        } else {
          firstFailure.compareAndSet(null, r.succeeded()
              ? r.result().status() + " " + abbreviate(r.result().text()) : String.valueOf(r.cause()));
        }
        if (answered.incrementAndGet() == n) done.tryComplete();
      });
    }
    long sentAll = System.nanoTime();
    await(done.future(), Duration.ofSeconds(120));
    return new LoadResult(n, ok.get(), n - ok.get(), firstFailure.get(), start, sentAll);
  }

  /** Opens the event stream WebSocket; {@code onEvent} gets each event (on an event loop). */
  WebSocket stream(String query, Consumer<JsonObject> onEvent) {
    String uri = "/api/v1/stream?" + query + "&access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    Future<WebSocket> connected = webSockets.connect(new WebSocketConnectOptions().setHost(host).setPort(port).setURI(uri)
        .setTimeout(10_000))
        .onSuccess(ws -> ws.textMessageHandler(text -> onEvent.accept(new JsonObject(text))));
    return await(connected, Duration.ofSeconds(15));
  }

  static Buffer taskBatch(List<JsonObject> tasks) {
    return new JsonObject().put("tasks", new JsonArray(tasks)).toBuffer();
  }

  static <T> T await(Future<T> future, Duration timeout) {
    try {
      return future.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + timeout.toSeconds() + "s", e);
    }
  }

  static String abbreviate(String text) {
    return text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }

  @Override
  public void close() {
    try {
      await(vertx.close(), Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      // exiting anyway
    }
  }
}
