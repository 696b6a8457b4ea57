package org.scix.pipeline.gateway.api;

import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The status streams open on this gateway, so shutdown can end them and metrics can count them. */
final class OpenStreams {
  private final Set<StatusStream> streams = ConcurrentHashMap.newKeySet();

  void add(StatusStream stream) {
    streams.add(stream);
  }

  void remove(StatusStream stream) {
    streams.remove(stream);
  }

  int size() {
    return streams.size();
  }

  void abortAll(Status status) {
    for (StatusStream stream : List.copyOf(streams)) {
      stream.abort(status);
    }
  }
}
