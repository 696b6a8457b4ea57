package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.Worker;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.ScriptedTask;
import org.scix.pipeline.worker.task.SimulatedTask;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromedriver packages, found at
 * /usr/bin; the test fails, never skips, when they are missing). Screenshots of each page go to
 * target/screenshots.
 */
@ExtendWith(KafkaStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIT {
  private static final String TOKEN = "a-test-token-of-some-length";
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private Pipeline pipeline;
  private Gateway gateway;
  private PipelineClient client;
  private ManagedChannel channel;
  private WebDriver browser;

  @BeforeAll
  void start(KafkaStack stack) throws Exception {
    pipeline = new Pipeline(stack);
    pipeline.settings.put(DashboardSettings.PORT, Integer.toString(Ports.free()));
    pipeline.settings.put(DashboardSettings.TOKEN, TOKEN);
    pipeline.settings.put(DashboardSettings.WORKER_GROUP_ID, pipeline.settings.get("WORKER_GROUP_ID"));
    gateway = pipeline.startGateway("dashboard-gw");
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    client = new PipelineClient(channel, 60);
    Files.createDirectories(SCREENSHOTS);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(requireFile("/usr/bin/chromium"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(requireFile("/usr/bin/chromedriver")).build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    pipeline.close();
  }

  @Test
  void aJobSubmittedThroughGrpcAppearsAndMovesToSuccessWithoutAReload() throws Exception {
    Worker worker = pipeline.startWorker("dashboard-live", Map.of("TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "1500"));
    try {
      open("#/jobs");
      waitFor(By.cssSelector("#live-state"), "live updates: on");

      JobUpdate submitted = client.submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null);

      By row = By.cssSelector("#jobs-table tr[data-job-id='" + submitted.jobId() + "'] .status-cell");
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(row));
      waitFor(row, "Success");
      screenshot("jobs");
      open("#/overview");
      new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(By.id("activity-chart")));
      assertThat(browser.findElement(By.cssSelector("#status-counts .card[data-status='Success'] .n")).getText()).isNotEqualTo("0");
      screenshot("overview");
    } finally {
      worker.close();
    }
  }

  @Test
  void aFailingJobShowsItsReasonInItsTimelineAndItsDeadLetterIsReplayedAsANewJobThatSucceeds() throws Exception {
    Worker failing = pipeline.startWorker("dashboard-failing", Map.of("TASK_SYMBOL2", "flaky", TaskSettings.MAX_ATTEMPTS, "2"));
    JobUpdate failed = client.submitAndFollow(new JobRequest(taskenum.SYMBOL2, null, null, "2024-01-01"), null, u -> { });
    failing.close();
    assertThat(failed.status()).isEqualTo(statusenum.Error);

    open("#/job/" + failed.jobId());
    waitFor(By.cssSelector("#timeline li[data-status='Error']"), "gave up after 2 attempt(s)");
    screenshot("job");

    // The same task, now bound to one that works: the replay must succeed as a new job.
    Worker working = pipeline.startWorker("dashboard-working", Map.of());
    try {
      open("#/dead-letters");
      By replay = By.cssSelector("#dlt-table tr .replay");
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(replay));
      screenshot("dead-letters");
      useToken(TOKEN); // the page draws itself again with it
      click(replay);
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.urlMatches("#/job/[0-9a-f]{64}"));
      String newJobId = browser.getCurrentUrl().replaceAll(".*#/job/", "");
      assertThat(newJobId).isNotEqualTo(failed.jobId());
      waitFor(By.cssSelector("#job-status"), "Success");
      assertThat(browser.findElement(By.id("job-facts")).getText()).contains(failed.jobId()); // replay of
      waitFor(By.cssSelector("#job-input pre"), "\"task\": \"SYMBOL2\""); // its submitted arguments, from the input topic
      waitFor(By.cssSelector("#job-outputs pre"), "\"record_id\""); // its results, from the output topic
      screenshot("replayed-job");
      assertThat(client.monitor(failed.jobId()).status()).isEqualTo(statusenum.Error); // the original keeps its one terminal status
    } finally {
      working.close();
    }
  }

  @Test
  void aScheduleShowsItsNextTickMovingOnAndCanBePausedFromThePage() throws Exception {
    Worker worker = pipeline.startWorker("dashboard-schedules", Map.of("TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "10"));
    try {
      java.net.http.HttpResponse<String> created = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + gateway.dashboardPort() + "/api/schedules"))
          .header("X-Dashboard-Token", TOKEN).header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"browser-every-2s\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\"}"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      open("#/schedules");
      useToken(TOKEN);
      open("#/schedules");
      By row = By.cssSelector("#schedules-table tr[data-name='browser-every-2s']");
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(row));
      String firstNext = browser.findElement(By.cssSelector("#schedules-table tr[data-name='browser-every-2s'] .next-tick")).getText();
      assertThat(firstNext).isNotBlank();
      // The page refreshes itself: the next tick moves on and the last tick fills in as the schedule ticks.
      new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class).until(d ->
          !d.findElement(By.cssSelector("#schedules-table tr[data-name='browser-every-2s'] .next-tick")).getText().equals(firstNext)
              && !d.findElement(By.cssSelector("#schedules-table tr[data-name='browser-every-2s'] .last-tick")).getText().isBlank());
      screenshot("schedules");

      clickUntil(By.cssSelector("#schedules-table tr[data-name='browser-every-2s'] button.pause"),
          By.cssSelector("#schedules-table tr[data-name='browser-every-2s'] .schedule-state"), "paused");
    } finally {
      worker.close();
    }
  }

  @Test
  void aBatchSubmittedFromThePageShowsItsProgressBarMovingToDone() throws Exception {
    Worker worker = pipeline.startWorker("dashboard-batches", Map.of("TASK_SYMBOL1", "simulated", SimulatedTask.MS_SETTING, "300",
        LoopSettings.CONCURRENCY, "2"));
    try {
      open("#/batches");
      useToken(TOKEN);
      open("#/batches");
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(By.id("batch-submit")));
      ((JavascriptExecutor) browser).executeScript("document.getElementById('batch-from').value = '2020-01-01';"
          + "document.getElementById('batch-to').value = '2020-02-09';");
      click(By.cssSelector("#batch-submit button[type=submit]"));

      By bar = By.id("batch-progress");
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(bar));
      WebElement first = browser.findElement(bar);
      assertThat(first.getAttribute("data-total")).isEqualTo("40");
      assertThat(Integer.parseInt(first.getAttribute("data-done"))).as("40 jobs of 300 ms, two at a time, are not done at once").isLessThan(40);
      screenshot("batch-running");
      // The page refreshes itself every second: the bar fills until every job is done.
      new WebDriverWait(browser, Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class)
          .until(d -> "40".equals(d.findElement(bar).getAttribute("data-done")));
      assertThat(browser.findElement(By.id("batch-counts")).getText()).contains("40 of 40 done (100%)").contains("40 success");
      screenshot("batch-done");
    } finally {
      worker.close();
    }
  }

  @Test
  void aRunningJobsPageShowsItsProgressBarMovingWithoutAReload() throws Exception {
    Worker worker = pipeline.startWorker("dashboard-progress", Map.of("TASK_SYMBOL3", ScriptedTask.NAME));
    try {
      // Five steps, 2 s apart: the page (refreshing every 2 s) sees at least two of them.
      String jobId = client.submit(new JobRequest(taskenum.SYMBOL3, null, "sleep=10000;progress=5", null), null).jobId();
      browser.get("about:blank"); // a fresh page load, whatever the previous test left running in this one
      open("#/job/" + jobId);
      By bar = By.cssSelector("#job-progress [role=progressbar]");
      new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class)
          .withMessage(() -> "no progress bar; the page shows: " + browser.findElement(By.tagName("body")).getText())
          .until(d -> !d.findElements(bar).isEmpty());
      WebElement first = browser.findElement(bar);
      assertThat(first.getAttribute("data-total")).isEqualTo("5");
      int firstDone = Integer.parseInt(first.getAttribute("data-done"));
      assertThat(firstDone).isBetween(1, 4);
      screenshot("job-progress");
      new WebDriverWait(browser, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class)
          .until(d -> Integer.parseInt(d.findElement(bar).getAttribute("data-done")) > firstDone);
      waitFor(By.cssSelector("#job-status"), "Success");
    } finally {
      worker.close();
    }
  }

  @Test
  void aTaskPausedFromThePageParksItsJobsAndResumingItRunsThem() throws Exception {
    Worker worker = pipeline.startWorker("dashboard-tasks", Map.of("TASK_SYMBOL1", "simulated", SimulatedTask.MS_SETTING, "10"));
    open("#/tasks");
    useToken(TOKEN);
    open("#/tasks");
    By state = By.cssSelector("#tasks-table tr[data-task='SYMBOL1'] .task-state");
    try {
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.presenceOfElementLocated(state));
      clickUntil(By.cssSelector("#tasks-table tr[data-task='SYMBOL1'] button.pause"), state, "paused");
      JobUpdate waiting = client.submit(new JobRequest(taskenum.SYMBOL1, null, null, "2024-02-02"), null);
      screenshot("task-paused");
      Thread.sleep(2000); // time enough for a worker to have run it, were the task not paused
      assertThat(client.monitor(waiting.jobId()).status()).isEqualTo(statusenum.Pending);

      clickUntil(By.cssSelector("#tasks-table tr[data-task='SYMBOL1'] button.resume"), state, "running");
      assertThat(client.follow(waiting.jobId(), u -> { }).status()).isEqualTo(statusenum.Success);
    } finally {
      client.resumeTask("SYMBOL1", "test cleanup"); // other tests use SYMBOL1
      worker.close();
    }
  }

  @Test
  void anActionWithoutTheTokenIsRefusedAndSaysWhy() throws Exception {
    // Long enough that the job still runs however long the clicks take; cancelled (with the token) at the end.
    Worker slow = pipeline.startWorker("dashboard-slow", Map.of("TASK_SYMBOL3", "simulated", SimulatedTask.MS_SETTING, "120000"));
    JobUpdate running = client.submit(new JobRequest(taskenum.SYMBOL3, null, null, null), null);
    try {
      open("#/job/" + running.jobId());
      useToken("");
      open("#/job/" + running.jobId());
      clickUntil(By.id("cancel-job"), By.id("error-banner"), "(401): this needs the dashboard token");
      assertThat(client.monitor(running.jobId()).status()).isNotEqualTo(statusenum.Error); // not cancelled

      useToken("a-wrong-token-of-some-length");
      open("#/job/" + running.jobId());
      clickUntil(By.id("cancel-job"), By.id("error-banner"), "(403): wrong dashboard token");
      screenshot("refused");
      assertThat(client.monitor(running.jobId()).status()).isNotEqualTo(statusenum.Error);
    } finally {
      client.cancel(running.jobId());
      slow.close();
    }
  }

  private void open(String fragment) {
    browser.get("http://127.0.0.1:" + gateway.dashboardPort() + "/dashboard/" + fragment);
  }

  /** Clicks what {@code element} finds once it is there, finding it again if a live update redrew the page meanwhile. */
  private void click(By element) {
    new WebDriverWait(browser, Duration.ofSeconds(20)).ignoring(StaleElementReferenceException.class).until(d -> {
      d.findElement(element).click();
      return true;
    });
  }

  /**
   * Clicks until {@code shown} shows {@code text}: a live update may redraw the page between
   * finding the button and the click landing, and a click on the replaced button does nothing.
   */
  private void clickUntil(By button, By shown, String text) {
    new WebDriverWait(browser, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class).until(d -> {
      d.findElement(button).click();
      try {
        new WebDriverWait(d, Duration.ofSeconds(3)).until(ExpectedConditions.textToBePresentInElementLocated(shown, text));
        return true;
      } catch (TimeoutException notYet) {
        return false;
      }
    });
  }

  private void useToken(String token) {
    WebElement field = browser.findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
    browser.findElement(By.cssSelector("#token-form button")).click();
  }

  private void waitFor(By element, String text) {
    new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.textToBePresentInElementLocated(element, text));
  }

  private void screenshot(String name) throws Exception {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve("dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static File requireFile(String path) {
    File file = new File(path);
    if (!file.canExecute()) {
      throw new IllegalStateException(path + " is missing: install Debian's chromium and chromium-driver packages (.ci/run does)");
    }
    return file;
  }
}
