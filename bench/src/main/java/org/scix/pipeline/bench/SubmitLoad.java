package org.scix.pipeline.bench;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/**
 * Saturating Init load from this JVM: requests are sent as fast as the window of outstanding
 * calls allows (no think time, no waiting for a schedule), over several connections, and the calls
 * completed inside the measuring window are counted. Non-persistent requests: one Pending each.
 */
final class SubmitLoad {
  /** initTemplate, SYMBOL1, persistence false: the first vector of PROTOCOL.md. */
  static final byte[] INIT = HexFormat.of().parseHex("02020000020102106d657461646174610214323032332d30342d32360000");
  private static final MethodDescriptor<byte[], byte[]> METHOD =
      TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE);

  /** @param cpuMicrosPerCall the server process's CPU time over the measured window per call answered in it */
  record Outcome(double callsPerSecond, long failed, double cpuMicrosPerCall) {}

  private SubmitLoad() {}

  /**
   * Sends exactly {@code count} Init calls, {@code outstanding} at a time (as {@code ./pipeline submit --count} does), and
   * returns once every one was answered; the number that failed.
   */
  static long sendAll(int port, int count, int outstanding) throws InterruptedException {
    List<ManagedChannel> channels = channels(port);
    Semaphore window = new Semaphore(outstanding);
    AtomicLong failed = new AtomicLong();
    try {
      for (int i = 0; i < count; i++) {
        window.acquire();
        send(channels.get(i % channels.size()), Duration.ofSeconds(60), () -> { }, failed, window);
      }
      window.acquire(outstanding); // every call answered
      return failed.get();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Four plaintext connections to the server on {@code port} (calls are spread over them). */
  private static List<ManagedChannel> channels(int port) {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor().build());
    }
    return channels;
  }

  /** One Init call; when it ends it runs {@code onSuccess} (or counts a failure) and gives its place in {@code window} back. */
  private static void send(ManagedChannel channel, Duration deadline, Runnable onSuccess, AtomicLong failed, Semaphore window) {
    ClientCall<byte[], byte[]> call = channel.newCall(METHOD, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    ClientCalls.asyncServerStreamingCall(call, INIT, new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) { }

      @Override
      public void onError(Throwable t) {
        failed.incrementAndGet();
        window.release();
      }

      @Override
      public void onCompleted() {
        onSuccess.run();
        window.release();
      }
    });
  }

  /** Keeps {@code outstanding} Init calls open against the server on {@code port} (process {@code serverPid}). */
  static Outcome run(int port, long serverPid, int outstanding, Duration warmup, Duration measure) throws InterruptedException {
    List<ManagedChannel> channels = channels(port);
    Semaphore window = new Semaphore(outstanding);
    AtomicLong counted = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long begin = System.nanoTime();
    long measureFrom = begin + warmup.toNanos();
    long measureTo = measureFrom + measure.toNanos();
    long cpuAtStart = -1;
    long cpuAtEnd = -1;
    try {
      int next = 0;
      while (System.nanoTime() < measureTo) {
        if (cpuAtStart < 0 && System.nanoTime() >= measureFrom) {
          cpuAtStart = ProcessCpu.nanos(serverPid);
        }
        if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        send(channels.get(next++ % channels.size()), Duration.ofSeconds(30), () -> {
          long now = System.nanoTime();
          if (now >= measureFrom && now < measureTo) {
            counted.incrementAndGet();
          }
        }, failed, window);
      }
      cpuAtEnd = ProcessCpu.nanos(serverPid);
      window.tryAcquire(outstanding, 30, TimeUnit.SECONDS); // let the last calls finish
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
    long calls = Math.max(1, counted.get());
    return new Outcome(counted.get() / (measure.toNanos() / 1e9), failed.get(), (cpuAtEnd - cpuAtStart) / 1000.0 / calls);
  }
}
