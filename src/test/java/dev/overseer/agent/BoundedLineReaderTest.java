package dev.overseer.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedLineReaderTest {
  private static List<String> read(String text, int max) throws Exception {
    List<String> lines = new ArrayList<>();
    BoundedLineReader.readLines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max, lines::add);
    return lines;
  }

  @Test
  void splits_lines_and_keeps_a_last_line_without_newline() throws Exception {
    assertThat(read("a\r\nbb\n\nccc", 10)).containsExactly("a", "bb", "", "ccc");
  }

  @Test
  void cuts_an_over_long_line_marks_it_and_skips_its_rest() throws Exception {
    assertThat(read("0123456789abcdef\nnext\n", 8))
        .containsExactly("01234567" + BoundedLineReader.TRUNCATED_MARK, "next");
  }
}
