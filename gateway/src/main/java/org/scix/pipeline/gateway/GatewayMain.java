package org.scix.pipeline.gateway;

import java.time.Duration;
import org.scix.pipeline.core.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one gateway until SIGTERM/SIGINT. Configuration from the environment (docs/configuration.md). */
public final class GatewayMain {
  private static final Logger log = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {}

  public static void main(String[] args) throws Exception {
    run(Settings.fromEnvironment());
  }

  public static void run(Settings settings) throws Exception {
    GatewayConfig config = GatewayConfig.from(settings);
    Gateway gateway = Gateway.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutdown requested");
      gateway.close();
    }, "gateway-shutdown"));
    if (!gateway.awaitServing(Duration.ofMinutes(5))) {
      log.warn("gateway not serving after 5 minutes (status view or Kafka not ready)");
    } else {
      log.info("gateway ready: serving on port {}", gateway.port());
    }
    // Runs until the shutdown hook ends the process, or until another replica takes over this
    // one's instance id: then it stops, rather than fence its twin back and forth.
    String why = gateway.fenced().join();
    log.error("stopping: {}", why);
    gateway.close();
    System.exit(3);
  }
}
