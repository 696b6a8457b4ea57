package org.scix.pipeline.gateway.submit;

import java.util.concurrent.CompletableFuture;
import org.scix.pipeline.schemas.input.TemplateInput;
import org.scix.pipeline.schemas.status.JobStatus;

/** One job on its way to Kafka; {@link #acknowledged} completes once the transaction holding it committed. */
record Submission(String jobId, TemplateInput job, JobStatus pending, CompletableFuture<Void> acknowledged) {}
