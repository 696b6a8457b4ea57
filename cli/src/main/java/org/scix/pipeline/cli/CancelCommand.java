package org.scix.pipeline.cli;

import java.util.concurrent.Callable;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job that has not finished; prints its status afterwards.")
final class CancelCommand implements Callable<Integer> {
  @Mixin GatewayTarget gateway;

  @Parameters(index = "0", paramLabel = "JOB_ID")
  String jobId;

  @Override
  public Integer call() {
    try (PipelineClient client = PipelineClient.connect(gateway.target)) {
      JobUpdate after = client.cancel(jobId);
      System.out.println(after.jobId() + " " + after.status());
      return 0;
    } catch (PipelineClientException e) {
      CliErrors.Explained explained = CliErrors.explain(e, gateway.target);
      System.err.println("error: " + explained.message());
      return explained.exitCode();
    }
  }
}
