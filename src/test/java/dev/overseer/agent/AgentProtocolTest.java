package dev.overseer.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class AgentProtocolTest {
  @Test
  void recognizes_the_five_message_types_and_nothing_else() {
    assertThat(AgentProtocol.parse("{\"type\":\"progress\",\"percent\":40}")).isNotNull();
    assertThat(AgentProtocol.parse("  {\"type\":\"result\",\"output\":{}}  ")).isNotNull();
    assertThat(AgentProtocol.parse("{\"type\":\"other\"}")).isNull();
    assertThat(AgentProtocol.parse("{\"type\":5}")).isNull();
    assertThat(AgentProtocol.parse("{not json}")).isNull();
    assertThat(AgentProtocol.parse("plain text")).isNull();
  }

  @Test
  void clamps_percent_and_bounds_messages() {
    assertThat(AgentProtocol.percent(new JsonObject().put("percent", 140))).isEqualTo(100);
    assertThat(AgentProtocol.percent(new JsonObject().put("percent", -3))).isZero();
    assertThat(AgentProtocol.percent(new JsonObject().put("percent", "half"))).isNull();
    assertThat(AgentProtocol.text("x".repeat(5000))).hasSizeLessThan(1100).endsWith(BoundedLineReader.TRUNCATED_MARK);
  }
}
