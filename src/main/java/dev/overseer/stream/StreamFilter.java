package dev.overseer.stream;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What a reader follows: one task, one profile, some event types (exact names, or a prefix such as
 * {@code kill.*}). Null fields do not filter.
 */
public record StreamFilter(UUID taskId, String profile, Set<String> types) {
  public static final StreamFilter ALL = new StreamFilter(null, null, null);

  /** Whether every event matches. */
  public boolean matchesAll() {
    return taskId == null && profile == null && (types == null || types.isEmpty());
  }

  public boolean matches(StreamEvent e) {
    if (taskId != null && !taskId.equals(e.taskId())) return false;
    if (profile != null && !profile.equals(e.profile())) return false;
    if (types == null || types.isEmpty()) return true;
    for (String type : types) {
      if (type.endsWith("*") ? e.type().startsWith(type.substring(0, type.length() - 1)) : type.equals(e.type())) {
        return true;
      }
    }
    return false;
  }

  /** The exact type names the database can filter on, or null when a prefix pattern needs Java to filter. */
  public String[] exactTypes() {
    if (types == null || types.isEmpty() || types.stream().anyMatch(t -> t.endsWith("*"))) return null;
    return types.toArray(new String[0]);
  }

  public static Set<String> parseTypes(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) return null;
    return Set.copyOf(List.of(commaSeparated.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
  }
}
