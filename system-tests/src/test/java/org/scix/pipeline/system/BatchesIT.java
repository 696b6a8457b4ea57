package org.scix.pipeline.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.core.job.JobStates;
import org.scix.pipeline.gateway.Gateway;
import org.scix.pipeline.localstack.KafkaStack;
import org.scix.pipeline.localstack.junit.KafkaStackExtension;
import org.scix.pipeline.schemas.batch.BatchJobsPage;
import org.scix.pipeline.schemas.batch.BatchRequest;
import org.scix.pipeline.schemas.batch.BatchSummary;
import org.scix.pipeline.schemas.batch.SplitRange;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.schemas.status.JobState;
import org.scix.pipeline.schemas.status.JobStatus;
import org.scix.pipeline.worker.runner.LoopSettings;
import org.scix.pipeline.worker.task.TaskSettings;

/** Batches and the fast lane on the real broker: all or nothing, each job once, and interactive jobs ahead of a running batch. */
@ExtendWith(KafkaStackExtension.class)
class BatchesIT {

  @Test
  void aBatchOfTenThousandStreamedInPartsIsAllPendingAtOnceAndRunsEachJobOnce(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("batch-gw");
      Gateway other = pipeline.startGateway("batch-gw-2");
      pipeline.startWorker("batch-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "0", LoopSettings.CONCURRENCY, "16"));
      ManagedChannel channel = channel(gateway.port());
      ManagedChannel otherChannel = channel(other.port());
      try {
        PipelineClient client = new PipelineClient(channel, 120);
        BatchSummary accepted = client.submitBatch(first(), days(LocalDate.of(2000, 1, 1), 10_000, 1000));
        assertThat(accepted.getTotal()).isEqualTo(10_000);
        assertThat(accepted.getPending()).isEqualTo(10_000);

        // Any replica answers for it at once (read barrier), every job counted.
        PipelineClient viaOther = new PipelineClient(otherChannel, 60);
        assertThat(viaOther.batchStatus(accepted.getBatchId()).getTotal()).isEqualTo(10_000);

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
            .until(() -> viaOther.batchStatus(accepted.getBatchId()).getSuccess() == 10_000);

        Set<String> paged = new HashSet<>();
        String after = null;
        do {
          BatchJobsPage page = client.batchJobs(accepted.getBatchId(), after, 1000);
          page.getJobs().forEach(job -> {
            assertThat(job.getStatus()).isEqualTo("Success");
            paged.add(job.getJobId());
          });
          after = page.getNext();
        } while (after != null);
        assertThat(paged).hasSize(10_000);

        // Each job once on the bulk input topic, and one terminal status each.
        List<String> onBulk = pipeline.records(pipeline.topics().bulkInput()).stream().map(r -> r.key()).toList();
        assertThat(onBulk).hasSize(10_000).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(paged);
        assertThat(pipeline.records(pipeline.topics().input())).isEmpty();
        Map<String, Long> terminals = pipeline.statusEvents().stream().filter(e -> JobStates.isTerminal(e.getStatus()))
            .collect(Collectors.groupingBy(JobStatus::getJobId, Collectors.counting()));
        assertThat(terminals).hasSize(10_000).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
        assertThat(pipeline.statusEvents().stream().filter(e -> JobStates.isTerminal(e.getStatus())))
            .allSatisfy(e -> assertThat(e.getBatchId()).isEqualTo(accepted.getBatchId()))
            .allSatisfy(e -> assertThat(e.getPriority()).isEqualTo("bulk"));
      } finally {
        channel.shutdownNow();
        otherChannel.shutdownNow();
      }
    }
  }

  @Test
  void aBatchWithOneBadEntryAtItsEndIsRefusedWholeAndLeavesNothingBehind(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("batch-bad-gw");
      ManagedChannel channel = channel(gateway.port());
      try {
        PipelineClient client = new PipelineClient(channel, 60);
        List<List<String>> parts = new ArrayList<>();
        days(LocalDate.of(2000, 1, 1), 5_000, 1000).forEachRemaining(parts::add);
        parts.add(List.of("2000-13-45"));

        assertThatThrownBy(() -> client.submitBatch(first(), parts.iterator()))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> {
              assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("dateranges[5000]");
            });
        BatchRequest unknownTask = BatchRequest.newBuilder(first()).setTask("SYMBOL9").build();
        assertThatThrownBy(() -> client.submitBatch(unknownTask, List.<List<String>>of().iterator()))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> assertThat(e.getMessage()).contains("task"));
        BatchRequest tooLarge = BatchRequest.newBuilder(first()).setSplit(new SplitRange("1700-01-01", "2100-01-01", 1)).build();
        assertThatThrownBy(() -> client.submitBatch(tooLarge, List.<List<String>>of().iterator()))
            .isInstanceOfSatisfying(PipelineClientException.class, e -> assertThat(e.getMessage()).contains("BATCH_MAX_JOBS"));

