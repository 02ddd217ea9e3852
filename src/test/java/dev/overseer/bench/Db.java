package dev.overseer.bench;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A JDBC connection to Overseer's database, for measurements behind the API's back (timestamps, event
 * counts, pg_stat_database). Counts its own statements: each is one autocommit transaction, which the
 * bench subtracts from xact_commit deltas.
 */
final class Db implements AutoCloseable {
  private final String url;
  private Connection connection;
  private long statements;

  Db(String postgresUrl) throws SQLException {
    this.url = postgresUrl;
    this.connection = connect(postgresUrl, null);
  }

  /** {@code postgresql://user[:pass]@host[:port]/db[?params]} as a JDBC connection; {@code database} overrides the db. */
  static Connection connect(String postgresUrl, String database) throws SQLException {
    URI uri = URI.create(postgresUrl.replaceFirst("^postgres(ql)?://", "postgresql://"));
    String db = database != null ? database : uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
    String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort()) + "/" + db
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    Properties props = new Properties();
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      props.setProperty("user", decode(colon < 0 ? userInfo : userInfo.substring(0, colon)));
      if (colon >= 0) props.setProperty("password", decode(userInfo.substring(colon + 1)));
    }
    props.setProperty("ApplicationName", "overseer-bench");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "300");
    return DriverManager.getConnection(jdbc, props);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  String url() {
    return url;
  }

  /** Statements run so far (each one autocommit transaction). */
  long statements() {
    return statements;
  }

  /** Connects again to another URL (the embedded server moved after a restart). */
  void reconnect(String postgresUrl) throws SQLException {
    close();
    connection = connect(postgresUrl, null);
  }

  long longValue(String sql, Object... params) throws SQLException {
    List<Object[]> rows = rows(sql, params);
    if (rows.isEmpty() || rows.get(0)[0] == null) return 0;
    return ((Number) rows.get(0)[0]).longValue();
  }

  Double doubleValue(String sql, Object... params) throws SQLException {
    List<Object[]> rows = rows(sql, params);
    if (rows.isEmpty() || rows.get(0)[0] == null) return null;
    return ((Number) rows.get(0)[0]).doubleValue();
  }

  String string(String sql, Object... params) throws SQLException {
    List<Object[]> rows = rows(sql, params);
    return rows.isEmpty() || rows.get(0)[0] == null ? null : rows.get(0)[0].toString();
  }

  List<Object[]> rows(String sql, Object... params) throws SQLException {
    statements++;
    try (PreparedStatement st = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) st.setObject(i + 1, params[i]);
      try (ResultSet rs = st.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        List<Object[]> rows = new ArrayList<>();
        while (rs.next()) {
          Object[] row = new Object[columns];
          for (int c = 0; c < columns; c++) row[c] = rs.getObject(c + 1);
          rows.add(row);
        }
        return rows;
      }
    }
  }

  void execute(String sql) throws SQLException {
    statements++;
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  public void close() {
    try {
      if (connection != null) connection.close();
    } catch (SQLException e) {
      // closing anyway
    }
  }
}
