package org.scix.pipeline.cli;

import java.util.concurrent.Callable;
import org.scix.pipeline.core.config.Settings;
import org.scix.pipeline.gateway.GatewayMain;
import picocli.CommandLine.Command;

@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Run one gateway (configuration from the environment; see docs/configuration.md).")
final class GatewayCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    GatewayMain.run(Settings.fromEnvironment());
    return 0;
  }
}
