package dev.overseer.dashboard;

import static dev.overseer.dashboard.Browser.id;
import static dev.overseer.dashboard.Browser.in;
import static dev.overseer.dashboard.Browser.row;
import static dev.overseer.testing.Tasks.awaitState;
import static org.assertj.core.api.Assertions.assertThat;

import dev.overseer.testing.ApiClient;
import dev.overseer.testing.ApiClient.Response;
import dev.overseer.testing.Await;
import dev.overseer.testing.Scripts;
import dev.overseer.testing.TestOverseer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web dashboard in a real browser (Debian's headless chromium) against a real Overseer: sign-in,
 * live updates without a reload, kills with receipts, role-aware controls, the emergency stop and its
 * undo, and the create form. It also leaves a screenshot of the dashboard with real data in
 * target/dashboard.png (and at the path of the system property dashboard.screenshot, when set).
 */
class DashboardIT {
  @TempDir
  static Path dir;

  private static TestOverseer overseer;
  /** One browser for the class (starting chromium is the slow part); each test starts signed out. */
  private static Browser browser;

  /** A process agent that reports progress, logs and heartbeats until it is stopped. */
  static String writeAgent(Path dir) throws Exception {
    return Scripts.write(dir, "agent.sh", """
        i=0
        while true; do
          i=$((i+1))
          echo "{\\"type\\":\\"progress\\",\\"percent\\":$(( (i*3) % 100 )),\\"message\\":\\"step $i: reading files\\"}"
          echo "{\\"type\\":\\"log\\",\\"level\\":\\"info\\",\\"message\\":\\"working on step $i\\"}"
          echo '{"type":"heartbeat"}'
          sleep 0.2
        done
        """);
  }

  static String config(String agent) {
    return """
        profiles:
          sleep:
            kind: builtin
            agent: sleep
            concurrency: 20
          process:
            kind: process
            command: ["%s"]
            concurrency: 20
            shutdown:
              grace: 5s
          flaky:
            kind: builtin
            agent: fail
            maxAttempts: 2
            retry: {minBackoff: 10m, maxBackoff: 10m}
        """.formatted(agent);
  }

  @BeforeAll
  static void start() throws Exception {
    overseer = TestOverseer.start(config(writeAgent(dir)));
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (browser != null) browser.close();
    } finally {
      if (overseer != null) overseer.close();
    }
  }

  @AfterEach
  void forgetTheSession() {
    browser.reset();
  }

  // ---- 1

  @Test
  void signing_in_with_the_admin_token_keeps_it_in_session_storage_only_and_signing_out_forgets_it() {
    browser.open(overseer.baseUrl() + "/");
    browser.type(id("token-input"), "ovs_not_a_real_token");
    browser.click(id("signin-submit"));
    assertThat(browser.text(id("signin-error"))).contains("not valid");
    assertThat(browser.js("return sessionStorage.getItem('overseer.token')")).isNull();

    browser.type(id("token-input"), TestOverseer.ADMIN_TOKEN);
    browser.click(id("signin-submit"));
    browser.textIs(id("whoami-name"), "admin");
    browser.contentIs(id("whoami-role"), "admin");
    assertThat(browser.js("return sessionStorage.getItem('overseer.token')")).isEqualTo(TestOverseer.ADMIN_TOKEN);
    assertThat(browser.js("return localStorage.length")).isEqualTo(0L);
    assertThat(browser.js("return document.cookie")).isEqualTo("");
    browser.visible(id("task-rows"));
    browser.visible(id("count-queued"));
    // the session survives a reload of the page, as a browser session should
    browser.driver.navigate().refresh();
    browser.textIs(id("whoami-name"), "admin");

    browser.click(id("signout"));
    browser.visible(id("token-input"));
    assertThat(browser.js("return sessionStorage.getItem('overseer.token')")).isNull();
    assertThat(browser.driver.findElement(By.id("app")).isDisplayed()).isFalse();
  }

  // ---- 2

  @Test
  void tasks_created_through_the_api_appear_in_the_list_and_change_state_live_without_a_reload() {
    browser.signIn(overseer.baseUrl(), TestOverseer.ADMIN_TOKEN);
    String transport = browser.awaitLive();
    System.out.println("live stream transport: " + transport);
    browser.visible(id("task-rows"));
    long succeededBefore = countOf("succeeded");
    String marker = UUID.randomUUID().toString();
    browser.js("window.__dashboardMarker = arguments[0]", marker);
    String url = browser.driver.getCurrentUrl();

    JsonObject task = create(overseer.admin, new JsonObject().put("name", "live " + marker.substring(0, 8))
        .put("profile", "sleep").put("input", new JsonObject().put("ms", 5000)).put("labels", new JsonObject().put("suite", "dashboard")));
    By taskRow = row(task.getString("id"));
    browser.visible(taskRow);
    assertThat(browser.text(in(taskRow, "task-link"))).isEqualTo(task.getString("name"));

    Set<String> seen = new LinkedHashSet<>();
    browser.waitFor("the row to show succeeded; states seen: " + seen, d -> {
      String state = d.findElement(in(taskRow, "task-state")).getText().trim();
      seen.add(state);
      return state.equals("succeeded");
    });
    assertThat(seen.iterator().next()).as("the first state the row showed, of " + seen).isIn("queued", "running");
    assertThat(seen).contains("succeeded");
    assertThat(browser.text(in(taskRow, "task-progress"))).contains("100%");
    assertThat(browser.text(in(taskRow, "task-attempt"))).isEqualTo("1/3");
    assertThat(overseer.admin.get("/api/v1/tasks/" + task.getString("id")).json().getString("state")).isEqualTo("succeeded");
    // the counts follow (the server samples them every 5 s)
    browser.waitFor("the succeeded count to grow", d -> countOf("succeeded") > succeededBefore);

    // no navigation happened: the same document, the same URL, one navigation entry
    assertThat(browser.js("return window.__dashboardMarker")).isEqualTo(marker);
    assertThat(browser.js("return performance.getEntriesByType('navigation').length")).isEqualTo(1L);
    assertThat(browser.driver.getCurrentUrl()).isEqualTo(url);
  }

  // ---- 3

  @Test
  void killing_a_running_task_from_the_ui_with_a_reason_shows_it_killed_with_the_receipt() {
    JsonObject task = create(overseer.admin, new JsonObject().put("name", "runaway agent").put("profile", "process"));
    awaitState(overseer.admin, task, "running");
    String taskId = task.getString("id");

    browser.signIn(overseer.baseUrl(), TestOverseer.ADMIN_TOKEN);
    browser.awaitLive();
    browser.click(in(row(taskId), "task-link"));
    browser.visible(By.cssSelector("[data-testid='task-page'][data-task-id='" + taskId + "']"));
    browser.textIs(id("task-state"), "running");
    browser.waitFor("log lines of the agent in the live tail", d -> d.findElement(id("task-logs")).getText().contains("working on step"));
    browser.visible(By.cssSelector("[data-testid='attempt-row'][data-attempt='1']"));

    browser.click(id("kill-button"));
    browser.visible(id("kill-dialog"));
    assertThat(browser.driver.findElement(id("kill-dialog-submit")).isEnabled()).as("no kill without a reason").isFalse();
    browser.type(id("kill-reason"), "wrong branch, from the dashboard");
    browser.type(id("kill-grace"), "3s");
    browser.click(id("kill-dialog-submit"));

    browser.visible(id("kill-receipt"));
    browser.textIs(id("receipt-outcome"), "killed");
    assertThat(browser.text(id("receipt-reason"))).isEqualTo("wrong branch, from the dashboard");
    assertThat(browser.text(id("receipt-requested-by"))).isEqualTo("admin");
    assertThat(browser.text(id("receipt-grace"))).isEqualTo("3s");
    assertThat(browser.text(id("receipt-forced"))).isIn("yes", "no");
    assertThat(browser.text(id("receipt-signalled-at"))).isNotEqualTo("—");
    assertThat(browser.text(id("receipt-stopped-at"))).isNotEqualTo("—");
    browser.textIs(id("task-state"), "killed");
    browser.visible(id("retry-button"));
    assertThat(browser.absent(id("kill-button"))).isTrue();

    JsonObject killed = overseer.admin.get("/api/v1/tasks/" + taskId).json();
    assertThat(killed.getString("state")).isEqualTo("killed");
    JsonObject receipt = overseer.admin.get("/api/v1/tasks/" + taskId + "/kill").json();
    assertThat(receipt.getString("outcome")).isEqualTo("killed");
    assertThat(receipt.getString("reason")).isEqualTo("wrong branch, from the dashboard");
    assertThat(receipt.getString("requestedBy")).isEqualTo("admin");
    assertThat(browser.text(id("receipt-forced"))).isEqualTo(receipt.getBoolean("forced") ? "yes" : "no");
    browser.waitFor("the killed event in the timeline",
        d -> !d.findElements(By.cssSelector("[data-testid='timeline-event'][data-type='killed']")).isEmpty());
  }

  // ---- 4

  @Test
  void a_viewer_sees_no_kill_retry_create_pause_or_emergency_stop_controls() {
    String viewerToken = token("viewer-" + suffix(), "viewer");
    JsonObject queued = create(overseer.admin, new JsonObject().put("name", "waits for 2099").put("profile", "sleep")
        .put("runAt", "2099-01-01T00:00:00Z"));
    JsonObject killed = create(overseer.admin, new JsonObject().put("name", "killed before it ran").put("profile", "sleep")
        .put("runAt", "2099-01-01T00:00:00Z"));
    assertThat(overseer.admin.post("/api/v1/tasks/" + killed.getString("id") + "/kill", new JsonObject().put("reason", "not needed"))
        .status()).isEqualTo(200);

    browser.signIn(overseer.baseUrl(), viewerToken);
    browser.contentIs(id("whoami-role"), "viewer");
    browser.visible(row(queued.getString("id")));
    assertThat(browser.absent(id("new-task-toggle"))).isTrue();
    assertThat(browser.absent(id("create-form"))).isTrue();

    openTask(queued.getString("id"));
    browser.textIs(id("task-state"), "queued");
    browser.visible(id("task-details"));
    assertThat(browser.absent(id("kill-button"))).isTrue();
    assertThat(browser.absent(id("retry-button"))).isTrue();

    openTask(killed.getString("id"));
    browser.textIs(id("task-state"), "killed");
    browser.textIs(id("receipt-outcome"), "killed"); // a viewer reads the receipt
    assertThat(browser.absent(id("retry-button"))).isTrue();
    assertThat(browser.absent(id("kill-button"))).isTrue();

    browser.click(id("nav-agents"));
    browser.visible(By.cssSelector("[data-testid='profile-row'][data-profile='process']"));
    browser.visible(id("dispatch-state"));
    assertThat(browser.absent(id("emergency-stop"))).isTrue();
    assertThat(browser.absent(By.cssSelector("[data-testid^='pause-profile-']"))).isTrue();
    assertThat(browser.absent(By.cssSelector("[data-testid^='resume-profile-']"))).isTrue();

    // the same pages show the controls to an admin: their absence above is the role, not a broken page
    browser.click(id("signout"));
    browser.signIn(overseer.baseUrl(), TestOverseer.ADMIN_TOKEN);
    openTask(queued.getString("id"));
    browser.visible(id("kill-button"));
    browser.click(id("nav-agents"));
    browser.visible(id("emergency-stop"));
    browser.visible(id("pause-profile-process"));
  }

  // ---- 5

  @Test
  void an_admins_emergency_stop_kills_everything_running_and_pauses_dispatch_and_its_undo_resumes_it(@TempDir Path own)
      throws Exception {
    try (TestOverseer stopped = TestOverseer.start(config(writeAgent(own)))) {
      try {
        JsonArray batch = new JsonArray();
        for (int i = 1; i <= 5; i++) batch.add(new JsonObject().put("name", "agent " + i).put("profile", "process"));
        Response created = stopped.admin.post("/api/v1/tasks/batch", new JsonObject().put("tasks", batch));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        List<JsonObject> tasks = new ArrayList<>();
        created.json().getJsonArray("items").forEach(t -> tasks.add((JsonObject) t));
        tasks.forEach(t -> awaitState(stopped.admin, t, "running"));

        browser.signIn(stopped.baseUrl(), TestOverseer.ADMIN_TOKEN);
        browser.click(id("nav-agents"));
        browser.waitFor("5 running agents", d -> d.findElements(id("agent-row")).size() == 5);
        browser.textIs(id("dispatch-state"), "running");

        browser.click(id("emergency-stop"));
        browser.visible(id("estop-dialog"));
        browser.type(id("estop-reason"), "runaway costs");
        assertThat(browser.driver.findElement(id("estop-dialog-submit")).isEnabled()).as("not confirmed yet").isFalse();
        browser.type(id("estop-confirm"), "stop");
        assertThat(browser.driver.findElement(id("estop-dialog-submit")).isEnabled()).as("STOP must be typed exactly").isFalse();
        browser.type(id("estop-confirm"), "STOP");
        browser.click(id("estop-dialog-submit"));

        browser.visible(id("kill-all-result"));
        assertThat(browser.text(id("kill-all-total"))).isEqualTo("5");
        assertThat(browser.text(id("kill-all-killed"))).isEqualTo("5");
        assertThat(browser.text(id("kill-all-failed"))).isEqualTo("0");
        assertThat(browser.text(id("kill-all-already-finished"))).isEqualTo("0");
        for (JsonObject t : tasks) {
          assertThat(stopped.admin.get("/api/v1/tasks/" + t.getString("id")).json().getString("state")).isEqualTo("killed");
        }
        assertThat(stopped.admin.get("/api/v1/dispatch").json().getBoolean("paused")).isTrue();
        browser.textIs(id("dispatch-state"), "paused");
        browser.visible(id("dispatch-banner"));
        browser.visible(id("agents-empty"));

        JsonObject later = create(stopped.admin, new JsonObject().put("name", "after the stop").put("profile", "noop"));
        Await.holds("a task created after the stop to stay queued", Duration.ofMillis(1500),
            () -> stopped.admin.get("/api/v1/tasks/" + later.getString("id")).json().getString("state"), "queued"::equals);

        browser.click(id("resume-dispatch"));
        browser.visible(id("resume-dialog"));
        browser.type(By.id("resume-reason"), "all clear");
        browser.click(id("resume-dialog-submit"));
        Await.until("dispatch to resume", Duration.ofSeconds(10),
            () -> stopped.admin.get("/api/v1/dispatch").json().getBoolean("paused"), paused -> !paused);
        awaitState(stopped.admin, later, "succeeded");
        browser.textIs(id("dispatch-state"), "running");
        browser.waitFor("the paused banner to go", d -> !d.findElement(id("dispatch-banner")).isDisplayed());
      } finally {
        browser.reset(); // leave no stream open: the service would wait for it when it stops
      }
    }
  }

  // ---- 6

  @Test
  void an_operator_creates_a_task_from_the_page_with_the_input_checked_as_json_and_server_errors_shown_by_field() {
    String name = "operator-" + suffix();
    String operatorToken = token(name, "operator");
    JsonObject adminsTask = create(overseer.admin, new JsonObject().put("name", "the admin's own").put("profile", "sleep")
        .put("runAt", "2099-01-01T00:00:00Z"));

    browser.signIn(overseer.baseUrl(), operatorToken);
    browser.awaitLive();
    assertThat(browser.absent(id("emergency-stop"))).isTrue();
    browser.click(id("new-task-toggle"));
    browser.visible(id("create-form"));
    new Select(browser.visible(id("create-profile"))).selectByValue("sleep");
    browser.type(id("create-name"), "made in the browser");
    browser.type(id("create-input"), "{\"ms\": 500");
    browser.click(id("create-submit"));
    assertThat(browser.text(id("create-error-input"))).startsWith("Not valid JSON");
    browser.type(id("create-input"), "[1, 2]");
    browser.click(id("create-submit"));
    assertThat(browser.text(id("create-error-input"))).contains("must be a JSON object");

    browser.type(id("create-input"), "{\"ms\": 500}");
    browser.type(id("create-priority"), "500");
    browser.click(id("create-submit"));
    assertThat(browser.text(id("create-error-priority"))).contains("/priority").contains("100");
    assertThat(browser.text(id("create-error"))).contains("Bad Request (400)");

    browser.type(id("create-priority"), "7");
    browser.type(id("create-labels"), "origin:browser");
    browser.click(id("create-submit"));
    browser.waitFor("the created task in the list", d -> d.findElements(By.cssSelector("[data-testid='task-row']")).stream()
        .anyMatch(r -> r.getText().contains("made in the browser")));
    JsonObject mine = overseer.admin.get("/api/v1/tasks?label=origin:browser").items().getJsonObject(0);
    assertThat(mine.getString("name")).isEqualTo("made in the browser");
    assertThat(mine.getString("createdBy")).isEqualTo(name);
    assertThat(mine.getInteger("priority")).isEqualTo(7);
    assertThat(mine.getJsonObject("input")).isEqualTo(new JsonObject().put("ms", 500));
    browser.textIs(in(row(mine.getString("id")), "task-state"), "succeeded");

    // an operator may not kill the admin's task: the server's refusal is shown as it is
    openTask(adminsTask.getString("id"));
    browser.click(id("kill-button"));
    browser.type(id("kill-reason"), "not mine");
    browser.click(id("kill-dialog-submit"));
    assertThat(browser.text(id("kill-dialog-error"))).contains("403");
    assertThat(overseer.admin.get("/api/v1/tasks/" + adminsTask.getString("id")).json().getString("state")).isEqualTo("queued");
  }

  // ---- 7

  @Test
  void revoking_the_token_of_a_signed_in_browser_sends_it_back_to_sign_in() {
    String name = "revoked-" + suffix();
    String value = token(name, "operator");
    browser.signIn(overseer.baseUrl(), value);
    browser.awaitLive();
    browser.contentIs(id("whoami-name"), name);

    Response revoked = overseer.admin.delete("/api/v1/tokens/" + name);
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

    assertThat(browser.text(id("signin-error"))).contains("revoked");
    browser.visible(id("token-input"));
    assertThat(browser.js("return sessionStorage.getItem('overseer.token')")).isNull();
  }

  // ---- 8

  @Test
  void the_dashboard_with_tasks_in_every_state_progress_and_running_agents_is_captured_in_a_screenshot(@TempDir Path own)
      throws Exception {
    try (TestOverseer shot = TestOverseer.start(config(writeAgent(own)))) {
      try {
        List<JsonObject> running = new ArrayList<>();
        create(shot.admin, new JsonObject().put("name", "deploy preview for PR 1432").put("profile", "sleep")
            .put("runAt", "2099-01-01T00:00:00Z").put("labels", new JsonObject().put("team", "web")));
        JsonObject cancelled = create(shot.admin, new JsonObject().put("name", "rebuild search index").put("profile", "sleep")
            .put("runAt", "2099-01-01T00:00:00Z").put("labels", new JsonObject().put("team", "search")));
        shot.admin.post("/api/v1/tasks/" + cancelled.getString("id") + "/kill", new JsonObject().put("reason", "superseded"));
        create(shot.admin, new JsonObject().put("name", "nightly dependency audit").put("profile", "flaky")
            .put("input", new JsonObject().put("message", "registry timed out").put("retryable", true)));
        create(shot.admin, new JsonObject().put("name", "migrate billing schema").put("profile", "flaky")
            .put("input", new JsonObject().put("message", "3 of 120 tests failed").put("retryable", false))
            .put("labels", new JsonObject().put("team", "billing")));
        create(shot.admin, new JsonObject().put("name", "summarize yesterday's incidents").put("profile", "noop")
            .put("labels", new JsonObject().put("team", "sre")));
        running.add(create(shot.admin, new JsonObject().put("name", "weekly report").put("profile", "sleep")
            .put("input", new JsonObject().put("ms", 120000)).put("labels", new JsonObject().put("team", "data"))));
        running.add(create(shot.admin, new JsonObject().put("name", "refactor payment module").put("profile", "process")
            .put("labels", new JsonObject().put("team", "billing").put("repo", "acme/pay"))));
        running.add(create(shot.admin, new JsonObject().put("name", "index repository acme/web").put("profile", "process")
            .put("labels", new JsonObject().put("team", "web"))));
        running.forEach(t -> awaitState(shot.admin, t, "running"));

        browser.signIn(shot.baseUrl(), TestOverseer.ADMIN_TOKEN);
        browser.awaitLive();
        for (String state : List.of("queued", "running", "retrying", "succeeded", "failed", "killed")) {
          browser.waitFor("a " + state + " row", d -> !d.findElements(
              By.cssSelector("[data-testid='task-row'] [data-testid='task-state'][data-state='" + state + "']")).isEmpty());
        }
        browser.waitFor("3 running agents beside the list", d -> d.findElements(id("side-agent")).size() >= 3);
        browser.waitFor("progress reported by every running task", d -> running.stream().allMatch(t -> {
          String text = d.findElement(in(row(t.getString("id")), "task-progress")).getText();
          return text.matches("(?s).*\\b[1-9][0-9]?%.*");
        }));
        browser.waitFor("the counts", d -> countOf("running") >= 3);

        new Actions(browser.driver).moveToLocation(1, 1).perform(); // no row under the pointer in the picture
        long height = (Long) browser.js("return Math.max(document.documentElement.scrollHeight, 900)");
        long chrome = (Long) browser.js("return window.outerHeight - window.innerHeight");
        browser.driver.manage().window().setSize(new Dimension(1440, (int) Math.min(height + chrome, 2400)));
        byte[] png = browser.driver.getScreenshotAs(OutputType.BYTES);
        assertThat(png.length).isGreaterThan(20_000);
        assertThat(new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.write(target, png);
        String wanted = System.getProperty("dashboard.screenshot");
        if (wanted != null && !wanted.isBlank()) {
          Path out = Path.of(wanted);
          if (out.getParent() != null) Files.createDirectories(out.getParent());
          Files.write(out, png);
        }
      } finally {
        browser.reset(); // leave no stream open: the service would wait for it when it stops
      }
    }
  }

  // ---- helpers

  private long countOf(String state) {
    String text = browser.textOrNull(id("count-" + state + "-value"));
    if (text == null || !text.matches("[0-9,]+")) return -1;
    return Long.parseLong(text.replace(",", ""));
  }

  private void openTask(String taskId) {
    browser.open(overseer.baseUrl() + "/#/task/" + taskId);
    browser.visible(By.cssSelector("[data-testid='task-page'][data-task-id='" + taskId + "']"));
    browser.visible(id("task-state"));
  }

  private static JsonObject create(ApiClient client, JsonObject body) {
    Response r = client.post("/api/v1/tasks", body);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  /** A token made through the API, as an admin would for a colleague; returns its value. */
  private static String token(String name, String role) {
    Response r = overseer.admin.post("/api/v1/tokens", new JsonObject().put("name", name).put("role", role));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("token");
  }

  private static String suffix() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
