package dev.overseer.bus;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The event-bus client API: request/reply on {@code overseer.tasks.create|get|kill|list} for Vert.x
 * applications that join the cluster. Each request is carried out by this node's own HTTP API, so the
 * validation, the errors and the access control are exactly those of HTTP: the token travels in the
 * {@code authorization} header of the message ({@code Bearer <token>}); a refusal fails the message
 * with the HTTP status as failure code and the problem JSON as message.
 */
public final class TaskBusApi extends VerticleBase {
  public static final String CREATE = "overseer.tasks.create";
  public static final String GET = "overseer.tasks.get";
  public static final String KILL = "overseer.tasks.kill";
  public static final String LIST = "overseer.tasks.list";

  private final int httpPort;
  private HttpClient http;

  public TaskBusApi(int httpPort) {
    this.httpPort = httpPort;
  }

  @Override
  public Future<?> start() {
    http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(httpPort));
    return Future.join(
        vertx.eventBus().<JsonObject>consumer(CREATE, m -> forward(m, HttpMethod.POST, b -> "/api/v1/tasks", true)).completion(),
        vertx.eventBus().<JsonObject>consumer(GET, m -> forward(m, HttpMethod.GET, b -> "/api/v1/tasks/" + id(b), false)).completion(),
        vertx.eventBus().<JsonObject>consumer(KILL, m -> forward(m, HttpMethod.POST,
            b -> "/api/v1/tasks/" + id(b) + "/kill" + (b.getBoolean("wait", true) ? "" : "?wait=false"), true)).completion(),
        vertx.eventBus().<JsonObject>consumer(LIST, m -> forward(m, HttpMethod.GET, TaskBusApi::listPath, false)).completion());
  }

  @Override
  public Future<?> stop() {
    return http.close();
  }

  private void forward(Message<JsonObject> message, HttpMethod method, Function<JsonObject, String> path, boolean withBody) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String uri;
    try {
      uri = path.apply(body);
    } catch (RuntimeException e) {
      message.fail(400, new JsonObject().put("status", 400).put("title", "Bad Request").put("detail", e.getMessage()).encode());
      return;
    }
    JsonObject sent = withBody ? body.copy() : null;
    if (sent != null) {
      sent.remove("id");
      sent.remove("wait");
    }
    RequestOptions request = new RequestOptions().setMethod(method).setURI(uri)
        .putHeader("Content-Type", "application/json");
    MultiMap headers = message.headers();
    String auth = headers.get("authorization");
    if (auth != null) request.putHeader("Authorization", auth);
    if (headers.get("idempotency-key") != null) request.putHeader("Idempotency-Key", headers.get("idempotency-key"));
    http.request(request)
        .compose(req -> sent == null ? req.send() : req.send(sent.toBuffer()))
        .compose(response -> response.body().map(buffer -> new Answer(response.statusCode(), buffer)))
        .onSuccess(answer -> {
          if (answer.status() / 100 == 2) message.reply(new JsonObject(answer.body()));
          else message.fail(answer.status(), answer.body().toString());
        })
        .onFailure(e -> message.fail(503, new JsonObject().put("status", 503).put("title", "Service Unavailable")
            .put("detail", String.valueOf(e.getMessage())).encode()));
  }

  private record Answer(int status, Buffer body) {}

  private static String id(JsonObject body) {
    String id = body.getString("id");
    if (id == null || !id.matches("[0-9a-fA-F-]{36}")) throw new IllegalArgumentException("id: a task id (UUID) is required");
    return id;
  }

  private static String listPath(JsonObject b) {
    StringBuilder uri = new StringBuilder("/api/v1/tasks?");
    for (String key : new String[] {"state", "profile", "limit", "cursor"}) {
      if (b.getValue(key) != null) uri.append(key).append('=').append(encode(String.valueOf(b.getValue(key)))).append('&');
    }
    JsonObject labels = b.getJsonObject("labels");
    if (labels != null) labels.forEach(e -> uri.append("label=").append(encode(e.getKey() + ":" + e.getValue())).append('&'));
    return uri.substring(0, uri.length() - 1);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
