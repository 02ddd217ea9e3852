package dev.overseer.config;

/** An invalid configuration: the message names the key and the reason. Start-up stops with exit status 2. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String reason) {
    super("invalid configuration: " + key + ": " + reason);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
