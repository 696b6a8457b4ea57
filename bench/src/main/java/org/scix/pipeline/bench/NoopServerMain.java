package org.scix.pipeline.bench;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;

/**
 * gRPC's ceiling for Init on this machine: the same method and Avro codec as the gateway (decode
 * the request, answer it echoed with a job id and Pending), nothing else, on a direct executor.
 *
 * <p>With a second argument N (ms), it answers as late as a commit would: requests are answered
 * from one thread, in batches, every N ms. That isolates what waiting costs gRPC itself (fewer
 * calls per read and per write at the same concurrency) from what the gateway's work costs.
 */
public final class NoopServerMain {
  private NoopServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long answerEveryMs = args.length > 1 ? Long.parseLong(args[1]) : 0;
    SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
    BiConsumer<StreamObserver<byte[]>, byte[]> answer = answerEveryMs > 0 ? inBatches(answerEveryMs) : NoopServerMain::answer;
    ServerServiceDefinition init = ServerServiceDefinition.builder(TemplateApi.INIT_SERVICE)
        .addMethod(TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            ServerCalls.asyncServerStreamingCall((byte[] request, StreamObserver<byte[]> out) -> {
              TemplateInput job = codec.decode(request);
              job.setHash(JobIds.random());
              job.setStatus(statusenum.Pending);
              job.getTaskArgs().setPersistence(null);
              answer.accept(out, codec.encode(job));
            }))
        .build();
    Server server = NettyServerBuilder.forPort(port).directExecutor().addService(init).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }

  private static void answer(StreamObserver<byte[]> out, byte[] reply) {
    out.onNext(reply);
    out.onCompleted();
  }

  private record Waiting(StreamObserver<byte[]> out, byte[] reply) {}

  private static BiConsumer<StreamObserver<byte[]>, byte[]> inBatches(long everyMs) {
    LinkedBlockingQueue<Waiting> waiting = new LinkedBlockingQueue<>();
    Thread answerer = new Thread(() -> {
      List<Waiting> batch = new ArrayList<>();
      try {
        while (true) {
          Thread.sleep(everyMs);
          batch.add(waiting.take());
          waiting.drainTo(batch);
          batch.forEach(w -> answer(w.out(), w.reply()));
          batch.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "answerer");
    answerer.setDaemon(true);
    answerer.start();
    return (out, reply) -> waiting.add(new Waiting(out, reply));
  }
}
