package org.scix.pipeline.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * latency.*: submit to Success seen by the caller (persistent Init, no-op task) at a fixed offered
 * rate, next to Kafka's one-hop EndToEndLatency. Each latency is measured from the request's
 * <em>scheduled</em> send time, so a stall delays the schedule's later requests in the figures
 * too (no coordinated omission).
 */
final class JobLatency {
  /** initTemplate, SYMBOL1, persistence true. */
  private static final byte[] INIT_PERSISTENT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360001");
  private static final MethodDescriptor<byte[], byte[]> METHOD =
      TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE);

  private JobLatency() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    BenchConfig c = ctx.config();
    ctx.topics("bench-e2e");
    Map<String, String> env = new HashMap<>(Services.topics("bench-e2e", BenchContext.PARTITIONS));
    Services.Service gateway = ctx.services().gateway("bench-e2e-gw", env, "1g");
    env.put(TaskSettings.SIMULATE_ALL_MS, "0");
    ctx.services().worker("bench-e2e-w", env);
    ctx.say("latency: %d jobs/s, %d ms warm-up then %d s measured, submit -> Success", c.e2eRatePerSecond(),
        c.e2eWarmup().toMillis(), c.e2eDuration().toSeconds());
    // Warm-up at the same rate (JIT, connections, fetch sessions), drained completely, then the measured run.
    measure(gateway.grpcPort(), c.e2eRatePerSecond(), (int) (c.e2eRatePerSecond() * c.e2eWarmup().toMillis() / 1000));
    Histogram histogram = measure(gateway.grpcPort(), c.e2eRatePerSecond(), (int) (c.e2eRatePerSecond() * c.e2eDuration().toSeconds()));
    results.put("latency.e2e_p50_ms", histogram.getValueAtPercentile(50) / 1000.0);
    results.put("latency.e2e_p99_ms", histogram.getValueAtPercentile(99) / 1000.0);
    results.put("latency.e2e_offered_rate", c.e2eRatePerSecond());

    ctx.say("latency: Kafka EndToEndLatency, %d records", c.kafkaLatencyRecords());
    double[] kafka = KafkaTools.endToEndLatencyMs(ctx, "bench-e2e-latency", c.kafkaLatencyRecords(), SubmitThroughput.jobRecordSize());
    results.put("latency.kafka_e2e_p50_ms", kafka[0]);
    results.put("latency.kafka_e2e_p99_ms", kafka[1]);

    ctx.say("latency: Kafka's transactional round (begin, send, send offsets, commit), %d rounds", c.kafkaLatencyRecords() / 5);
    double[] txn = KafkaTools.transactionalRoundMs(ctx, "bench-txn-floor", c.kafkaLatencyRecords() / 5, SubmitThroughput.jobRecordSize(),
        null);
    results.put("latency.kafka_txn_p50_ms", txn[0]);
    results.put("latency.kafka_txn_p99_ms", txn[1]);
    // What that round's tail is made of: the same rounds with the 5 ms retry backoff our own
    // transactional producers use (TransactionalWriter) instead of Kafka's default 100 ms.
    double[] fastRetry = KafkaTools.transactionalRoundMs(ctx, "bench-txn-floor-fast-retry", c.kafkaLatencyRecords() / 5,
        SubmitThroughput.jobRecordSize(), 5);
    results.put("latency.kafka_txn_fast_retry_p50_ms", fastRetry[0]);
    results.put("latency.kafka_txn_fast_retry_p99_ms", fastRetry[1]);
  }

  /** Offers {@code jobs} at a fixed rate and waits for all of them; returns their latencies. */
  static Histogram measure(int port, int ratePerSecond, int jobs) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    CountDownLatch done = new CountDownLatch(jobs);
    long period = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    try {
      for (int i = 0; i < jobs; i++) {
        long scheduled = start + i * period;
        long wait;
        while ((wait = scheduled - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        ClientCalls.asyncServerStreamingCall(channel.newCall(METHOD, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.MINUTES)),
            INIT_PERSISTENT, new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) { }

              @Override
              public void onError(Throwable t) {
                done.countDown();
              }

              @Override
              public void onCompleted() {
                synchronized (histogram) {
                  histogram.recordValue(Math.max(1, (System.nanoTime() - scheduled) / 1000));
                }
                done.countDown();
              }
            });
      }
      if (!done.await(3, TimeUnit.MINUTES)) {
        throw new IllegalStateException(done.getCount() + " job(s) did not finish");
      }
    } finally {
      channel.shutdownNow();
    }
    return histogram;
  }
}
