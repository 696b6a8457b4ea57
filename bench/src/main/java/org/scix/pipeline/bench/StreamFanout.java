package org.scix.pipeline.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;
import org.scix.pipeline.schemas.input.task_args_record;
import org.scix.pipeline.schemas.input.taskenum;
import org.scix.pipeline.worker.task.TaskSettings;

/**
 * fanout.*: gateway heap per open Monitor stream, with N streams following N pending jobs; then a
 * worker runs the jobs and each stream's Success is timed from the status event's time (set by
 * the worker when the job ended) to its arrival at the client.
 */
final class StreamFanout {
  private static final MethodDescriptor<byte[], byte[]> MONITOR =
      TemplateApi.serverStreaming(TemplateApi.MONITOR_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE);
  private static final int STREAMS_PER_CONNECTION = 500;

  private StreamFanout() {}

  static void run(BenchContext ctx, Results results) throws Exception {
    int streams = ctx.config().fanoutStreams();
    String prefix = "bench-fanout";
    var topics = ctx.topics(prefix);
    Map<String, String> env = new HashMap<>(Services.topics(prefix, BenchContext.PARTITIONS));
    Services.Service gateway = ctx.services().gateway("bench-fanout-gw", env, "1g");
    List<String> jobs = submit(gateway.grpcPort(), streams);

    long before = Heap.liveBytes(ctx.services(), gateway);
    List<ManagedChannel> channels = new ArrayList<>();
    Map<String, Long> successArrivals = new ConcurrentHashMap<>();
    CountDownLatch opened = new CountDownLatch(streams);
    CountDownLatch ended = new CountDownLatch(streams);
    SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
    try {
      for (int i = 0; i < streams; i++) {
        if (i % STREAMS_PER_CONNECTION == 0) {
          channels.add(NettyChannelBuilder.forAddress("127.0.0.1", gateway.grpcPort()).usePlaintext().build());
        }
        String jobId = jobs.get(i);
        ClientCalls.asyncServerStreamingCall(channels.get(channels.size() - 1).newCall(MONITOR, CallOptions.DEFAULT),
            monitorRequest(codec, jobId), new StreamObserver<>() {
              private boolean first = true;

              @Override
              public void onNext(byte[] value) {
                if (first) {
                  first = false;
                  opened.countDown();
                }
                if (codec.decode(value).getStatus() == statusenum.Success) {
                  successArrivals.put(jobId, System.currentTimeMillis());
                }
              }

              @Override
              public void onError(Throwable t) {
                opened.countDown();
                ended.countDown();
              }

              @Override
              public void onCompleted() {
                ended.countDown();
              }
            });
      }
      if (!opened.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException(opened.getCount() + " stream(s) did not open");
      }
      double open = ctx.services().metric(gateway, "pipeline_streams_open");
      long after = Heap.liveBytes(ctx.services(), gateway);
      ctx.say("fanout: %d streams open (gateway reports %.0f), live heap %d -> %d bytes", streams, open, before, after);
      results.put("fanout.streams", streams);
      results.put("fanout.heap_bytes_per_stream", (after - before) / (double) streams);

      env.put(TaskSettings.SIMULATE_ALL_MS, "0");
      ctx.services().worker("bench-fanout-w", env);
      if (!ended.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException(ended.getCount() + " stream(s) did not end");
      }
      Map<String, Long> successTimes = Topics.awaitSuccesses(ctx, topics.status(), streams, Duration.ofMinutes(1));
      Histogram notify = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
      successArrivals.forEach((jobId, arrived) -> notify.recordValue(Math.max(0, arrived - successTimes.get(jobId))));
      results.put("fanout.notify_p50_ms", notify.getValueAtPercentile(50));
      results.put("fanout.notify_p99_ms", notify.getValueAtPercentile(99));
      // The gateway's own share: from its status reader receiving the change to the stream written
      // (the rest is the worker's commit and Kafka delivering a committed record, and the client).
      results.put("fanout.gateway_share_p50_ms", 1000 * ctx.services().metric(gateway, "pipeline_status_notify_seconds", "quantile=\"0.5\""));
      results.put("fanout.gateway_share_p99_ms", 1000 * ctx.services().metric(gateway, "pipeline_status_notify_seconds", "quantile=\"0.99\""));
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Submits jobs (non-persistent Init) while no worker runs, so they stay Pending. */
  private static List<String> submit(int port, int count) throws InterruptedException {
    SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
    MethodDescriptor<byte[], byte[]> init = TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    Semaphore window = new Semaphore(256);
    try {
      for (int i = 0; i < count; i++) {
        window.acquire();
        ClientCalls.asyncServerStreamingCall(channel.newCall(init, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.MINUTES)), SubmitLoad.INIT,
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {
                ids.add(codec.decode(value).getHash());
              }

              @Override
              public void onError(Throwable t) {
                window.release();
              }

              @Override
              public void onCompleted() {
                window.release();
              }
            });
      }
      window.acquire(256);
    } finally {
      channel.shutdownNow();
    }
    if (ids.size() != count) {
      throw new IllegalStateException("only " + ids.size() + " of " + count + " jobs were accepted");
    }
    return new ArrayList<>(ids);
  }

  private static byte[] monitorRequest(SchemalessAvroCodec<TemplateInput> codec, String jobId) {
    return codec.encode(TemplateInput.newBuilder().setHash(jobId).setId(null).setTask(taskenum.MONITOR).setStatus(null)
        .setTaskArgs(task_args_record.newBuilder().setIngest(null).setIngestType(null).setDaterange(null).setPersistence(true).build())
        .build());
  }
}
