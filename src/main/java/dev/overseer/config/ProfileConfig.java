package dev.overseer.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One agent profile: how an attempt of a task runs. A {@code process} profile runs an argv list (never a
 * shell string); a {@code builtin} profile runs one of Overseer's own agents ({@code noop}, {@code sleep},
 * {@code fail}), which serve tests, demos and benchmarks.
 */
public record ProfileConfig(
    String name,
    Kind kind,
    String agent,
    List<String> command,
    Map<String, String> env,
    String workdir,
    boolean keepWorkdir,
    ProfileSettings settings) {

  public enum Kind { PROCESS, BUILTIN }

  public static final Set<String> BUILTIN_AGENTS = Set.of("noop", "sleep", "fail");
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

  /** The profile every installation has, even with an empty config. */
  public static ProfileConfig builtinNoop(ProfileSettings settings) {
    return new ProfileConfig("noop", Kind.BUILTIN, "noop", List.of(), Map.of(), null, false, settings);
  }

  static ProfileConfig read(ConfigReader reader, String name, ProfileSettings defaults) {
    String prefix = "profiles." + name + ".";
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException("profiles." + name, "a profile name is 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit");
    }
    String kindText = reader.string(prefix + "kind", null);
    if (kindText == null) {
      throw new ConfigException(prefix + "kind", "required: process or builtin");
    }
    Kind kind = switch (kindText) {
      case "process" -> Kind.PROCESS;
      case "builtin" -> Kind.BUILTIN;
      default -> throw new ConfigException(prefix + "kind", "must be process or builtin, got '" + kindText + "'");
    };
    String agent = reader.string(prefix + "agent", null);
    List<String> command = reader.stringList(prefix + "command", List.of());
    Map<String, String> env = reader.stringMap(prefix + "env");
    String workdir = reader.string(prefix + "workdir", null);
    boolean keepWorkdir = reader.bool(prefix + "keepWorkdir", false);
    if (kind == Kind.PROCESS) {
      if (command.isEmpty() || command.get(0).isBlank()) {
        throw new ConfigException(prefix + "command", "a process profile needs a command: an argv list such as [\"python3\", \"agent.py\"]");
      }
      if (agent != null) throw new ConfigException(prefix + "agent", "only a builtin profile names an agent");
    } else {
      if (agent == null || !BUILTIN_AGENTS.contains(agent)) {
        throw new ConfigException(prefix + "agent", "a builtin profile needs agent: noop, sleep or fail");
      }
      if (!command.isEmpty()) throw new ConfigException(prefix + "command", "a builtin profile has no command");
    }
    ProfileSettings settings = ProfileSettings.read(reader, prefix, defaults);
    return new ProfileConfig(name, kind, agent, command, env, workdir, keepWorkdir, settings);
  }
}
