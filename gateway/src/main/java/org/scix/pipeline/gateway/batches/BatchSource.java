package org.scix.pipeline.gateway.batches;

/**
 * The dateranges a caller lists for a batch, taken one at a time as they arrive and staged
 * ({@link StagedDateranges}) before the batch's transaction opens: a gRPC stream, or a JSON body parsed
 * as it arrives.
 */
@FunctionalInterface
public interface BatchSource {
  /**
   * The next daterange the caller listed, or null after the last.
   *
   * @throws org.scix.pipeline.gateway.errors.InvalidRequestException if the caller sent something malformed
   * @throws org.scix.pipeline.gateway.errors.OperationTimeoutException if the caller stopped sending
   */
  String next() throws InterruptedException;

  BatchSource NONE = () -> null;
}
