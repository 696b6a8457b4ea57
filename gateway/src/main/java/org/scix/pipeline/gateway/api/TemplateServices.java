package org.scix.pipeline.gateway.api;

import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import org.scix.pipeline.schemas.grpc.RawBytesMarshaller;
import org.scix.pipeline.schemas.grpc.TemplateApi;

/** The gRPC service definitions of the original API, over raw bytes (decoding is the handlers' job). */
public final class TemplateServices {
  private TemplateServices() {}

  public static ServerServiceDefinition init(TemplateHandlers handlers) {
    return ServerServiceDefinition.builder(TemplateApi.INIT_SERVICE)
        .addMethod(TemplateApi.serverStreaming(TemplateApi.INIT_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            ServerCalls.asyncServerStreamingCall(handlers::initTemplate))
        .build();
  }

  public static ServerServiceDefinition cancel(TemplateHandlers handlers) {
    return ServerServiceDefinition.builder(TemplateApi.CANCEL_SERVICE)
        .addMethod(TemplateApi.unary(TemplateApi.CANCEL_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            ServerCalls.asyncUnaryCall(handlers::cancelTemplate))
        .build();
  }

  public static ServerServiceDefinition monitor(TemplateHandlers handlers) {
    return ServerServiceDefinition.builder(TemplateApi.MONITOR_SERVICE)
        .addMethod(TemplateApi.serverStreaming(TemplateApi.MONITOR_METHOD, RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE),
            ServerCalls.asyncServerStreamingCall(handlers::monitorTemplate))
        .build();
  }
}
