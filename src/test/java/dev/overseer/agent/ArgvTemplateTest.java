package dev.overseer.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ArgvTemplateTest {
  private final UUID id = UUID.fromString("0191d2b8-0000-7000-8000-000000000001");

  @Test
  void substitutes_inside_single_elements_and_keeps_their_count() {
    JsonObject input = new JsonObject().put("repo", "acme/web; rm -rf /").put("n", 3).put("tags", new io.vertx.core.json.JsonArray().add("a"));
    List<String> argv = ArgvTemplate.render(
        List.of("agent", "--repo={input.repo}", "{input.n}", "{input.tags}", "{input.missing}", "{task.id}-{task.attempt}", "$HOME"),
        id, 2, input);
    assertThat(argv).containsExactly("agent", "--repo=acme/web; rm -rf /", "3", "[\"a\"]", "", id + "-2", "$HOME");
  }

  @Test
  void replacement_text_is_literal_even_with_regex_specials() {
    assertThat(ArgvTemplate.render(List.of("{input.x}"), id, 1, new JsonObject().put("x", "$1 \\ $(id)")))
        .containsExactly("$1 \\ $(id)");
  }
}
