package org.scix.pipeline.core.config;

/** Invalid configuration, detected at start. The message names the key. */
public class ConfigException extends RuntimeException {
  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
  }
}
