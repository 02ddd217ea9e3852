// The HTTP API and the live event stream. The token lives in sessionStorage only: it is gone when the
// browser session ends, and it never reaches localStorage or a cookie.

const TOKEN_KEY = 'overseer.token';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A refused or failed request, with the server's application/problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** [{field, reason}] for invalid input, else []. */
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

let unauthorizedHandler = () => {};

/** Called when any request answers 401: the token is unknown or was revoked. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * One API call. Returns {status, body}. Throws ApiError for any non-2xx answer (and for a network
 * failure, with status 0). `token` overrides the session's token (for signing in).
 */
export async function request(method, path, body, { token, signal } = {}) {
  const value = token ?? session.token();
  const headers = { Accept: 'application/json, application/problem+json' };
  if (value) headers.Authorization = `Bearer ${value}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'Network error', detail: `Overseer cannot be reached (${e.message}).` });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const problem = json && typeof json === 'object'
      ? json
      : { title: response.statusText || 'Error', status: response.status, detail: text.slice(0, 500) };
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && token === undefined) unauthorizedHandler(error);
    throw error;
  }
  return { status: response.status, body: json };
}

/** Like request(), but returns only the body. */
export async function api(method, path, body, options) {
  return (await request(method, path, body, options)).body;
}

/** A query string from an object; arrays repeat the key; empty values are left out. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => q.append(key, v));
    else q.append(key, value);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A readable one-line summary of an error, and its field errors. */
export function describe(error) {
  if (error instanceof ApiError) {
    const p = error.problem;
    const head = error.status ? `${p.title || 'Error'} (${error.status})` : p.title || 'Error';
    return { summary: p.detail ? `${head}: ${p.detail}` : head, errors: error.errors };
  }
  return { summary: String(error && error.message ? error.message : error), errors: [] };
}

/**
 * The live event stream: a WebSocket authenticated with the subprotocols ["overseer",
 * "overseer.bearer.<token>"], resumed with after=<last position> after any disconnect (at once after
 * 4008 "too slow", with a growing, jittered backoff otherwise). Close code 4001 means the token was
 * revoked: no reconnect. Where the WebSocket handshake keeps failing while the server answers (a proxy
 * that drops upgrades, or a server fault), it falls back to the same feed as Server-Sent Events.
 */
export class EventStream {
  constructor({ params = {}, after = null, onEvent, onStatus = () => {}, onRevoked = () => {}, onOpen = () => {} }) {
    this.params = params;
    this.last = after;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onRevoked = onRevoked;
    this.onOpen = onOpen;
    this.failures = 0;
    this.handshakeFailures = 0;
    this.transport = 'websocket';
    this.conn = null;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.closeConnection();
  }

  closeConnection() {
    const conn = this.conn;
    this.conn = null;
    if (!conn) return;
    conn.onclose = null;
    conn.onerror = null;
    conn.onmessage = null;
    if (conn instanceof WebSocket) conn.close(1000, 'bye');
    else conn.close();
  }

  url(path, withToken) {
    const params = { ...this.params };
    if (this.last !== null) params.after = this.last;
    if (withToken) params.access_token = session.token();
    const webSocket = path === '/api/v1/stream';
    const scheme = webSocket ? (location.protocol === 'https:' ? 'wss:' : 'ws:') : location.protocol;
    return `${scheme}//${location.host}${path}${query(params)}`;
  }

  connect() {
    if (!session.token() || this.stopped) return;
    if (this.transport === 'sse') this.connectSse();
    else this.connectWebSocket();
  }

  status(status) {
    this.onStatus(status, this.transport);
  }

  /** One event from either transport. */
  receive(text) {
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof event.position === 'number') {
      if (this.last !== null && event.position <= this.last) return; // never twice
      this.last = event.position;
    }
    this.onEvent(event);
  }

  opened(resumedFrom) {
    this.failures = 0;
    this.handshakeFailures = 0;
    this.status('live');
    this.onOpen({ resumedFrom });
  }

  /** Reconnects after `delay` ms (null: the backoff). */
  retry(delay, status) {
    if (delay === null) {
      this.failures += 1;
      delay = Math.min(30000, 500 * 2 ** Math.min(this.failures, 6)) * (0.8 + Math.random() * 0.4);
    }
    this.status(status);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /**
   * Whether the server answers an ordinary request with this token. A 401 here (a revoked or unknown
   * token, whose handshake fails without a close code) reaches onUnauthorized like any other 401.
   */
  async serverAnswers() {
    try {
      await request('GET', '/api/v1/me');
      return true;
    } catch {
      return false;
    }
  }

  revoked() {
    this.closeConnection();
    this.status('revoked');
    this.onRevoked();
  }

  connectWebSocket() {
    const token = session.token();
    const resumedFrom = this.last;
    let socket;
    try {
      socket = new WebSocket(this.url('/api/v1/stream', false), ['overseer', `overseer.bearer.${token}`]);
    } catch {
      // a token with characters a subprotocol cannot carry: the query parameter works for any token
      socket = new WebSocket(this.url('/api/v1/stream', true), ['overseer']);
    }
    this.conn = socket;
    this.status('connecting');
    let open = false;
    socket.onopen = () => {
      open = true;
      this.opened(resumedFrom);
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = async (close) => {
      this.conn = null;
      if (this.stopped) return;
      if (close.code === 4001) {
        this.revoked();
        return;
      }
      if (close.code === 4008) {
        this.retry(0, 'catching up'); // too slow: catch up from the database at once
        return;
      }
      this.status('reconnecting');
      // a handshake refused by a server that answers otherwise (not one that is down) counts towards the fallback
      if (!open && await this.serverAnswers()) this.handshakeFailures += 1;
      if (this.stopped) return;
      if (this.handshakeFailures >= 2) {
        this.transport = 'sse';
        this.retry(0, 'connecting');
        return;
      }
      this.retry(null, 'reconnecting');
    };
  }

  connectSse() {
    const resumedFrom = this.last;
    const source = new EventSource(this.url('/api/v1/events/stream', true));
    this.conn = source;
    this.status('connecting');
    const handle = (message) => this.receive(message.data);
    // each event arrives named by its type
    const types = this.params.types ? String(this.params.types).split(',') : [];
    types.filter((t) => !t.endsWith('*')).forEach((type) => source.addEventListener(type, handle));
    source.onmessage = handle;
    source.onopen = () => this.opened(resumedFrom);
    source.addEventListener('overseer.too-slow', () => {
      this.closeConnection();
      this.retry(0, 'catching up');
    });
    source.addEventListener('overseer.token-revoked', () => this.revoked());
    source.onerror = async () => {
      // EventSource would reconnect on its own; reconnect with our position and backoff instead
      this.closeConnection();
      if (this.stopped) return;
      this.status('reconnecting');
      await this.serverAnswers();
      if (!this.stopped) this.retry(null, 'reconnecting');
    };
  }
}
