package dev.overseer.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The named queries of {@code src/main/resources/sql/*.sql}. A query starts at a line
 * {@code -- name: QueryName} and runs to the next such line; SQL never lives in Java strings.
 */
final class SqlQueries {
  private static final String[] FILES = {"tasks.sql", "events.sql", "tokens.sql", "execution.sql", "kills.sql", "nodes.sql"};
  private static final Map<String, String> QUERIES = loadAll();

  private SqlQueries() {}

  static String get(String name) {
    String sql = QUERIES.get(name);
    if (sql == null) throw new IllegalArgumentException("no query named " + name);
    return sql;
  }

  private static Map<String, String> loadAll() {
    Map<String, String> queries = new HashMap<>();
    for (String file : FILES) {
      parse(read("/sql/" + file), queries);
    }
    return Map.copyOf(queries);
  }

  static void parse(String text, Map<String, String> into) {
    String name = null;
    StringBuilder body = new StringBuilder();
    for (String line : text.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("-- name:")) {
        put(into, name, body);
        name = trimmed.substring("-- name:".length()).trim();
        body.setLength(0);
      } else if (name != null && !trimmed.startsWith("--")) {
        body.append(line).append('\n');
      }
    }
    put(into, name, body);
  }

  private static void put(Map<String, String> into, String name, StringBuilder body) {
    if (name == null) return;
    if (into.putIfAbsent(name, body.toString().trim()) != null) {
      throw new IllegalStateException("query " + name + " is defined twice");
    }
  }

  private static String read(String resource) {
    try (InputStream in = SqlQueries.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing resource " + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
