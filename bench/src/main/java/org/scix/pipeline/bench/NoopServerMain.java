package org.scix.pipeline.bench;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.scix.pipeline.core.job.JobIds;
import org.scix.pipeline.schemas.avro.SchemalessAvroCodec;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.input.statusenum;

/**
 * gRPC's ceiling for Init on this machine: the same method and Avro codec as the gateway (decode
 * the request, answer it echoed with a job id and Pending), nothing else, on a direct executor.
 */
public final class NoopServerMain {
  private NoopServerMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    SchemalessAvroCodec<TemplateInput> codec = SchemalessAvroCodec.of(TemplateInput.class);
    ServerServiceDefinition init = ServerServiceDefinition.builder(TemplateApi.INIT_SERVICE)
        .addMethod(TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            ServerCalls.asyncServerStreamingCall((byte[] request, StreamObserver<byte[]> out) -> {
              TemplateInput job = codec.decode(request);
              job.setHash(JobIds.random());
              job.setStatus(statusenum.Pending);
              job.getTaskArgs().setPersistence(null);
              out.onNext(codec.encode(job));
              out.onCompleted();
            }))
        .build();
    Server server = NettyServerBuilder.forPort(port).directExecutor().addService(init).build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }
}
