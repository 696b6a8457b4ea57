package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.core.kafka.ControlRecords;
import org.scix.pipeline.core.kafka.DelayedRecords;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.gateway.dashboard.DashboardSettings;
import org.scix.pipeline.localstack.ChildProcess;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.Ports;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.schedule.ScheduleDefinition;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.task.TaskSettings;

/** Schedules on the real broker: one job per tick, across two gateway replicas, one of them killed and restarted. */
@ExtendWith(KafkaStackExtension.class)
class SchedulesIT {
  private static final String TOKEN = "schedules-it-dashboard-token";
  private static final long EVERY_MS = 2000;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aScheduleEveryTwoSecondsMakesExactlyOneJobPerTickWhileAReplicaIsKilledAndRestarted(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      pipeline.settings.put(DashboardSettings.TOKEN, TOKEN);
      Gateway steady = pipeline.startGateway("sched-steady");
      int port = Ports.free();
      ChildProcess restarted = pipeline.startGatewayProcess("sched-restarted", port);
      pipeline.startWorker("sched-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "10"));

      // One schedule per partition: whichever partitions the killed replica owns, some schedule is on them.
      int partitions = Integer.parseInt(pipeline.settings.get("TOPIC_PARTITIONS"));
      Map<Integer, String> names = new HashMap<>();
      for (int i = 0; names.size() < partitions; i++) {
        names.putIfAbsent(DelayedRecords.partitionFor("every2s-" + i, partitions), "every2s-" + i);
      }
      for (String name : names.values()) {
        HttpResponse<String> created = post(steady, "/api/schedules",
            "{\"name\":\"" + name + "\",\"task\":\"SYMBOL3\",\"every\":\"PT2S\",\"daterange\":\"{tick-1}\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      }
      JsonNode listed = json.readTree(get(steady, "/api/schedules").body());
      assertThat(listed.get("schedules")).hasSize(partitions);
      assertThat(listed.get("schedules").get(0).get("next_tick").asText()).isNotEmpty();

      Thread.sleep(15_000);
      restarted.kill(); // its schedules move to the other replica after the group's session timeout
      Thread.sleep(15_000);
      pipeline.startGatewayProcess("sched-restarted", port);
      Thread.sleep(20_000);
      for (String name : names.values()) {
        assertThat(post(steady, "/api/schedules/" + name + "/pause", "").statusCode()).isEqualTo(200);
      }
      Thread.sleep(3_000); // a tick in flight when paused commits

      // Every tick from each schedule's first to its last has exactly one job (on the bulk topic: schedules are bulk), and each ran once.
      assertThat(pipeline.records(pipeline.topics().input())).as("no tick on the interactive topic").isEmpty();
      Map<String, Long> inputRecords = pipeline.records(pipeline.topics().bulkInput()).stream()
          .filter(r -> ControlRecords.instruction(r.headers()) == null).collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
      List<String> tickJobs = new ArrayList<>();
      for (String name : names.values()) {
        TreeSet<Long> ticks = new TreeSet<>();
        for (long t = System.currentTimeMillis() / EVERY_MS * EVERY_MS; t > System.currentTimeMillis() - 120_000; t -= EVERY_MS) {
          if (inputRecords.containsKey(JobIds.forScheduleTick(name, t))) {
            ticks.add(t);
          }
        }
        assertThat(ticks.size()).as("ticks of %s", name).isGreaterThan(20);
        for (long t = ticks.first(); t <= ticks.last(); t += EVERY_MS) {
          String id = JobIds.forScheduleTick(name, t);
          assertThat(inputRecords.get(id)).as("jobs of %s's tick %d", name, t).isEqualTo(1L);
          tickJobs.add(id);
        }
      }
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        Map<String, List<JobStatus>> ends = pipeline.statusEvents().stream().filter(e -> JobStates.isTerminal(e.getStatus()))
            .collect(Collectors.groupingBy(JobStatus::getJobId));
        assertThat(tickJobs).allSatisfy(id -> assertThat(ends.get(id)).as("terminal statuses of %s", id).hasSize(1));
      });
      Set<String> all = Set.copyOf(tickJobs);
      assertThat(all).hasSameSizeAs(tickJobs);
    }
  }

  /** The gRPC surface: create, list with the next tick, pause; a bad definition and an unknown name answer by field and NOT_FOUND. */
  @Test
  void schedulesAreManagedOverGrpcAsOverJson(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("schedules-grpc");
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
          .usePlaintext().build();
      try {
        PipelineClient client = new PipelineClient(channel, 30);
        ScheduleDefinition nightly = ScheduleDefinition.newBuilder()
            .setName("grpc-nightly").setTask("SYMBOL1").setCron("0 2 * * *").setZone("Europe/Berlin").setDaterange("{tick-1}").build();
        var created = client.createSchedule(nightly);
        assertThat(created.getDefinition().getPriority()).isEqualTo("bulk");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.listSchedules().stream()
            .anyMatch(s -> s.getDefinition().getName().equals("grpc-nightly") && s.getNextTick() != null));
        assertThat(client.pauseSchedule("grpc-nightly").getDefinition().getPaused()).isTrue();

        var badCron = ScheduleDefinition.newBuilder(nightly).setCron("61 * * * *").build();
        assertThatThrownBy(() -> client.createSchedule(badCron))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> {
              assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("cron");
            });
        assertThatThrownBy(() -> client.pauseSchedule("no-such-schedule"))
            .isInstanceOfSatisfying(PipelineClientException.class,
                e -> assertThat(e.status().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        client.deleteSchedule("grpc-nightly");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.listSchedules().stream()
            .noneMatch(s -> s.getDefinition().getName().equals("grpc-nightly")));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private HttpResponse<String> post(Gateway gateway, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort() + path))
        .header("X-Dashboard-Token", TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(Gateway gateway, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.dashboardPort() + path))
        .header("X-Dashboard-Token", TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
