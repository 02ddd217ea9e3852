package dev.overseer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  private static OverseerConfig load(String yaml, Map<String, String> env) {
    return ConfigLoader.fromTree(ConfigLoader.parseYaml(yaml, "test"), env);
  }

  @Test
  void empty_config_gives_the_documented_defaults_and_the_builtin_noop_profile() {
    OverseerConfig config = load("", Map.of());
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().bodyLimit()).isEqualTo(1 << 20);
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.db().embedded()).isTrue();
    assertThat(config.db().poolSize()).isEqualTo(8);
    assertThat(config.profiles()).containsOnlyKeys("noop");
    assertThat(config.profiles().get("noop").kind()).isEqualTo(ProfileConfig.Kind.BUILTIN);
    assertThat(config.defaults().supervisor().intensity()).isEqualTo(10);
    assertThat(config.defaults().supervisor().period()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void the_shipped_config_file_is_valid() {
    OverseerConfig config = ConfigLoader.load(Path.of("conf/overseer.yaml"), Map.of());
    assertThat(config.http().port()).isEqualTo(8080);
  }

  @Test
  void environment_variables_override_file_values() {
    OverseerConfig config = load("http:\n  port: 9000\ndb:\n  poolSize: 3\n",
        Map.of("OVERSEER_HTTP_PORT", "0", "OVERSEER_DB_URL", "postgresql://u:p@db:5432/o",
            "OVERSEER_DATA_DIR", "/var/lib/overseer"));
    assertThat(config.http().port()).isZero();
    assertThat(config.db().poolSize()).isEqualTo(3);
    assertThat(config.db().url()).isEqualTo("postgresql://u:p@db:5432/o");
    assertThat(config.db().embedded()).isFalse();
    assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/overseer"));
  }

  @ParameterizedTest
  @CsvSource({
      "http.port, OVERSEER_HTTP_PORT",
      "db.poolSize, OVERSEER_DB_POOL_SIZE",
      "dataDir, OVERSEER_DATA_DIR",
      "defaults.supervisor.heartbeatInterval, OVERSEER_DEFAULTS_SUPERVISOR_HEARTBEAT_INTERVAL",
      "profiles.my-agent.concurrency, OVERSEER_PROFILES_MY_AGENT_CONCURRENCY"
  })
  void environment_names_follow_the_key(String key, String env) {
    assertThat(ConfigReader.envName(key)).isEqualTo(env);
  }

  @Test
  void profiles_inherit_defaults_and_override_them() {
    OverseerConfig config = load("""
        defaults:
          concurrency: 2
          retry:
            minBackoff: 250ms
        profiles:
          coder:
            kind: process
            command: ["python3", "agent.py", "{task.id}"]
            concurrency: 9
            env:
              MODE: fast
        """, Map.of());
    ProfileConfig coder = config.profiles().get("coder");
    assertThat(coder.command()).containsExactly("python3", "agent.py", "{task.id}");
    assertThat(coder.env()).containsEntry("MODE", "fast");
    assertThat(coder.settings().concurrency()).isEqualTo(9);
    assertThat(coder.settings().retry().minBackoff()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.profiles().get("noop").settings().concurrency()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown top-level key   | htp:\\n  port: 1                          | htp.port        | unknown key",
      "unknown nested key      | http:\\n  prot: 1                         | http.prot       | unknown key",
      "port of the wrong type  | http:\\n  port: eighty                    | http.port       | expected an integer",
      "port out of range       | http:\\n  port: 70000                     | http.port       | between 0 and 65535",
      "bad duration            | defaults:\\n  timeout: soon               | defaults.timeout | not a duration",
      "duration of wrong type  | defaults:\\n  timeout: 30                 | defaults.timeout | expected a duration",
      "bad size                | http:\\n  bodyLimit: lots                 | http.bodyLimit  | not a size",
      "bad db url              | db:\\n  url: mysql://x                    | db.url          | postgresql://",
      "process without command | profiles:\\n  p:\\n    kind: process       | profiles.p.command | needs a command",
      "unknown builtin agent   | profiles:\\n  p:\\n    kind: builtin\\n    agent: dance | profiles.p.agent | noop, sleep or fail",
      "unknown profile kind    | profiles:\\n  p:\\n    kind: docker        | profiles.p.kind | process or builtin",
      "unknown profile key     | profiles:\\n  p:\\n    kind: builtin\\n    agent: noop\\n    concurency: 2 | profiles.p.concurency | unknown key",
      "backoff max below min   | defaults:\\n  retry:\\n    minBackoff: 10s\\n    maxBackoff: 1s | defaults.retry.maxBackoff | not be shorter",
      "bad profile name        | profiles:\\n  Bad Name:\\n    kind: builtin\\n    agent: noop | profiles.Bad Name | profile name",
  })
  void invalid_config_names_the_key(String name, String yaml, String key, String reason) {
    assertThatThrownBy(() -> load(yaml.replace("\\n", "\n"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key)
        .hasMessageContaining(reason)
        .extracting(e -> ((ConfigException) e).key()).isEqualTo(key);
  }

  @Test
  void invalid_environment_value_names_the_key() {
    assertThatThrownBy(() -> load("", Map.of("OVERSEER_DB_POOL_SIZE", "many")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("db.poolSize");
  }

  @Test
  void a_missing_or_broken_file_is_a_config_error() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(Path.of("/nonexistent/overseer.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not found");
    Path broken = Files.createTempFile("broken", ".yaml");
    Files.writeString(broken, "http: [unclosed");
    assertThatThrownBy(() -> ConfigLoader.load(broken, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
  }
}
