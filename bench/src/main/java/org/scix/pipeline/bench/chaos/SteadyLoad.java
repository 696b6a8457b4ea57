package org.scix.pipeline.bench.chaos;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scix.pipeline.client.JobRequest;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.schemas.input.taskenum;

/**
 * Submits jobs steadily through one or more gateways and remembers what callers were told: the
 * job ids acknowledged (Pending), the ids answered "outcome unknown" (DEADLINE_EXCEEDED names
 * the job), and how many calls were refused. The history checker compares that with the topics.
 */
public final class SteadyLoad implements AutoCloseable {
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{64}");
  private static final JobRequest JOB = new JobRequest(taskenum.SYMBOL3, null, null, null);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final Set<String> inDoubt = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();

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
      Thread thread = new Thread(() -> submitUntilStopped(client, pause), "steady-load-" + i);
      thread.setDaemon(true);
      threads.add(thread);
    }
  }

  public SteadyLoad start() {
    threads.forEach(Thread::start);
    return this;
  }

  private void submitUntilStopped(PipelineClient client, Duration pause) {
    while (running.get()) {
      try {
        acked.add(client.submit(JOB, null).jobId());
      } catch (PipelineClientException e) {
        refused.incrementAndGet();
        if (e.status().getCode() == Status.Code.DEADLINE_EXCEEDED && e.status().getDescription() != null) {
          Matcher id = JOB_ID.matcher(e.status().getDescription());
          if (id.find()) {
            inDoubt.add(id.group());
          }
        }
      } catch (RuntimeException e) {
        refused.incrementAndGet();
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Job ids callers saw Pending for. */
  public Set<String> acked() {
    return acked;
  }

  /** Job ids answered "outcome unknown": each may exist or not, but never twice. */
  public Set<String> inDoubt() {
    return inDoubt;
  }

  public int refused() {
    return refused.get();
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
