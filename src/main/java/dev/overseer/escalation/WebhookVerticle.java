package dev.overseer.escalation;

import dev.overseer.store.OutboxStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers escalations from the outbox to {@code escalation.webhook}: a JSON POST, retried with
 * exponential backoff (1s, 2s, 4s ... up to 5m) until the receiver answers 2xx. Entries are written in the
 * same transaction as the escalation, so none is lost on a restart; a receiver may see one twice.
 */
public final class WebhookVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WebhookVerticle.class);
  private static final long POLL_MILLIS = 500;
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final String url;
  private final OutboxStore outbox;
  private HttpClient client;
  private long timer = -1;
  private boolean delivering;

  public WebhookVerticle(String url, OutboxStore outbox) {
    this.url = url;
    this.outbox = outbox;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000).setIdleTimeout(30));
    timer = vertx.setPeriodic(POLL_MILLIS, id -> deliverDue());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return client.close();
  }

  private void deliverDue() {
    if (delivering) return;
    delivering = true;
    outbox.claimDue(20)
        .compose(entries -> Future.join(entries.stream().map(this::deliver).toList()))
        .onComplete(done -> delivering = false);
  }

  private Future<Void> deliver(OutboxStore.Entry entry) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setTimeout(10_000).putHeader("Content-Type", "application/json")
        .putHeader("X-Overseer-Delivery", Long.toString(entry.id()));
    return client.request(request)
        .compose(req -> req.send(entry.payload().toBuffer()))
        .compose(response -> response.statusCode() / 100 == 2
            ? outbox.delivered(entry.id())
            : Future.failedFuture("the webhook answered " + response.statusCode()))
        .recover(e -> {
          Duration retryIn = backoff(entry.attempts());
          log.warn("escalation {} not delivered (attempt {}): {}; retrying in {}", entry.id(), entry.attempts(), e.getMessage(), retryIn);
          return outbox.failed(entry.id(), String.valueOf(e.getMessage()), retryIn);
        });
  }

  static Duration backoff(int attempts) {
    long seconds = 1L << Math.min(Math.max(attempts - 1, 0), 20);
    Duration delay = Duration.ofSeconds(seconds);
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }
}