        // Nothing of them is visible to a read_committed reader: no job, no Pending.
        assertThat(pipeline.records(pipeline.topics().bulkInput())).isEmpty();
        assertThat(pipeline.statusEvents()).isEmpty();

        // A good batch after them goes through on the same producer.
        BatchSummary good = client.submitBatch(BatchRequest.newBuilder(first()).setSplit(new SplitRange("2020-01-01", "2020-01-31", 7))
            .build(), List.<List<String>>of().iterator());
        assertThat(good.getTotal()).isEqualTo(5);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void anInteractiveJobSubmittedBehindARunningBulkBatchOfTwentyThousandOvertakesItAndCancellingTheBatchStopsTheRest(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("lane-gw");
      pipeline.startWorker("lane-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "5", LoopSettings.CONCURRENCY, "4"));
      pipeline.awaitWorkersAssigned(1);
      ManagedChannel channel = channel(gateway.port());
      try {
        PipelineClient client = new PipelineClient(channel, 120);
        BatchSummary batch = client.submitBatch(BatchRequest.newBuilder(first())
            .setSplit(new SplitRange("1950-01-01", LocalDate.of(1950, 1, 1).plusDays(19_999).toString(), 1)).build(),
            List.<List<String>>of().iterator());
        assertThat(batch.getTotal()).isEqualTo(20_000);
        await().atMost(Duration.ofSeconds(60)).until(() -> client.batchStatus(batch.getBatchId()).getSuccess() > 0);

        String interactive = client.submit(new JobRequest(taskenum.SYMBOL1, null, null, null), null).jobId();
        assertThat(client.follow(interactive, u -> { }).status()).isEqualTo(statusenum.Success);

        // When the interactive job is done, most of the batch is still waiting: it did not queue behind it.
        BatchSummary then = client.batchStatus(batch.getBatchId());
        assertThat(then.getSuccess() + then.getError()).as("batch jobs done before the interactive job").isLessThan(10_000);

        // Cancelling it stops what has not run: every job still ends, once, most of them Error "cancelled".
        BatchSummary cancelled = client.cancelBatch(batch.getBatchId());
        assertThat(cancelled.getCancelRequested()).isGreaterThan(10_000);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
          BatchSummary now = client.batchStatus(batch.getBatchId());
          return now.getSuccess() + now.getError() == 20_000;
        });
        assertThat(client.batchStatus(batch.getBatchId()).getError()).isGreaterThan(10_000);
        Map<String, List<JobStatus>> ends = pipeline.statusEvents().stream().filter(e -> JobStates.isTerminal(e.getStatus()))
            .filter(e -> batch.getBatchId().equals(e.getBatchId())).collect(Collectors.groupingBy(JobStatus::getJobId));
        assertThat(ends).hasSize(20_000).allSatisfy((id, events) -> assertThat(events).as(id).hasSize(1));
        assertThat(ends.values().stream().map(events -> events.get(0)).filter(e -> e.getStatus() == JobState.Error))
            .allSatisfy(e -> assertThat(e.getErrorReason()).isEqualTo("cancelled"));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void anInteractiveJobOnAnotherReplicaEndsWhileABatchIsStillStreamingSlowlyToTheFirst(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway batchGateway = pipeline.startGateway("slow-batch-gw");
      Gateway other = pipeline.startGateway("slow-batch-gw-2");
      pipeline.startWorker("slow-batch-w", Map.of(TaskSettings.SIMULATE_ALL_MS, "0"));
      pipeline.awaitWorkersAssigned(1);
      ManagedChannel batchChannel = channel(batchGateway.port());
      ManagedChannel otherChannel = channel(other.port());
      try {
        // A slow client: 50 dateranges a second (enough to touch every status partition at once),
        // for at most 20 s, or until the interactive job has ended.
        CountDownLatch streaming = new CountDownLatch(1);
        AtomicBoolean interactiveEnded = new AtomicBoolean();
        AtomicBoolean streamEnded = new AtomicBoolean();
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Iterator<List<String>> slowly = new Iterator<>() {
          private final Iterator<List<String>> parts = days(LocalDate.of(2000, 1, 1), 50 * 100, 50);
          private int sent;

          @Override
          public boolean hasNext() {
            boolean more = sent < 3 || !interactiveEnded.get() && System.nanoTime() < until;
            streamEnded.set(!more);
            return more;
          }

          @Override
          public List<String> next() {
            if (sent > 0) {
              sleep(Duration.ofSeconds(1));
              streaming.countDown(); // the first part has been at the gateway for a second
            }
            sent++;
            return parts.next();
          }
        };
        CompletableFuture<BatchSummary> batch = CompletableFuture.supplyAsync(
            () -> new PipelineClient(batchChannel, 120).submitBatch(first(), slowly));
        assertThat(streaming.await(30, TimeUnit.SECONDS)).isTrue();

        PipelineClient client = new PipelineClient(otherChannel, 60);
        String interactive = client.submit(new JobRequest(taskenum.SYMBOL1, null, null, null), null).jobId();
        assertThat(client.follow(interactive, u -> { }).status()).isEqualTo(statusenum.Success);
        assertThat(streamEnded).as("the batch's stream was still open when the job on the other replica ended").isFalse();
        interactiveEnded.set(true);

        // The batch, sent to its end, is then written whole.
        BatchSummary accepted = batch.get(60, TimeUnit.SECONDS);
        assertThat(accepted.getTotal()).isGreaterThanOrEqualTo(150).isEqualTo(accepted.getPending());
        assertThat(client.batchStatus(accepted.getBatchId()).getTotal()).isEqualTo(accepted.getTotal());
      } finally {
        batchChannel.shutdownNow();
        otherChannel.shutdownNow();
      }
    }
  }

