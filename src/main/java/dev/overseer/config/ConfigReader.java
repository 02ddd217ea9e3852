package dev.overseer.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values out of the merged YAML tree, each key overridable by an environment variable
 * ({@link #envName}), and remembers which keys were read so that {@link #rejectUnknownKeys()} can name
 * any key nobody asked for: a typo in the config stops start-up instead of being silently ignored.
 */
public final class ConfigReader {
  private final Map<String, Object> tree;
  private final Map<String, String> env;
  private final Set<String> readKeys = new HashSet<>();
  private final Set<String> readSections = new HashSet<>();

  public ConfigReader(Map<String, Object> tree, Map<String, String> env) {
    this.tree = tree;
    this.env = env;
  }

  /** {@code db.poolSize} is overridden by {@code OVERSEER_DB_POOL_SIZE}; {@code dataDir} by {@code OVERSEER_DATA_DIR}. */
  public static String envName(String key) {
    StringBuilder name = new StringBuilder("OVERSEER_");
    for (char c : key.toCharArray()) {
      if (c == '.' || c == '-') {
        name.append('_');
      } else if (Character.isUpperCase(c)) {
        name.append('_').append(c);
      } else {
        name.append(Character.toUpperCase(c));
      }
    }
    return name.toString().toUpperCase(Locale.ROOT);
  }

  public String string(String key, String fallback) {
    Object value = raw(key);
    if (value == null) return fallback;
    if (value instanceof Map || value instanceof List) throw new ConfigException(key, "expected a string");
    return value.toString();
  }

  public int integer(String key, int fallback, int min, int max) {
    Object value = raw(key);
    if (value == null) return fallback;
    long parsed;
    if (value instanceof Integer || value instanceof Long) {
      parsed = ((Number) value).longValue();
    } else if (value instanceof String s && s.trim().matches("-?\\d{1,10}")) {
      parsed = Long.parseLong(s.trim());
    } else {
      throw new ConfigException(key, "expected an integer, got '" + value + "'");
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + parsed);
    }
    return (int) parsed;
  }

  public double decimal(String key, double fallback, double min, double max) {
    Object value = raw(key);
    if (value == null) return fallback;
    double parsed;
    try {
      parsed = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected a number, got '" + value + "'");
    }
    if (!(parsed >= min && parsed <= max)) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + parsed);
    }
    return parsed;
  }

  public boolean bool(String key, boolean fallback) {
    Object value = raw(key);
    if (value == null) return fallback;
    if (value instanceof Boolean b) return b;
    String text = value.toString().trim().toLowerCase(Locale.ROOT);
    if (text.equals("true")) return true;
    if (text.equals("false")) return false;
    throw new ConfigException(key, "expected true or false, got '" + value + "'");
  }

  public Duration duration(String key, Duration fallback, Duration min) {
    Object value = raw(key);
    if (value == null) return fallback;
    if (!(value instanceof String text)) {
      throw new ConfigException(key, "expected a duration such as 30s or PT30S, got '" + value + "'");
    }
    Duration parsed;
    try {
      parsed = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
    if (parsed.compareTo(min) < 0) {
      throw new ConfigException(key, "must be at least " + Durations.format(min) + ", got " + text);
    }
    return parsed;
  }

  public long bytes(String key, long fallback, long min, long max) {
    Object value = raw(key);
    if (value == null) return fallback;
    long parsed;
    try {
      parsed = ByteSizes.parse(value.toString());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + " bytes, got " + value);
    }
    return parsed;
  }

  /** A list of strings, such as an argv. An environment override is not supported for lists. */
  public List<String> stringList(String key, List<String> fallback) {
    Object value = raw(key);
    if (value == null) return fallback;
    if (!(value instanceof List<?> list)) throw new ConfigException(key, "expected a list of strings");
    List<String> out = new ArrayList<>();
    for (Object item : list) {
      if (item == null || item instanceof Map || item instanceof List) {
        throw new ConfigException(key, "expected a list of strings, found '" + item + "'");
      }
      out.add(item.toString());
    }
    return List.copyOf(out);
  }

  /** A map of string values (such as an agent's environment); its entries are the caller's to interpret. */
  public Map<String, String> stringMap(String key) {
    Object value = lookup(key);
    readSections.add(key);
    if (value == null) return Map.of();
    if (!(value instanceof Map<?, ?> map)) throw new ConfigException(key, "expected a map");
    Map<String, String> out = new LinkedHashMap<>();
    map.forEach((k, v) -> {
      if (v instanceof Map || v instanceof List) throw new ConfigException(key + "." + k, "expected a string");
      out.put(String.valueOf(k), v == null ? "" : v.toString());
    });
    return out;
  }

  /** The names under a section whose children are named by the user, such as {@code profiles}. */
  public Set<String> sectionNames(String key) {
    Object value = lookup(key);
    if (value == null) return Set.of();
    if (!(value instanceof Map<?, ?> map)) throw new ConfigException(key, "expected a map of named sections");
    Set<String> names = new TreeSet<>();
    map.forEach((k, v) -> {
      if (v != null && !(v instanceof Map)) throw new ConfigException(key + "." + k, "expected a section");
      names.add(String.valueOf(k));
    });
    return names;
  }

  /** Throws for the first key in the file that no reader asked for, so typos never pass silently. */
  public void rejectUnknownKeys() {
    List<String> leaves = new ArrayList<>();
    collectLeaves("", tree, leaves);
    for (String leaf : leaves) {
      if (!isKnown(leaf)) {
        throw new ConfigException(leaf, "unknown key");
      }
    }
  }

  private boolean isKnown(String leaf) {
    if (readKeys.contains(leaf)) return true;
    for (String section : readSections) {
      if (leaf.startsWith(section + ".")) return true;
    }
    return false;
  }

  private void collectLeaves(String prefix, Map<?, ?> map, List<String> out) {
    map.forEach((k, v) -> {
      String path = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
      if (v instanceof Map<?, ?> child && !child.isEmpty()) {
        collectLeaves(path, child, out);
      } else {
        out.add(path);
      }
    });
  }

  private Object raw(String key) {
    readKeys.add(key);
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) return fromEnv;
    Object value = lookup(key);
    if (value instanceof Map<?, ?> map && !map.isEmpty()) throw new ConfigException(key, "expected a value, not a section");
    return value instanceof Map ? null : value;
  }

  private Object lookup(String key) {
    Object node = tree;
    for (String part : key.split("\\.")) {
      if (!(node instanceof Map<?, ?> map)) return null;
      node = map.get(part);
    }
    return node;
  }
}
