package org.scix.pipeline.bench;

import java.time.Duration;

/**
 * How much load each benchmark puts on: {@link #full()} for the figures in docs/benchmarks.md,
 * {@link #quick()} for a look in under 3 minutes, {@link #tiny()} for the harness test.
 */
public record BenchConfig(
    String name,
    Duration submitWarmup,
    Duration submitMeasure,
    int submitConcurrency,
    int producerRecords,
    int e2eRatePerSecond,
    Duration e2eWarmup,
    Duration e2eDuration,
    int kafkaLatencyRecords,
    int sequentialJobs,
    int oneProcessJobs,
    int twoProcessJobs,
    int fanoutStreams,
    int statusViewJobs,
    Duration soakRetention,
    int soakJobsPerSecond,
    Duration idleWindow,
    Duration headOfLineLongJob,
    int headOfLineJobs,
    int fastLaneBulkJobs,
    int fastLaneJobs,
    int noopWarmupJobs,
    Duration noopWarmup,
    int noopJobs) {

  public static BenchConfig full() {
    return new BenchConfig("full", Duration.ofSeconds(5), Duration.ofSeconds(15), 256, 500_000,
        200, Duration.ofSeconds(60), Duration.ofSeconds(20), 5_000, 150, 4_000, 8_000, 5_000, 10_000_000,
        Duration.ofSeconds(20), 2_000, Duration.ofSeconds(60), Duration.ofSeconds(30), 200, 50_000, 200, 5_000, Duration.ofSeconds(60), 20_000);
  }

  public static BenchConfig quick() {
    return new BenchConfig("quick", Duration.ofSeconds(2), Duration.ofSeconds(5), 128, 100_000,
        100, Duration.ofSeconds(3), Duration.ofSeconds(5), 1_000, 40, 800, 1_600, 1_000, 1_000_000,
        Duration.ofSeconds(10), 1_000, Duration.ofSeconds(10), Duration.ofSeconds(10), 60, 20_000, 60, 2_000, Duration.ofSeconds(10), 5_000);
  }

  public static BenchConfig tiny() {
    return new BenchConfig("tiny", Duration.ofSeconds(2), Duration.ofSeconds(2), 8, 2_000,
        20, Duration.ofMillis(500), Duration.ofSeconds(2), 100, 5, 40, 80, 20, 2_000,
        Duration.ofSeconds(2), 100, Duration.ofSeconds(2), Duration.ofSeconds(3), 10, 8_000, 10, 50, Duration.ZERO, 200);
  }

  /** The same, with {@code jobs} status events in the status-view scenario (the 100-million run). */
  public BenchConfig withStatusViewJobs(int jobs) {
    if (jobs < 1) {
      throw new IllegalArgumentException("status-view jobs must be >= 1, got " + jobs);
    }
    return new BenchConfig(name, submitWarmup, submitMeasure, submitConcurrency, producerRecords, e2eRatePerSecond, e2eWarmup, e2eDuration,
        kafkaLatencyRecords, sequentialJobs, oneProcessJobs, twoProcessJobs, fanoutStreams, jobs, soakRetention, soakJobsPerSecond,
        idleWindow, headOfLineLongJob, headOfLineJobs, fastLaneBulkJobs, fastLaneJobs, noopWarmupJobs, noopWarmup, noopJobs);
  }
}
