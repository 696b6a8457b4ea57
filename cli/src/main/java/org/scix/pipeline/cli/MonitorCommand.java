package org.scix.pipeline.cli;

import java.util.concurrent.Callable;
import org.scix.pipeline.client.JobUpdate;
import org.scix.pipeline.client.PipelineClient;
import org.scix.pipeline.client.PipelineClientException;
import org.scix.pipeline.schemas.input.statusenum;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "monitor", mixinStandardHelpOptions = true, description = "Print a job's status (with --follow, each change until it ends).")
final class MonitorCommand implements Callable<Integer> {
  @Mixin GatewayTarget gateway;

  @Parameters(index = "0", paramLabel = "JOB_ID")
  String jobId;

  @Option(names = "--follow")
  boolean follow;

  @Override
  public Integer call() {
    try (PipelineClient client = PipelineClient.connect(gateway.target)) {
      JobUpdate last = follow
          ? client.follow(jobId, u -> System.out.println(u.jobId() + " " + u.status()))
          : client.monitor(jobId);
      if (!follow) {
        System.out.println(last.jobId() + " " + last.status());
      }
      return last.status() == statusenum.Error ? 1 : 0;
    } catch (PipelineClientException e) {
      CliErrors.Explained explained = CliErrors.explain(e, gateway.target);
      System.err.println("error: " + explained.message());
      return explained.exitCode();
    }
  }
}