  @Test
  void aBatchRetriedWithItsIdempotencyKeyOnAnotherReplicaAnswersTheSameBatchAndIsWrittenOnce(KafkaStack stack) throws Exception {
    try (Pipeline pipeline = new Pipeline(stack)) {
      Gateway gateway = pipeline.startGateway("keyed-batch-gw");
      Gateway other = pipeline.startGateway("keyed-batch-gw-2");
      ManagedChannel channel = channel(gateway.port());
      ManagedChannel otherChannel = channel(other.port());
      try {
        BatchSummary first = new PipelineClient(channel, 60).submitBatch(first(), days(LocalDate.of(2000, 1, 1), 500, 100), "nightly-1");
        // The caller saw a transport break and sends it all again, to another replica.
        BatchSummary retry = new PipelineClient(otherChannel, 60).submitBatch(first(), days(LocalDate.of(2000, 1, 1), 500, 100),
            "nightly-1");
        BatchSummary otherKey = new PipelineClient(otherChannel, 60).submitBatch(first(), days(LocalDate.of(2000, 1, 1), 500, 100),
            "nightly-2");

        assertThat(retry.getBatchId()).isEqualTo(first.getBatchId());
        assertThat(retry.getTotal()).isEqualTo(500);
        assertThat(otherKey.getBatchId()).isNotEqualTo(first.getBatchId());
        List<String> onBulk = pipeline.records(pipeline.topics().bulkInput()).stream().map(r -> r.key()).toList();
        assertThat(onBulk).hasSize(1000).doesNotHaveDuplicates();
      } finally {
        channel.shutdownNow();
        otherChannel.shutdownNow();
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static BatchRequest first() {
    return BatchRequest.newBuilder().setTask("SYMBOL2").setIngest(true).setIngestType(null).setPriority(null).setSplit(null)
        .setDateranges(List.of()).build();
  }

  /** {@code count} single days from {@code start}, in lists of {@code perMessage}, made as they are taken. */
  private static Iterator<List<String>> days(LocalDate start, int count, int perMessage) {
    return new Iterator<>() {
      private int made;

      @Override
      public boolean hasNext() {
        return made < count;
      }

      @Override
      public List<String> next() {
        List<String> part = new ArrayList<>();
        while (made < count && part.size() < perMessage) {
          part.add(start.plusDays(made++).toString());
        }
        return part;
      }
    };
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }
}
