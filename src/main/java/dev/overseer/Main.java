package dev.overseer;

import dev.overseer.config.ConfigException;
import dev.overseer.config.ConfigLoader;
import dev.overseer.config.OverseerConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts Overseer: {@code java -jar overseer.jar [--config FILE]}. Exit status 2 means a bad configuration. */
public final class Main {
  static final int EXIT_BAD_CONFIG = 2;
  static final int EXIT_START_FAILED = 1;
  private static final Path DEFAULT_CONFIG = Path.of("conf", "overseer.yaml");

  private Main() {}

  public static void main(String[] args) {
    int status = run(args, System.getenv(), System.out, System.err);
    if (status != 0) System.exit(status);
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Path configFile = Files.exists(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) return usage(err, "--config needs a file");
          configFile = Path.of(args[++i]);
        }
        case "--help", "-h" -> {
          usage(out, null);
          return 0;
        }
        default -> {
          return usage(err, "unknown argument " + args[i]);
        }
      }
    }
    OverseerConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      err.println("overseer: " + e.getMessage());
      return EXIT_BAD_CONFIG;
    }
    Overseer overseer;
    try {
      overseer = Overseer.start(config, env);
    } catch (Exception e) {
      err.println("overseer: cannot start: " + e.getMessage());
      e.printStackTrace(err);
      return EXIT_START_FAILED;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(overseer::stop, "overseer-shutdown"));
    printReady(overseer, env, out);
    return 0;
  }

  private static void printReady(Overseer overseer, Map<String, String> env, PrintStream out) {
    out.println("Overseer ready at " + overseer.baseUrl() + " (port " + overseer.port() + ")");
    out.println("  database: " + overseer.database().describe());
    out.println("  node: " + overseer.nodeId()
        + (overseer.clusterMembers().isEmpty() ? "" : "; cluster members: " + overseer.clusterMembers()));
    out.println("  authenticate with the header: Authorization: Bearer <token>");
    if (overseer.generatedAdminToken().isPresent()) {
      out.println("  admin token (shown only this once, store it now): " + overseer.generatedAdminToken().get());
    } else if (env.get("OVERSEER_ADMIN_TOKEN") != null) {
      out.println("  admin token: the value of OVERSEER_ADMIN_TOKEN (used when the database was first created)");
    } else {
      out.println("  use a token created earlier; an admin creates more with POST /api/v1/tokens");
    }
    out.println("  try: curl -H 'Authorization: Bearer <token>' " + overseer.baseUrl() + "/api/v1/tasks");
    out.flush();
  }

  private static int usage(PrintStream stream, String problem) {
    if (problem != null) stream.println("overseer: " + problem);
    stream.println("usage: overseer [--config FILE]");
    stream.println("  FILE is YAML merged over the built-in defaults (default conf/overseer.yaml);");
    stream.println("  every key can be overridden by an environment variable, e.g. http.port -> OVERSEER_HTTP_PORT.");
    return problem == null ? 0 : EXIT_BAD_CONFIG;
  }
}
