package org.scix.pipeline.bench.chaos;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.bench.chaos.CallerLog.Feature;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.core.util.Threads;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Submits plain jobs steadily through one or more gateways and remembers what callers were told
 * ({@link CallerLog}); the history checker compares that with the topics.
 */
public final class SteadyLoad implements AutoCloseable {
  private static final JobRequest JOB = new JobRequest(taskenum.SYMBOL3, null, null, null);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CallerLog log = new CallerLog();

  /**
   * @param gatewayPorts gRPC ports of the gateways on this host; each thread uses one, in turn
   * @param pause between one thread's calls
   */
  public SteadyLoad(List<Integer> gatewayPorts, int threadCount, Duration pause) {
    for (int port : gatewayPorts) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
    for (int i = 0; i < threadCount; i++) {
      PipelineClient client = new PipelineClient(channels.get(i % channels.size()), 30);
      threads.add(Threads.daemon("steady-load-" + i, () -> submitUntilStopped(client, pause)));
    }
  }

  public SteadyLoad start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void submitUntilStopped(PipelineClient client, Duration pause) {
    while (running.get()) {
      try {
        log.accepted(Feature.PLAIN, client.submit(JOB, null).jobId());
      } catch (RuntimeException e) {
        Answers.refusedOrInDoubt(log, Feature.PLAIN, e);
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** What callers were told. */
  public CallerLog log() {
    return log;
  }

  /** Stops submitting and waits for the calls in flight. */
  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(Duration.ofSeconds(60).toMillis());
    }
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
