package dev.overseer.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Builds the configuration: the built-in defaults, then one YAML file ({@code conf/overseer.yaml} or the
 * one given with {@code --config}), then environment variables named after each key.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static OverseerConfig load(Path file, Map<String, String> env) {
    return fromTree(readYaml(file), env);
  }

  public static OverseerConfig fromTree(Map<String, Object> tree, Map<String, String> env) {
    return OverseerConfig.read(new ConfigReader(tree, env));
  }

  /** Parses YAML text into a tree; used by tests that build a config in memory. */
  public static Map<String, Object> parseYaml(String yaml, String origin) {
    try {
      Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
      return asTree(doc, origin);
    } catch (YAMLException e) {
      throw new ConfigException(origin, "not valid YAML: " + e.getMessage());
    }
  }

  private static Map<String, Object> readYaml(Path file) {
    if (file == null) return Map.of();
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file.toString(), "config file not found");
    }
    try (Reader reader = Files.newBufferedReader(file)) {
      return asTree(new Yaml(new SafeConstructor(new LoaderOptions())).load(reader), file.toString());
    } catch (YAMLException e) {
      throw new ConfigException(file.toString(), "not valid YAML: " + e.getMessage());
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "cannot be read: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asTree(Object doc, String origin) {
    if (doc == null) return new LinkedHashMap<>();
    if (!(doc instanceof Map)) throw new ConfigException(origin, "the top level must be a map of keys");
    return (Map<String, Object>) doc;
  }
}
