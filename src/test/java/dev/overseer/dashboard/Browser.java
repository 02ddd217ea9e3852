package dev.overseer.dashboard;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.pagefactory.ByChained;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Debian chromium driven by Debian's chromedriver (nothing is downloaded), with a fresh profile
 * directory, and the waits the dashboard tests share. Selectors are the dashboard's data-testid attributes.
 */
final class Browser implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);

  final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  private Browser(ChromeDriver driver, ChromeDriverService service, Path profile) {
    this.driver = driver;
    this.service = service;
    this.profile = profile;
  }

  static Browser start() throws IOException {
    Path profile = Files.createTempDirectory("overseer-dashboard-chromium");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        // not needed by the tests, and each costs start-up time
        "--disable-extensions", "--disable-default-apps", "--no-default-browser-check", "--mute-audio",
        "--disable-features=Translate,MediaRouter,OptimizationHints", "--password-store=basic",
        "--window-size=1440,1000", "--user-data-dir=" + profile.toAbsolutePath());
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return new Browser(driver, service, profile);
  }

  // ---- selectors

  static By id(String testId) {
    return By.cssSelector("[data-testid='" + testId + "']");
  }

  static By row(String taskId) {
    return By.cssSelector("[data-testid='task-row'][data-task-id='" + taskId + "']");
  }

  static By in(By scope, String testId) {
    return new ByChained(scope, id(testId));
  }

  // ---- actions and waits

  void open(String url) {
    driver.get(url);
  }

  <T> T waitFor(String what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, WAIT)
        .ignoring(StaleElementReferenceException.class)
        .ignoring(NoSuchElementException.class)
        .withMessage(what)
        .until(condition);
  }

  WebElement visible(By by) {
    return waitFor(by + " to be visible", d -> {
      WebElement e = d.findElement(by);
      return e.isDisplayed() ? e : null;
    });
  }

  /** Waits until the element's text is exactly {@code expected}; returns it. */
  String textIs(By by, String expected) {
    waitFor(by + " to read '" + expected + "' (it reads '" + textOrNull(by) + "' when this message was made)",
        d -> expected.equals(d.findElement(by).getText().trim()));
    return expected;
  }

  /** Like textIs, on the element's text content (what is written, before CSS such as text-transform). */
  String contentIs(By by, String expected) {
    waitFor(by + " to contain the text '" + expected + "'",
        d -> expected.equals(d.findElement(by).getDomProperty("textContent").trim()));
    return expected;
  }

  String text(By by) {
    return visible(by).getText().trim();
  }

  String textOrNull(By by) {
    try {
      return driver.findElement(by).getText().trim();
    } catch (RuntimeException e) {
      return null;
    }
  }

  void click(By by) {
    waitFor(by + " to be clickable", d -> {
      WebElement e = d.findElement(by);
      if (!e.isDisplayed() || !e.isEnabled()) return false;
      e.click();
      return true;
    });
  }

  void type(By by, String text) {
    WebElement e = visible(by);
    e.clear();
    e.sendKeys(text);
  }

  List<WebElement> all(By by) {
    return driver.findElements(by);
  }

  boolean absent(By by) {
    return driver.findElements(by).isEmpty();
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  void signIn(String baseUrl, String token) {
    open(baseUrl + "/");
    type(id("token-input"), token);
    click(id("signin-submit"));
    visible(id("whoami-name"));
  }

  /** Waits until the live stream is connected (WebSocket, or its Server-Sent Events fallback). */
  String awaitLive() {
    waitFor("the live stream to connect", d -> "live".equals(d.findElement(id("stream-status")).getAttribute("data-status")));
    return driver.findElement(id("stream-status")).getAttribute("data-transport");
  }

  /** Forgets the page's session (signed out) and leaves it blank, for the next test. */
  void reset() {
    try {
      js("try { sessionStorage.clear(); localStorage.clear(); } catch (e) { }");
    } catch (RuntimeException ignored) {
      // not on a page of ours
    }
    driver.get("about:blank");
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1440, 1000));
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temp directory
      }
    }
  }
}
